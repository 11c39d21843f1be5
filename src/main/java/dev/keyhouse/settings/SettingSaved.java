package dev.keyhouse.settings;

/**
 * Fired synchronously inside the transaction that saved, rolled back or bootstrapped a setting, so an observer's
 * writes (e.g. restart runs) commit or roll back with it.
 *
 * @param kind {@code llm}, {@code stt}, {@code tts} or {@code telephony}
 * @param version the kind's new version
 * @param secretChanged whether the secret a runtime would receive is different (new value, or set for the first
 *        time); false when only routing fields changed or the same value was entered again
 */
public record SettingSaved(String kind, long version, boolean secretChanged) {
}
