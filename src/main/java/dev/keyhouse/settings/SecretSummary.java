package dev.keyhouse.settings;

/**
 * What may be shown of a stored secret: whether it is set, a masked hint, its keyed fingerprint, whether it must be
 * entered again because no configured key opens it, and where its value comes from.
 *
 * @param hint "…" and the last 4 characters, only for values of at least {@value #HINT_MIN_LENGTH} characters; none
 *        for a {@code vault:} reference
 * @param fingerprint the keyed fingerprint of what Keyhouse stores: the value, or for source {@code vault} the pinned
 *        reference (so a new pin is a new key for audits and key checks); {@link VaultSource#fingerprint()} is the
 *        resolved value's
 * @param keyId the key (8 hex digits) the value is sealed under; for a value needing re-entry, the key it was
 *        written under
 * @param source {@code keyhouse} (the value is stored, sealed) or {@code vault} (a {@code vault:} reference is); null
 *        when not configured
 * @param vault for source {@code vault}: the reference, its KV version and the resolved value's fingerprint; else null
 */
public record SecretSummary(boolean configured, String hint, String fingerprint, boolean needsReentry, String keyId,
        String source, VaultSource vault) {

    /** Shorter values get no hint: 4 characters of a short secret are too much of it. */
    public static final int HINT_MIN_LENGTH = 20;

    public static final SecretSummary NOT_CONFIGURED = new SecretSummary(false, null, null, false, null);

    /** {@link #source()} of a value stored in Keyhouse. */
    public static final String KEYHOUSE = "keyhouse";
    /** {@link #source()} of a {@code vault:} reference. */
    public static final String VAULT = "vault";

    /**
     * A secret held in Vault, as shown: never its value.
     *
     * @param reference the pinned reference, e.g. {@code vault:secret/llm#openai_key?version=3} (not secret)
     * @param version the KV version it is pinned to
     * @param fingerprint the keyed fingerprint of the value it resolves to; null until resolved, or when it cannot be
     * @param problem why it cannot be resolved now ("Vault at … is sealed …"), or null
     */
    public record VaultSource(String reference, int version, String fingerprint, String problem) {
    }

    /** A summary of a value stored in Keyhouse (or none). */
    public SecretSummary(boolean configured, String hint, String fingerprint, boolean needsReentry, String keyId) {
        this(configured, hint, fingerprint, needsReentry, keyId, configured ? KEYHOUSE : null, null);
    }

    static SecretSummary readable(String value, String fingerprint, String keyId) {
        return new SecretSummary(true, hint(value), fingerprint, false, keyId);
    }

    static SecretSummary referenced(dev.keyhouse.vault.VaultReference reference, String fingerprint, String keyId) {
        return new SecretSummary(true, null, fingerprint, false, keyId, VAULT,
                new VaultSource(reference.toString(), reference.version(), null, null));
    }

    static SecretSummary needsReentry(String keyId) {
        return new SecretSummary(true, null, null, true, keyId);
    }

    /** The same summary with what resolving its reference found. */
    SecretSummary withVault(VaultSource resolved) {
        return new SecretSummary(configured, hint, fingerprint, needsReentry, keyId, source, resolved);
    }

    static String hint(String value) {
        int length = value.codePointCount(0, value.length());
        if (length < HINT_MIN_LENGTH) {
            return null;
        }
        return "…" + value.substring(value.offsetByCodePoints(0, length - 4));
    }
}
