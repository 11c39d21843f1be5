package dev.keyhouse.settings;

import java.time.Instant;
import java.util.Map;

/**
 * A setting as pages and the REST API show it: non-secret values, secrets only as summaries.
 *
 * @param values non-secret fields of the kind by JSON name, in display order; null when unset
 * @param secrets secret fields of the kind by JSON name
 * @param version 0 when never configured
 * @param previousVersion the version a rollback would restore, or null when there is none
 * @param restartRun the restart run the change that produced this state planned, or null (reads, or no run)
 */
public record SettingState(ProviderKind kind, Map<String, String> values, Map<String, SecretSummary> secrets,
        long version, String updatedBy, Instant updatedAt, Long previousVersion, Long restartRun) {

    SettingState withRestartRun(Long run) {
        return new SettingState(kind, values, secrets, version, updatedBy, updatedAt, previousVersion, run);
    }

    public boolean configured() {
        return version > 0;
    }

    public String value(SettingField field) {
        return values.get(field.json());
    }

    /**
     * What a key check is for: the fingerprint of each configured secret in field order, joined by {@code +} (one
     * secret: its fingerprint alone); null when none is configured or one needs re-entry. A check's result stands only
     * while this is unchanged.
     */
    public String keyFingerprint() {
        return keyFingerprint(kind, secrets);
    }

    /** {@link #keyFingerprint()} of {@code kind}'s secrets by JSON name (a fallback entry's too). */
    static String keyFingerprint(ProviderKind kind, Map<String, SecretSummary> secrets) {
        java.util.List<String> prints = new java.util.ArrayList<>();
        for (SettingField field : kind.secretFields()) {
            SecretSummary summary = secrets.get(field.json());
            if (summary == null || !summary.configured()) {
                continue;
            }
            if (summary.needsReentry() || summary.fingerprint() == null) {
                return null;
            }
            prints.add(summary.fingerprint());
        }
        return prints.isEmpty() ? null : String.join("+", prints);
    }

    /** The summary of the secret a card shows: {@link #secretShown()}. */
    public SecretSummary secret() {
        return secrets.get(secretShown().json());
    }

    /**
     * The secret field a one-line summary shows: the kind's primary one ({@link ProviderKind#secretField()}) unless
     * only another is configured (telephony set up with an API key and no auth token shows the API key secret).
     */
    public SettingField secretShown() {
        SettingField primary = kind.secretField();
        if (secrets.get(primary.json()).configured()) {
            return primary;
        }
        return kind.secretFields().stream().filter(f -> secrets.get(f.json()).configured()).findFirst()
                .orElse(primary);
    }
}
