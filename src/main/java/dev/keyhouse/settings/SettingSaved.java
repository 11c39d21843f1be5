package dev.keyhouse.settings;

import java.util.function.LongConsumer;

/**
 * Fired synchronously inside the transaction that saved, rolled back or bootstrapped a setting, so an observer's
 * writes (e.g. restart runs) commit or roll back with it.
 *
 * @param kind {@code llm}, {@code stt}, {@code tts} or {@code telephony}
 * @param version the kind's new version
 * @param receivedChanged whether what a runtime receives for the kind (runtime-config json/env) is different: a
 *        secret with a new value (or set, or dropped) or any other field (model, base URL, voice, language, ...)
 *        changed; false when nothing did (the same key entered again): every save, rollback or make-primary that is
 *        true is rolled out, canary first
 * @param actor who saved
 * @param restartRun an observer that planned a restart run for this save passes its id here, so the save's answer
 *        can link to it
 * @param automatic true when a rollout restored an earlier version by itself (automatic rollback): the rollout
 *        restarts what it moved, so no new restart run is planned for it
 * @param restored the version an admin's rollback restored (the new {@code version} holds its values); null for a
 *        save, a bootstrap or an automatic rollback
 * @param change what changed, in words, for the run's {@code changeSummary} (a make-primary's "stt fallback 12
 *        (soniox) is now primary; …"); null when the version says it (a save, a rollback)
 */
public record SettingSaved(String kind, long version, boolean receivedChanged, String actor, LongConsumer restartRun,
        boolean automatic, Long restored, String change) {

    public SettingSaved(String kind, long version, boolean receivedChanged, String actor, LongConsumer restartRun,
            boolean automatic, Long restored) {
        this(kind, version, receivedChanged, actor, restartRun, automatic, restored, null);
    }

    public SettingSaved(String kind, long version, boolean receivedChanged, String actor, LongConsumer restartRun,
            boolean automatic) {
        this(kind, version, receivedChanged, actor, restartRun, automatic, null);
    }

    public SettingSaved(String kind, long version, boolean receivedChanged, String actor, LongConsumer restartRun) {
        this(kind, version, receivedChanged, actor, restartRun, false);
    }

    public SettingSaved(String kind, long version, boolean receivedChanged) {
        this(kind, version, receivedChanged, ProviderSettings.SYSTEM, id -> {
        });
    }
}
