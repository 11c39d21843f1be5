package dev.keyhouse.runtimes;

import dev.keyhouse.input.FieldType;

/**
 * One setting of a driver, e.g. docker's {@code labelSelector} or http's {@code secret}.
 *
 * @param name the key in a target's {@code config} (JSON) and the form field {@code config.<name>}
 * @param label what the form shows
 * @param required whether a target without it is refused
 * @param type how a submitted value is cleaned ({@link dev.keyhouse.input.FieldRules}); {@link FieldType#SECRET}
 *        is sealed at rest and write-only (never shown or returned again), like a provider API key
 * @param defaultValue used when the target leaves it empty; null for none
 * @param help one line under the form field
 */
public record DriverField(String name, String label, boolean required, FieldType type, String defaultValue,
        String help) {

    /** Sealed at rest, write-only. */
    public boolean secret() {
        return type == FieldType.SECRET;
    }

    public static DriverField required(String name, String label, String help) {
        return new DriverField(name, label, true, FieldType.TEXT, null, help);
    }

    public static DriverField optional(String name, String label, String defaultValue, String help) {
        return new DriverField(name, label, false, FieldType.TEXT, defaultValue, help);
    }

    public static DriverField secret(String name, String label, boolean required, String help) {
        return new DriverField(name, label, required, FieldType.SECRET, null, help);
    }

    /** A required http(s) URL, stored in the canonical form of {@link FieldType#URL}. */
    public static DriverField url(String name, String label, String help) {
        return new DriverField(name, label, true, FieldType.URL, null, help);
    }
}
