package dev.keyhouse.settings;

/**
 * What may be shown of a stored secret: whether it is set, a masked hint, its keyed fingerprint, and whether it
 * must be entered again because no configured key opens it.
 *
 * @param hint "…" and the last 4 characters, only for values of at least {@value #HINT_MIN_LENGTH} characters
 * @param keyId the key (8 hex digits) the value is sealed under; for a value needing re-entry, the key it was
 *        written under
 */
public record SecretSummary(boolean configured, String hint, String fingerprint, boolean needsReentry, String keyId) {

    /** Shorter values get no hint: 4 characters of a short secret are too much of it. */
    public static final int HINT_MIN_LENGTH = 20;

    public static final SecretSummary NOT_CONFIGURED = new SecretSummary(false, null, null, false, null);

    static SecretSummary readable(String value, String fingerprint, String keyId) {
        return new SecretSummary(true, hint(value), fingerprint, false, keyId);
    }

    static SecretSummary needsReentry(String keyId) {
        return new SecretSummary(true, null, null, true, keyId);
    }

    static String hint(String value) {
        int length = value.codePointCount(0, value.length());
        if (length < HINT_MIN_LENGTH) {
            return null;
        }
        return "…" + value.substring(value.offsetByCodePoints(0, length - 4));
    }
}
