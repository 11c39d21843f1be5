package dev.keyhouse.settings;

import java.util.function.LongConsumer;

/**
 * Fired synchronously inside the transaction that changed a kind's fallback entries (issue 19: added, edited,
 * enabled, disabled, moved, deleted) in a way runtimes receive: a fallback's variables or {@code <KIND>_PROVIDERS}
 * differ. The restart planner rolls the kind's dependent targets out in that transaction, as after a save of the kind
 * ({@link SettingSaved}); a change runtimes do not receive (a disabled entry edited or moved) fires nothing.
 *
 * @param kind {@code llm}, {@code stt} or {@code tts}
 * @param settingsVersion the kind's (its primary's) version, which a fallback's change leaves as it is
 * @param change what changed, for the run's audit entry, e.g. "stt fallback 12 (soniox) disabled"
 * @param actor who changed it
 * @param restartRun the planner passes the id of the run it planned here
 */
public record FallbackChanged(String kind, long settingsVersion, String change, String actor,
        LongConsumer restartRun) {
}
