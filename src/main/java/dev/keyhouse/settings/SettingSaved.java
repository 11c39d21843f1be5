package dev.keyhouse.settings;

import java.util.function.LongConsumer;

/**
 * Fired synchronously inside the transaction that saved, rolled back or bootstrapped a setting, so an observer's
 * writes (e.g. restart runs) commit or roll back with it.
 *
 * @param kind {@code llm}, {@code stt}, {@code tts} or {@code telephony}
 * @param version the kind's new version
 * @param secretChanged whether the secret a runtime would receive is different (new value, or set for the first
 *        time); false when only routing fields changed or the same value was entered again
 * @param actor who saved
 * @param restartRun an observer that planned a restart run for this save passes its id here, so the save's answer
 *        can link to it
 * @param automatic true when a rollout restored an earlier version by itself (automatic rollback): the rollout
 *        restarts what it moved, so no new restart run is planned for it
 * @param restored the version an admin's rollback restored (the new {@code version} holds its values); null for a
 *        save, a bootstrap or an automatic rollback
 */
public record SettingSaved(String kind, long version, boolean secretChanged, String actor, LongConsumer restartRun,
        boolean automatic, Long restored) {

    public SettingSaved(String kind, long version, boolean secretChanged, String actor, LongConsumer restartRun,
            boolean automatic) {
        this(kind, version, secretChanged, actor, restartRun, automatic, null);
    }

    public SettingSaved(String kind, long version, boolean secretChanged, String actor, LongConsumer restartRun) {
        this(kind, version, secretChanged, actor, restartRun, false);
    }

    public SettingSaved(String kind, long version, boolean secretChanged) {
        this(kind, version, secretChanged, ProviderSettings.SYSTEM, id -> {
        });
    }
}
