package dev.keyhouse.runtimes;

import java.util.Map;

/**
 * A runtime target as a driver sees it: its settings with defaults applied and secrets opened. Never logged
 * whole ({@link #toString()} names the target only).
 *
 * @param id the target's row id (0 while a new target is validated)
 * @param name e.g. {@code voice-fleet}
 * @param driver docker, kubernetes, command or http
 * @param config non-secret settings by {@link DriverField#name()}
 * @param secrets secret settings, opened, by {@link DriverField#name()}
 */
public record TargetSpec(long id, String name, String driver, Map<String, String> config, Map<String, String> secrets) {

    public TargetSpec {
        config = Map.copyOf(config);
        secrets = Map.copyOf(secrets);
    }

    /** A non-secret setting, or null when unset. */
    public String config(String field) {
        String value = config.get(field);
        return value == null || value.isBlank() ? null : value;
    }

    /** A non-secret setting, or {@code fallback} when unset. */
    public String config(String field, String fallback) {
        String value = config(field);
        return value == null ? fallback : value;
    }

    /** A secret setting, or null when unset. */
    public String secret(String field) {
        return secrets.get(field);
    }

    @Override
    public String toString() {
        return "target " + name + " (" + driver + ")";
    }
}
