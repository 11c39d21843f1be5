package dev.keyhouse.runtimes;

import java.time.Instant;

/**
 * Fired once when a rollout reaches a final outcome, after the transaction that recorded it committed
 * ({@code @Observes(during = AFTER_SUCCESS)}): alerts (log, metric, {@code ROLLOUT_NOTIFY_URL}) hang off it.
 *
 * @param runId the restart run
 * @param kind the provider kind whose save started it (llm, stt, tts, telephony)
 * @param settingsVersion the kind's version the rollout took out
 * @param outcome succeeded, rolled_back, halted, aborted or superseded
 * @param reason why, in plain words (null for succeeded); never a secret
 * @param rollbackVersion the version an automatic rollback saved, or null
 * @param at when it ended
 */
public record RolloutEnded(long runId, String kind, long settingsVersion, String outcome, String reason,
        Long rollbackVersion, Instant at) {
}
