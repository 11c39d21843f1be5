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

    /** The summary of the kind's one secret field. */
    public SecretSummary secret() {
        return secrets.get(kind.secretField().json());
    }
}
