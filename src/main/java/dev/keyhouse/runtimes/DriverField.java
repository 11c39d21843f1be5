package dev.keyhouse.runtimes;

/**
 * One setting of a driver, e.g. docker's {@code labelSelector} or http's {@code secret}.
 *
 * @param name the key in a target's {@code config} (JSON) and the form field {@code config.<name>}
 * @param label what the form shows
 * @param required whether a target without it is refused
 * @param secret sealed at rest, write-only (never shown or returned again), like a provider API key
 * @param defaultValue used when the target leaves it empty; null for none
 * @param help one line under the form field
 */
public record DriverField(String name, String label, boolean required, boolean secret, String defaultValue,
        String help) {

    public static DriverField required(String name, String label, String help) {
        return new DriverField(name, label, true, false, null, help);
    }

    public static DriverField optional(String name, String label, String defaultValue, String help) {
        return new DriverField(name, label, false, false, defaultValue, help);
    }

    public static DriverField secret(String name, String label, boolean required, String help) {
        return new DriverField(name, label, required, true, null, help);
    }
}
