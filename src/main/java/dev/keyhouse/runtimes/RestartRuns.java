package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.settings.FallbackChanged;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.ProviderSettings;
import dev.keyhouse.settings.SettingSaved;
import dev.keyhouse.sharedsecrets.SharedSecrets;
import dev.keyhouse.web.NotFound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Plans restart runs and reports on them. A save whose secret changed plans a run in the save's own transaction
 * (the outbox): one planned result per enabled target depending on the saved kind, expanded into one result per
 * runtime when the executor runs the target's discovery. A crash after the save's commit leaves the plan for any
 * replica to execute; a save that rolls back leaves no run.
 */
@ApplicationScoped
public class RestartRuns {

    private static final Logger LOG = Logger.getLogger(RestartRuns.class);

    /**
     * One runtime's (or a not yet discovered target's) result, with the configuration it fetched since its restart.
     *
     * @param state the restart's state: waiting (its wave has not come), held, pending, running, restarted, failed,
     *        timed_out, cancelled (its wave never came)
     * @param wave its rollout wave (1 is the canary); null in a manual run and before waves are assigned
     * @param envVersion the runtime-config version it was restarted onto
     * @param confirmation the confirmation that applied (report, fetch, health, none) and {@code confirmationReason}
     *        why (auto's choice)
     * @param confirmState null while unknown; confirmed, failing or unconfirmed (not confirmed in time)
     * @param ackFingerprint the LLM key's fingerprint in the runtime's newest fetch since its restart began (null
     *        without such a fetch, or when that fetch had no LLM key): informational, whatever kind the run rolled out
     * @param ackedAt when that fetch was served; null without one
     * @param confirmed the runtime's one verdict, as every summary counts it ({@link RunView.Tally}): its rollout's
     *        confirmation decided it confirmed (report, fetch, health); or, undecided (a manual run, or still
     *        confirming), it fetched by name since its restart began and got configuration version {@code envVersion}
     *        or later (any fetch while {@code envVersion} is unknown). False when {@code confirmState} is failing,
     *        unconfirmed or not_asked (confirmation none: not waited for, neither confirmed nor unconfirmed); a
     *        runtime not asked that fetched what it was restarted onto anyway reads confirmed (its
     *        {@code confirmState} too)
     * @param status what an operator reads, one of: waiting, restarting, restarted, fetched, confirmed, not_asked,
     *        failing, unconfirmed, failed, rolled back, held, cancelled ({@link #statusText()} in words)
     * @param ackVersion the configuration version (runtime-config's {@code version}) of that fetch; null without one
     * @param nextStartedAt when the runtime's next restart began (this run's rollback or a later run) or its target was
     *        deleted or renamed, null while this is its newest restart
     * @param closedAt when this result's window closed ({@link LaterRestarts.Window#closedAt()}): a later restart
     *        onto a configuration without this run's change began (this run's rollback, a restart after a later change
     *        of the same kind), or the target was deleted or renamed; the fetch fields are then the last fetch kept
     *        before it, never a later one, so an ended run's results stay as they ended (V25). Null while a later
     *        fetch still counts: no later restart, or each one carried this run's change forward. Not in the API
     * @param carriedAt when the latest later restart that carried this run's change forward ended; null when none
     *        did. The time to confirm counts from it ({@link RunView#canChange}). Not in the API
     * @param ackHeld when that fetch was a held configuration carrying this run's change, older than
     *        {@code envVersion} (another kind's open rollout held the runtime back, b19 A), what it was: "held
     *        configuration 112-h3fa9c2e1 (stt held back by another rollout; this change in it)"; null otherwise
     * @param changedBy for a row of a rollout whose wave never came, the run that restarted the runtime onto this
     *        run's change meanwhile, so that its rollback restarted it back (breaker b10 M2); null otherwise
     */
    public record ResultView(long id, String target, String driver, String runtime, String state, int attempts,
            String error, Instant startedAt, Instant finishedAt, String ackFingerprint, Instant ackedAt,
            boolean confirmed, Integer wave, Long envVersion, String confirmation, String confirmationReason,
            String confirmState, String confirmDetail, Instant confirmedAt, String status, Long ackVersion,
            Instant nextStartedAt, @com.fasterxml.jackson.annotation.JsonIgnore Instant closedAt,
            @com.fasterxml.jackson.annotation.JsonIgnore Instant carriedAt, String ackHeld, Long changedBy) {

        /** A result no other run gave this run's change ahead of its wave ({@code changedBy} null). */
        public ResultView(long id, String target, String driver, String runtime, String state, int attempts,
                String error, Instant startedAt, Instant finishedAt, String ackFingerprint, Instant ackedAt,
                boolean confirmed, Integer wave, Long envVersion, String confirmation, String confirmationReason,
                String confirmState, String confirmDetail, Instant confirmedAt, String status, Long ackVersion,
                Instant nextStartedAt, Instant closedAt, Instant carriedAt, String ackHeld) {
            this(id, target, driver, runtime, state, attempts, error, startedAt, finishedAt, ackFingerprint, ackedAt,
                    confirmed, wave, envVersion, confirmation, confirmationReason, confirmState, confirmDetail,
                    confirmedAt, status, ackVersion, nextStartedAt, closedAt, carriedAt, ackHeld, null);
        }

        /** A result whose fetch, if any, was not a held configuration carrying the change ({@code ackHeld} null). */
        public ResultView(long id, String target, String driver, String runtime, String state, int attempts,
                String error, Instant startedAt, Instant finishedAt, String ackFingerprint, Instant ackedAt,
                boolean confirmed, Integer wave, Long envVersion, String confirmation, String confirmationReason,
                String confirmState, String confirmDetail, Instant confirmedAt, String status, Long ackVersion,
                Instant nextStartedAt, Instant closedAt, Instant carriedAt) {
            this(id, target, driver, runtime, state, attempts, error, startedAt, finishedAt, ackFingerprint, ackedAt,
                    confirmed, wave, envVersion, confirmation, confirmationReason, confirmState, confirmDetail,
                    confirmedAt, status, ackVersion, nextStartedAt, closedAt, carriedAt, null);
        }

        /**
         * A result whose window closed at its runtime's next restart, if any ({@code closedAt} is
         * {@code nextStartedAt}), no later restart having carried the change.
         */
        public ResultView(long id, String target, String driver, String runtime, String state, int attempts,
                String error, Instant startedAt, Instant finishedAt, String ackFingerprint, Instant ackedAt,
                boolean confirmed, Integer wave, Long envVersion, String confirmation, String confirmationReason,
                String confirmState, String confirmDetail, Instant confirmedAt, String status, Long ackVersion,
                Instant nextStartedAt) {
            this(id, target, driver, runtime, state, attempts, error, startedAt, finishedAt, ackFingerprint, ackedAt,
                    confirmed, wave, envVersion, confirmation, confirmationReason, confirmState, confirmDetail,
                    confirmedAt, status, ackVersion, nextStartedAt, nextStartedAt, null);
        }

        /** A result whose runtime was not restarted again since ({@code nextStartedAt} null). */
        public ResultView(long id, String target, String driver, String runtime, String state, int attempts,
                String error, Instant startedAt, Instant finishedAt, String ackFingerprint, Instant ackedAt,
                boolean confirmed, Integer wave, Long envVersion, String confirmation, String confirmationReason,
                String confirmState, String confirmDetail, Instant confirmedAt, String status, Long ackVersion) {
            this(id, target, driver, runtime, state, attempts, error, startedAt, finishedAt, ackFingerprint, ackedAt,
                    confirmed, wave, envVersion, confirmation, confirmationReason, confirmState, confirmDetail,
                    confirmedAt, status, ackVersion, null);
        }

        /**
         * What the runtime came back with, in words, by its state: the configuration version it fetched since its
         * restart (and whether that is what it was restarted onto), that it did not fetch, or why it was not
         * restarted at all (on hold, its wave never came, not restarted yet, the restart failed).
         */
        public String cameBack() {
            return switch (state) {
                case RestartResult.RESTARTED -> ackedAt == null ? (closedAt == null ? "no fetch since the restart"
                        : "no fetch before its next restart (or its target's deletion)")
                        : ackHeld != null && (envVersion == null || ackVersion == null || ackVersion < envVersion)
                                ? ackHeld + ", restarted onto version " + envVersion
                        : "configuration version " + ackVersion + (fetchedCurrent() ? ""
                                : ", older than version " + envVersion + " it was restarted onto");
                case RestartResult.HELD -> "not restarted: on hold";
                case RestartResult.CANCELLED -> (attempts > 0 && restartedBack()
                        ? "not restarted: cancelled after an attempt" : "not restarted: its wave never came")
                        + (changedBy == null ? "" : "; run " + changedBy + " gave it the change") + backText();
                case RestartResult.FAILED -> "not restarted: the restart failed";
                case RestartResult.TIMED_OUT -> "unknown: the restart timed out while under way, so it may run"
                        + " either configuration";
                default -> "not restarted yet";
            };
        }

        /** What the rollback did to a row its wave never restarted: ", restarted back in the rollback"; else "". */
        private String backText() {
            return ROLLED_BACK.equals(status) ? ", restarted back in the rollback"
                    : RESTARTING_BACK.equals(status) ? ", being restarted back in the rollback"
                    : BACK_FAILED.equals(status) ? ", its rollback restart failed: it may still run the change" : "";
        }

        /** A row its wave never restarted whose runtime the rollback wave restarted back (or is, or failed to). */
        boolean restartedBack() {
            return ROLLED_BACK.equals(status) || RESTARTING_BACK.equals(status) || BACK_FAILED.equals(status);
        }

        /**
         * Whether {@link #cameBack()} is a problem: restarted, asked to confirm, and no fetch of what it was restarted
         * onto (a runtime not asked to confirm is not expected to fetch: a command that cannot).
         */
        public boolean cameBackWrong() {
            return RestartResult.RESTARTED.equals(state) && !fetchedCurrent() && !notAsked();
        }

        /**
         * It fetched since its restart began and got what it was restarted onto or later, or a held configuration
         * carrying this run's change ({@code ackHeld}).
         */
        boolean fetchedCurrent() {
            return ackedAt != null && (envVersion == null || ackVersion != null && ackVersion >= envVersion
                    || ackHeld != null);
        }

        /** Restarted with confirmation none: not waited for, neither confirmed nor unconfirmed. */
        public boolean notAsked() {
            return RestartResult.RESTARTED.equals(state) && RestartResult.NOT_ASKED.equals(confirmState);
        }

        /** The status of a runtime a rollout's rollback restarted back onto the previous key. */
        public static final String ROLLED_BACK = "rolled back";

        /**
         * The status of a runtime never restarted by its own wave (cancelled: another run gave it the change, or its
         * restart was cancelled after an attempt) whose rollback restart is under way.
         */
        public static final String RESTARTING_BACK = "restarting back";

        /** The status of such a runtime whose rollback restart failed: it may still run the change. */
        public static final String BACK_FAILED = "rollback restart failed";

        /**
         * The status of a restarted runtime whose target an admin deleted before the rollback restarted it back: no
         * longer Keyhouse's, counted with the run's deleted runtimes, never as restarted, unconfirmed or rolled back.
         */
        public static final String DELETED_IN_ROLLBACK = "target deleted before its rollback restart";

        /**
         * The status of a rollout's restarted runtime whose target an admin deleted before it confirmed: left out of
         * its wave (neither passing nor failing it), counted with the run's deleted runtimes, never as restarted or
         * unconfirmed.
         */
        public static final String DELETED_BEFORE_CONFIRMING = "target deleted before it confirmed";

        /**
         * Settled apart from the run's own confirmation: rolled back, or its target deleted before that or before it
         * confirmed.
         */
        public boolean settledApart() {
            return ROLLED_BACK.equals(status) || deleted();
        }

        /** Restarted, then its target deleted before it confirmed or before the rollback restarted it back. */
        public boolean deleted() {
            return DELETED_IN_ROLLBACK.equals(status) || DELETED_BEFORE_CONFIRMING.equals(status);
        }

        /** A runtime not asked to confirm, in words. */
        public static final String NOT_ASKED_TEXT = "restarted, confirmation not asked (none)";

        /** {@link #status()} in words: "restarted, confirmation not asked (none)" for not_asked, else the status. */
        public String statusText() {
            return RestartResult.NOT_ASKED.equals(status) ? NOT_ASKED_TEXT : status;
        }
    }

    /**
     * One wave of a rollout.
     *
     * @param number 1 is the canary; the rollback wave comes after the last one
     * @param kind canary, wave or rollback
     * @param state waiting, restarting, confirming, baking, confirmed, restarted (passed, every runtime not asked),
     *        failed, cancelled, done (a rollback wave); rolled_back for a passed wave whose every restarted runtime a
     *        rollback restarted back ({@link RestartRuns#afterRollback(WaveView, int)})
     * @param decision what the gate decided and why, in plain words; null while nothing is decided
     * @param runtimes the wave's results
     */
    public record WaveView(int number, String kind, String state, Instant startedAt, Instant finishedAt,
            String decision, List<ResultView> runtimes) {

        /** {@code state} in words: "rolled back" for rolled_back, else the state. */
        public String stateText() {
            return state.replace('_', ' ');
        }
    }

    /**
     * The run's confirmation, counted as its headline counts it ({@link RunReport#tally()}: the same numbers, a
     * rollout's rollback restarts left out, each runtime once).
     *
     * @param fingerprint the keyed fingerprint of what the run rolled out: the saved kind's key at
     *        {@code settingsVersion} (several secrets joined by {@code +}), or the shared secret's value at its version;
     *        null with {@code fingerprintReason} saying why there is none. Informational: runtimes confirm by the
     *        configuration version they fetch, not by a fingerprint
     * @param fingerprintReason why {@code fingerprint} is null (a manual run, a fallback entry's change, a version whose
     *        key cannot be read); null when it is set
     * @param restarted runtimes restarted and still on what the run rolled out ({@link RunView.Tally#restarted()}):
     *        failed ones are not (they are the tally's {@code failed}), nor the ones a rollback restarted back (they
     *        are {@code rolledBack})
     * @param confirmed restarted runtimes that confirmed ({@link ResultView#confirmed()})
     * @param unconfirmed restarted runtimes (target/runtime) asked to confirm that did not (yet)
     * @param notAsked restarted runtimes whose confirmation is none: not waited for, neither confirmed nor unconfirmed
     * @param rolledBack runtimes (target/runtime) a rollout's rollback restarted back onto the previous key: counted
     *        as that alone, neither restarted, confirmed, unconfirmed nor not asked
     */
    public record Convergence(String fingerprint, String fingerprintReason, int restarted, int confirmed,
            List<String> unconfirmed, List<String> notAsked, List<String> rolledBack) {

        /** The restarted runtimes asked to confirm: {@code restarted} less {@code notAsked}. */
        public int asked() {
            return restarted - notAsked.size();
        }
    }

    /**
     * {@code GET /api/v1/restarts/{id}}.
     *
     * @param state the stored state (running, waiting_approval, rolling_back, succeeded, partial, failed,
     *        rolled_back, halted, aborted, superseded)
     * @param rollout whether it goes out in waves (a save's run) or all at once (a manual run)
     * @param currentWave the wave being restarted or confirmed; 0 while discovering
     * @param reason why it stopped or what it waits for, in plain words; null when there is nothing to say
     * @param previousVersion the kind's version before the save (what a rollback restores)
     * @param rollbackVersion the version an automatic rollback saved
     * @param waves the rollout's waves in order; empty for a manual run and while discovering
     * @param sharedSecret for cause {@code shared_secret}: the shared secret's name ({@code settingsVersion} is its
     *        version); null otherwise
     * @param sharedVariable for cause {@code shared_secret}: its variable, on which the run's targets may disagree
     *        until it finishes; null otherwise
     * @param changeSummary for cause {@code fallback}, and a make-primary's run (cause {@code save}): what changed, in
     *        words; for cause {@code shared_secret}: the held targets it restarts anyway ({@link #heldRestartedAnyway});
     *        null otherwise
     * @param stillBehind for a finished {@code shared_secret} run: its runtimes whose restart did not succeed and
     *        whose target has not been restarted since (by any run), as "target" or "target/runtime": they still hold
     *        the previous value while the others hold the new one. Empty otherwise.
     * @param live whether what the run shows can still change ({@link RunView#canChange}): while it is under way,
     *        and once finished while a restarted runtime may still confirm within its window; every live region
     *        showing the run (its page, the runtimes list, a target's page, a notice) polls at the busy interval
     *        while true and stops (or idles) once false. Not in the API's answer.
     * @param supersedes the runs this one took over from (their {@code supersededBy} is this run), oldest first;
     *        empty when none
     */
    public record RunReport(long id, String state, boolean finished, String cause, String kind,
            Long settingsVersion, String createdBy, Instant createdAt, Instant finishedAt, Convergence convergence,
            List<ResultView> results, boolean rollout, boolean paused, int currentWave,
            int waveCount, Instant bakeUntil, String reason, Long previousVersion, Long rollbackVersion,
            Long supersededBy, List<WaveView> waves, String sharedSecret, String sharedVariable,
            String changeSummary, List<String> stillBehind,
            @com.fasterxml.jackson.annotation.JsonIgnore boolean live,
            @com.fasterxml.jackson.annotation.JsonIgnore String movedOnto, List<Long> supersedes) {

        public RunReport {
            supersedes = supersedes == null ? List.of() : List.copyOf(supersedes);
        }

        /**
         * A run whose {@code movedOnto} is not known: its pages say "the new configuration", never "the new key".
         */
        public RunReport(long id, String state, boolean finished, String cause, String kind,
                Long settingsVersion, String createdBy, Instant createdAt, Instant finishedAt, Convergence convergence,
                List<ResultView> results, boolean rollout, boolean paused, int currentWave,
                int waveCount, Instant bakeUntil, String reason, Long previousVersion, Long rollbackVersion,
                Long supersededBy, List<WaveView> waves, String sharedSecret, String sharedVariable,
                String changeSummary, List<String> stillBehind, boolean live) {
            this(id, state, finished, cause, kind, settingsVersion, createdBy, createdAt, finishedAt, convergence,
                    results, rollout, paused, currentWave, waveCount, bakeUntil, reason, previousVersion,
                    rollbackVersion, supersededBy, waves, sharedSecret, sharedVariable, changeSummary, stillBehind,
                    live, null, List.of());
        }

        /** A run read as live exactly while it is not finished (no result awaiting confirmation considered). */
        public RunReport(long id, String state, boolean finished, String cause, String kind,
                Long settingsVersion, String createdBy, Instant createdAt, Instant finishedAt, Convergence convergence,
                List<ResultView> results, boolean rollout, boolean paused, int currentWave,
                int waveCount, Instant bakeUntil, String reason, Long previousVersion, Long rollbackVersion,
                Long supersededBy, List<WaveView> waves, String sharedSecret, String sharedVariable,
                String changeSummary, List<String> stillBehind) {
            this(id, state, finished, cause, kind, settingsVersion, createdBy, createdAt, finishedAt, convergence,
                    results, rollout, paused, currentWave, waveCount, bakeUntil, reason, previousVersion,
                    rollbackVersion, supersededBy, waves, sharedSecret, sharedVariable, changeSummary, stillBehind,
                    !finished);
        }

        /**
         * Live, but nothing in it moves until an admin acts (issue 20): paused, or waiting for approval, with no
         * restart under way. Its pages poll at the idle interval, not the busy one, and keep polling: another admin
         * may resume, continue or abort it.
         */
        public boolean waitingOnAdmin() {
            return live && !finished && (paused || RestartRun.WAITING_APPROVAL.equals(state))
                    && results.stream().noneMatch(r -> RestartResult.PENDING.equals(r.state())
                            || RestartResult.RUNNING.equals(r.state()));
        }

        /** The distinct target names of the run's results, in order: the targets that may disagree while it runs. */
        public List<String> targetNames() {
            return results.stream().map(ResultView::target).distinct().toList();
        }

        /** Every runtime of the run counted, as the run page's headline counts them. */
        @JsonProperty
        public RunView.Tally tally() {
            return RunView.Tally.of(this);
        }

        /**
         * What the run amounts to, its one verdict ({@link RunView#verdict}): the page's headline, the runtimes list,
         * the API and the audit log's {@code restart.finish} entry all say this.
         */
        @JsonProperty
        public String outcome() {
            return RunView.verdict(state, paused, finished, tally());
        }

        /** The run page's headline: {@code outcome} in words, "not confirmed" when a restarted runtime did not. */
        @JsonProperty
        public String headline() {
            return RunView.words(outcome());
        }

        /** The headline's state: {@code outcome} (kept for compatibility; its CSS state class on the page). */
        @JsonProperty
        public String headlineState() {
            return outcome();
        }
    }

    private final RuntimeTargets targets;
    private final RuntimeAcks acks;
    private final ProviderSettings settings;
    private final Instance<SharedSecrets> sharedSecrets;
    private final Audit audit;
    private final Event<RestartPlanned> planned;
    private final Rollouts rollouts;
    private final RolloutConfig confirmWindow;
    private final LaterRestarts later;

    private final TargetRuntimes runtimes;
    private final HeldSecrets held;

    public RestartRuns(RuntimeTargets targets, RuntimeAcks acks, ProviderSettings settings,
            Instance<SharedSecrets> sharedSecrets, Audit audit, Event<RestartPlanned> planned, Rollouts rollouts,
            RolloutConfig confirmWindow, TargetRuntimes runtimes, LaterRestarts later, HeldSecrets held) {
        this.runtimes = runtimes;
        this.held = held;
        this.later = later;
        this.confirmWindow = confirmWindow;
        this.rollouts = rollouts;
        this.targets = targets;
        this.acks = acks;
        this.settings = settings;
        this.sharedSecrets = sharedSecrets;
        this.audit = audit;
        this.planned = planned;
    }

    /**
     * In the save's transaction: plans a rollout when what a runtime receives changed (a key or a routing field such
     * as the model or a URL), superseding a rollout of the same kind still under way. An automatic rollback plans
     * nothing: its rollout restarts what it moved.
     */
    void onSaved(@Observes SettingSaved saved) {
        if (!saved.receivedChanged() || saved.automatic()) {
            return;
        }
        boolean rollback = saved.restored() != null;
        Long run = rollout(rollback ? RestartRun.CAUSE_ROLLBACK : RestartRun.CAUSE_SAVE, saved.kind(),
                saved.version(), saved.actor(), saved.kind() + " version " + saved.version() + (rollback
                        ? " was saved by a rollback to version " + saved.restored() : " was saved"),
                saved.version() > 1 ? saved.version() - 1 : null, saved.version() - 1);
        if (run != null) {
            if (saved.change() != null) {
                // a make-primary says what it swapped, as a fallback change's run does
                RestartRun.<RestartRun>findById(run).changeSummary = bounded(saved.change());
            }
            saved.restartRun().accept(run);
        }
    }

    /**
     * In the transaction that changed a fallback entry in a way runtimes receive (issue 19): the same rollout over the
     * targets depending on the kind, canary first, as a save's. The kind's version does not change, so such a run has
     * no previous version of its own (unless it supersedes a save's rollout still under way, whose previous version it
     * takes over): a failed wave rolls the kind's fallbacks back to the ones it holds ({@code held_entries}), the
     * primary left as it is ({@link Rollouts}'s rollback).
     */
    void onFallbackChanged(@Observes FallbackChanged changed) {
        Long run = rollout(RestartRun.CAUSE_FALLBACK, changed.kind(), changed.settingsVersion(), changed.actor(),
                changed.change(), null, changed.settingsVersion());
        if (run != null) {
            RestartRun.<RestartRun>findById(run).changeSummary = bounded(changed.change());
            changed.restartRun().accept(run);
        }
    }

    /** At most 500 characters (the column's CHECK), cut at a character boundary with an ellipsis. */
    private static String bounded(String text) {
        if (text.length() <= 500) {
            return text;
        }
        int end = Character.isLowSurrogate(text.charAt(499)) ? 498 : 499;
        return text.substring(0, end) + "…";
    }

    /**
     * Plans a rollout of {@code kind} over its dependent targets, superseding the kind's rollouts still under way.
     *
     * @param cause {@link RestartRun#CAUSE_SAVE}, {@link RestartRun#CAUSE_ROLLBACK} (an admin's rollback) or
     *        {@link RestartRun#CAUSE_FALLBACK}
     * @param what what happened, for the run's audit entry and the superseded runs' reason
     * @param previousVersion what a failed wave restores when no superseded rollout had one
     * @param heldVersion the kind's settings version the runtimes ran before this change: what the ones not moved yet
     *        are held at ({@link RestartRun#heldVersion}), with the kind's fallbacks as they were before it
     * @return the run's id; null when no target depends on the kind (the open rollouts are superseded by nothing)
     */
    private Long rollout(String cause, String kind, long version, String actor, String what, Long previousVersion,
            long heldVersion) {
        List<RestartRun> open = RestartRun.list("rollout = true and kind = ?1 and state in ?2 order by id",
                kind, List.of(RestartRun.RUNNING, RestartRun.WAITING_APPROVAL, RestartRun.ROLLING_BACK));
        // one lock order with a target's delete (restart results, then the target) and the executor (the run, then
        // its results): the superseded runs and their results before the dependent targets' key-share locks
        Rollouts.lockRuns(open.stream().map(older -> older.id).toList());
        List<RuntimeTarget> dependent = present(dependents(kind));
        if (dependent.isEmpty()) {
            for (RestartRun older : open) {
                rollouts.supersede(older, null, what);
            }
            return null;
        }
        RestartRun run = plan(cause, kind, version, actor, dependent);
        run.rollout = true;
        // the version the runtimes not yet moved run: before the save, or before the rollout this one supersedes
        // (whose key they never took); a fallback change's run has none of its own
        run.previousVersion = open.stream().map(older -> older.previousVersion).filter(Objects::nonNull).findFirst()
                .orElse(previousVersion);
        // the whole configuration of the kind they run, primary and fallbacks together (never the old primary with
        // the new fallbacks): before this change, or what the rollout this one supersedes held them at
        RestartRun holding = open.stream().filter(older -> older.heldVersion != null).findFirst().orElse(null);
        run.heldVersion = holding != null ? holding.heldVersion : heldVersion;
        if (holding != null) {
            run.heldEntries = holding.heldEntries;
            run.heldEntriesUpTo = holding.heldEntriesUpTo;
        } else {
            dev.keyhouse.settings.HeldFallbacks before = settings.fallbacksBefore(kind);
            run.heldEntries = before.rowsText();
            run.heldEntriesUpTo = before.upTo();
        }
        for (RestartRun older : open) {
            rollouts.supersede(older, run.id, what);
        }
        audit.record(Audit.Entry.of(actor, "restart.create", RuntimeTargets.AUDIT_KIND, "restart run " + run.id)
                .detail("after " + what + ": rolls out to " + String.join(", ", dependent.stream()
                        .map(t -> t.name + (t.held ? " (held)" : "")).toList())));
        return run.id;
    }

    /**
     * The targets a save of {@code kind} that changes its key restarts: the enabled ones depending on it, by name (held
     * ones included: the rollout plans them as held and leaves them out). Call within a transaction.
     */
    static List<RuntimeTarget> dependents(String kind) {
        return RuntimeTarget.<RuntimeTarget>list("enabled = true order by name").stream()
                .filter(t -> t.dependsOn(kind)).toList();
    }

    /**
     * What a shared secret's change does to held targets, for its steps and its run: "voice is held (left out of
     * rollouts): {@code what} restarts it anyway, because both sides of a shared secret change in one run."; "" when
     * {@code held} (the enabled linked targets on hold, by name) is empty. A shared secret's run is not a rollout, so
     * a hold does not leave a target out of it ({@link #planForSharedSecret}).
     */
    public static String heldRestartedAnyway(List<String> held, String what) {
        if (held.isEmpty()) {
            return "";
        }
        boolean one = held.size() == 1;
        return String.join(", ", held) + (one ? " is" : " are") + " held (left out of rollouts): " + what
                + " restarts " + (one ? "it" : "them") + " anyway, because both sides of a shared secret change in"
                + " one run.";
    }

    /**
     * In the transaction that created a shared secret or changed its value (the outbox, as a save's run): one run over
     * exactly the given targets that are enabled, all restarted at once (not a rollout: a canary that moved one side
     * of a shared secret alone would be the disagreement a shared secret must not have for longer than one run).
     *
     * @param targetIds the shared secret's linked targets
     * @return the run's id, or null when none of them is enabled (nothing to restart)
     */
    public Long planForSharedSecret(String name, String variable, long version, String actor,
            java.util.Collection<Long> targetIds) {
        if (targetIds.isEmpty()) {
            return null;
        }
        List<RuntimeTarget> linked = present(RuntimeTarget.<RuntimeTarget>list(
                "enabled = true and id in ?1 order by name", targetIds));
        if (linked.isEmpty()) {
            return null;
        }
        RestartRun run = plan(RestartRun.CAUSE_SHARED_SECRET, null, version, actor, linked);
        run.sharedSecret = name;
        run.sharedVariable = variable;
        String held = heldRestartedAnyway(linked.stream().filter(t -> t.held).map(t -> t.name).toList(), "this run");
        run.changeSummary = held.isEmpty() ? null : bounded(held);
        audit.record(Audit.Entry.of(actor, "restart.create", RuntimeTargets.AUDIT_KIND, "restart run " + run.id)
                .detail("after shared secret " + name + " (" + variable + ") version " + version
                        + " was saved: restarts " + String.join(", ", linked.stream().map(t -> t.name).toList())
                        + " together"));
        return run.id;
    }

    /** "Restart now": a run of one target, enabled or not. */
    @Transactional
    public long restartNow(long targetId, String actor) {
        RuntimeTarget target = targets.get(targetId);
        if (present(List.of(target)).isEmpty()) {
            throw new NotFound("runtime target " + targetId);
        }
        RestartRun run = plan(RestartRun.CAUSE_MANUAL, null, null, actor, List.of(target));
        audit.record(Audit.Entry.of(actor, "restart.create", RuntimeTargets.AUDIT_KIND, "restart run " + run.id)
                .detail("restart now of " + target.name));
        return run.id;
    }

    /**
     * The given targets that still exist, each key-share locked until the caller's transaction ends
     * ({@link RuntimeTargets#shareRows}): a target deleted since it was read is left out of the run, never planned as a
     * row whose target is gone (a foreign-key violation, a 500 to the save racing the delete).
     */
    private static List<RuntimeTarget> present(List<RuntimeTarget> read) {
        java.util.Set<Long> present = RuntimeTargets.shareRows(read.stream().map(t -> t.id).toList());
        return read.stream().filter(t -> present.contains(t.id)).toList();
    }

    /** Plans a run over {@code dependent}, which the caller read through {@link #present}. */
    private RestartRun plan(String cause, String kind, Long version, String actor, List<RuntimeTarget> dependent) {
        RestartRun run = new RestartRun();
        run.state = RestartRun.RUNNING;
        run.cause = cause;
        run.kind = kind;
        run.settingsVersion = version;
        run.createdBy = actor;
        run.createdAt = Instant.now();
        run.persist();
        for (RuntimeTarget target : dependent) {
            RestartResult result = new RestartResult();
            result.runId = run.id;
            result.targetId = target.id;
            result.targetName = target.name;
            result.driver = target.driver;
            result.state = RestartResult.PENDING;
            result.createdAt = run.createdAt;
            result.persist();
        }
        planned.fire(new RestartPlanned(run.id));
        LOG.infof("restart run %d planned (%s) for %d targets", run.id, cause, dependent.size());
        return run;
    }

    /**
     * The run without the runtimes' own text in its errors ({@link RuntimeOutput#reasonOnly}): what the engine,
     * rollout alerts, notifications and the audit log take. Never for a page or answer shown to a person: those pass
     * the reader's role to {@link #report(long, boolean)} (breaker b9, L1: the runtimes list's instances table showed
     * admins this form).
     */
    @Transactional
    public RunReport reportWithoutOutput(long id) {
        return report(id, false);
    }

    /**
     * The run; with {@code output} (an admin reading it) each result's error holds the runtime's own text (a command's
     * output, a webhook's answer, masked: {@link RuntimeOutput#withOutput}), without it only Keyhouse's reason.
     */
    @Transactional
    public RunReport report(long id, boolean output) {
        RestartRun run = RestartRun.<RestartRun>findByIdOptional(id).orElseThrow(() -> new NotFound("restart run " + id));
        List<RestartResult> results = RestartResult.list("runId = ?1 order by targetName, runtime, id", id);
        List<RuntimeAcks.Ack> recent = acks.since(run.createdAt);
        List<FailingReport> failingReports = failingReports(run.createdAt);
        RolledOut rolledOut = rolledOut(run);
        // the names each runtime's signals count under, as the gate reads them: a renamed target's by its new name,
        // and by the name its runtime was restarted under until it is restarted again (b19 C)
        TargetRuntimes.NamesNow names = runtimes.namesNow(results);
        // each row names its target as it is called now (a rename mid-rollout included); a deleted one as planned
        java.util.Map<Long, String> called = currentNames(results);
        // what a runtime must fetch to confirm: the configuration version it was restarted onto, whichever kind,
        // fallback entry or shared secret the run rolled out (never the LLM key alone)
        List<ResultView> views = new ArrayList<>();
        // a runtime's name as shown is masked: it may be a name a runtime gave, carrying a held secret (b9, H2)
        java.util.function.UnaryOperator<String> mask = held.nameMasker();
        java.util.Set<String> rolledBack = new java.util.HashSet<>();
        java.util.Set<String> deletedInRollback = new java.util.HashSet<>();
        // each rollback row by the runtime it restarted back (its target's id, and its name): a row of that runtime
        // its wave never restarted (another run gave it the change, or cancelled after an attempt) counts as
        // restarted back or failed to be, never as not reached (breaker b10 M2)
        java.util.Map<String, RestartResult> backRows = new java.util.HashMap<>();
        for (RestartResult result : results) {
            if (run.rollout && result.wave != null && result.wave > run.waveCount) {
                backRows.putIfAbsent(sameRuntime(result), result);
                if (RestartResult.RESTARTED.equals(result.state)) {
                    rolledBack.add(sameRuntime(result));
                } else if (RestartResult.CANCELLED.equals(result.state)
                        && RunView.TARGET_DELETED.equals(result.error)) {
                    deletedInRollback.add(sameRuntime(result));
                }
            }
        }
        for (RestartResult result : results) {
            // a runtime whose window closed (restarted again onto a configuration without this change, its target
            // deleted or renamed): its last fetch kept before that, never a later one (V25); while open (no later
            // restart, or each carried this change forward) its newest fetch since this restart, under the name
            // its runtime answers to now
            LaterRestarts.Window window = later.of(result, run);
            RuntimeAcks.Ack ack = window.closed() ? window.newestKept() : latestAck(result, names.all(result), recent);
            boolean fetched = ack != null && ack.carries(result.envVersion, run.kind);
            // a held configuration carrying this run's change (another kind's rollout held the runtime back)
            String held = ack != null && !ack.carries(result.envVersion, null) && fetched ? ack.heldText() : null;
            // one verdict: the rollout's decision once made, the fetch while undecided (or in a manual run); a
            // runtime not asked to confirm (none) that fetched what it was restarted onto anyway is confirmed by it
            // ... unless it reported failing on it: its own word outranks the fetch (a rollback restart's row too);
            // so for a row still undecided, and one decided confirmed while the run is open, which the gate has not
            // weighed yet (a paused rollout's gate does not run): no summary says confirmed beside a failing report
            // (breaker b11 N4). A finished run keeps its record
            FailingReport failing = unweighed(result, run) && RestartResult.RESTARTED.equals(result.state)
                    ? failingReport(result, run.kind, names.all(result), failingReports, window) : null;
            boolean fetchedAnyway = failing == null && RestartResult.NOT_ASKED.equals(result.confirmState) && fetched
                    && RestartResult.RESTARTED.equals(result.state);
            String confirmState = failing != null ? "failing" : fetchedAnyway ? "confirmed" : result.confirmState;
            // undecided, a fetch is the verdict only where a fetch is what confirms it: a manual run's row, or a
            // rollout's whose confirmation is fetch; a rollout waiting for a report or a health signal is not
            // confirmed by a fetch, whatever the runtime fetched (breaker b12 M1)
            boolean ok = confirmState == null ? fetched && (!run.rollout || "fetch".equals(result.confirmation))
                    : "confirmed".equals(confirmState);
            boolean ownWave = result.wave != null && result.wave <= run.waveCount;
            // its rollback row decides what it is now: restarted back, being restarted back, or its rollback
            // restart failed — a runtime its own wave restarted as much as one it never reached (breaker b12, N5)
            RestartResult backRow = ownWave && run.rollout && (RestartResult.CANCELLED.equals(result.state)
                    && !RunView.TARGET_DELETED.equals(result.error) || RestartResult.RESTARTED.equals(result.state))
                    ? backRow(backRows, result) : null;
            String status = backRow != null ? backStatus(backRow)
                    : ownWave && rolledBack.contains(sameRuntime(result))
                    ? ResultView.ROLLED_BACK
                    : ownWave && RestartResult.RESTARTED.equals(result.state) && result.targetId == null
                            && deletedInRollback.contains(sameRuntime(result))
                            ? ResultView.DELETED_IN_ROLLBACK
                    : ownWave && run.rollout && RestartResult.RESTARTED.equals(result.state)
                            && result.confirmState == null && Rollouts.deletedBeforeConfirming(result, window)
                            ? ResultView.DELETED_BEFORE_CONFIRMING
                    // restarted onto the change, its target deleted before the rollback restarted the others back:
                    // not restarted back (no longer Keyhouse's), never "rolled back" by a new target of its name
                    : ownWave && run.rollout && RestartResult.RESTARTED.equals(result.state)
                            && result.targetId == null && run.rollbackVersion != null
                            ? ResultView.DELETED_IN_ROLLBACK
                    : failing != null ? "failing" : fetchedAnyway ? "confirmed" : status(result, ack != null);
            views.add(new ResultView(result.id, called.getOrDefault(result.targetId, result.targetName),
                    result.driver, mask.apply(result.runtime), result.state, result.attempts, output
                            ? RuntimeOutput.withOutput(result.error) : RuntimeOutput.reasonOnly(result.error),
                    result.startedAt, result.finishedAt,
                    ack == null ? null : ack.fingerprint(), ack == null ? null : ack.at(), ok, result.wave,
                    result.envVersion, result.confirmation, result.confirmationReason, confirmState,
                    failing != null ? failing.text() + (run.paused && !run.finished() ? PAUSED_FAILING : "")
                            : fetchedAnyway ? "fetched configuration version "
                            + ack.version() + " (confirmation none: not waited for)" : result.confirmDetail,
                    result.confirmedAt, status,
                    ack == null ? null : ack.version(), result.nextStartedAt, window.closedAt(), window.carriedAt(),
                    held, backRow == null ? null : Rollouts.carriedFrom(backRow.confirmationReason)));
        }
        RunView.Tally tally = RunView.Tally.of(views, run.rollout, run.waveCount, run.state, r -> true);
        String reason = waitingReason(run, views);
        return new RunReport(run.id, run.state, run.finished(), run.cause, run.kind, run.settingsVersion,
                run.createdBy, run.createdAt, run.finishedAt, new Convergence(rolledOut.fingerprint(),
                        rolledOut.reason(), tally.restarted(), tally.confirmed(), tally.notConfirmed(),
                        tally.notAsked(), tally.rolledBack()), views,
                run.rollout, run.paused, run.currentWave, run.waveCount, run.bakeUntil, reason,
                run.previousVersion, run.rollbackVersion, run.supersededBy, waves(run, views), run.sharedSecret,
                run.sharedVariable, run.changeSummary, stillBehind(run, views, results),
                RunView.canChange(run.finished(), views, Instant.now(), confirmWindow.confirmTimeout()),
                movedOnto(run), RestartResult.getEntityManager().createQuery("select r.id from RestartRun r"
                        + " where r.supersededBy = ?1 order by r.id", Long.class).setParameter(1, run.id)
                        .getResultList());
    }

    /**
     * What a run moved its runtimes onto, as its pages say it: "the new key" only when a save or rollback changed a
     * key field (by fingerprint: the same key sealed again is no change); otherwise "the new configuration" naming
     * what changed where known ("the new configuration (model changed)", a fallback's change summary, a shared
     * secret's variable). Call within a transaction.
     */
    private String movedOnto(RestartRun run) {
        if ((RestartRun.CAUSE_SAVE.equals(run.cause) || RestartRun.CAUSE_ROLLBACK.equals(run.cause))
                && run.kind != null && run.settingsVersion != null && run.previousVersion != null
                && run.previousVersion >= 1) {
            java.util.Optional<dev.keyhouse.settings.ProviderKind> kind = dev.keyhouse.settings.ProviderKind.parse(run.kind);
            List<dev.keyhouse.settings.SettingField> changed = kind.isEmpty() ? List.of()
                    : settings.differing(kind.get(), run.previousVersion, run.settingsVersion);
            if (changed.stream().anyMatch(dev.keyhouse.settings.SettingField::secret)) {
                return "the new key";
            }
            if (!changed.isEmpty()) {
                return "the new configuration (" + String.join(", ", changed.stream()
                        .map(dev.keyhouse.settings.SettingField::json).toList()) + " changed)";
            }
        }
        if (run.changeSummary != null) {
            return "the new configuration (" + run.changeSummary + ")";
        }
        if (run.sharedVariable != null) {
            return "the new value of " + run.sharedVariable;
        }
        return "the new configuration";
    }

    /**
     * The run's reason as its API and pages give it: the stored one, but for a rollout waiting for approval some moved
     * runtime of which reads failing now (a report the gate has not weighed: the rollout is paused), whose stored
     * "the canary is confirmed; waiting for an admin to continue" is no longer true (breaker b14 M1): "paused; a-stt
     * reported failing since its wave was confirmed: not weighed while the rollout is paused: Resume or Abort rolls
     * it back".
     */
    private static String waitingReason(RestartRun run, List<ResultView> views) {
        if (!RestartRun.WAITING_APPROVAL.equals(run.state)) {
            return run.reason;
        }
        List<String> failing = views.stream().filter(v -> v.wave() != null && v.wave() <= run.waveCount
                && "failing".equals(v.confirmState())).map(RunView::label).toList();
        if (failing.isEmpty()) {
            return run.reason;
        }
        return (run.paused ? "paused; " : "") + String.join(", ", failing) + " reported failing since "
                + (failing.size() == 1 ? "its" : "their") + " wave was confirmed: " + (run.paused
                        ? "not weighed while the rollout is paused: Resume or Abort rolls it back"
                        : "the rollout rolls back");
    }

    /**
     * Whether a failing report would outrank what a row shows because the gate has not weighed it: not asked to
     * confirm (the gate never waits for it), undecided, or decided confirmed while its run is still open.
     */
    private static boolean unweighed(RestartResult result, RestartRun run) {
        return result.confirmState == null || RestartResult.NOT_ASKED.equals(result.confirmState)
                || "confirmed".equals(result.confirmState) && !run.finished();
    }

    /** What a failing row of a paused rollout adds to its report's text: why nothing rolled back yet. */
    static final String PAUSED_FAILING = "; not weighed while the rollout is paused: Resume or Abort rolls it back";

    /** A runtime's last status report when it says {@code failing} ({@code runtime_status}, one row per runtime). */
    private record FailingReport(String runtime, long version, String detail, String kind, Instant at) {
        String text() {
            return Rollouts.failingText(detail, kind, version);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<FailingReport> failingReports(Instant since) {
        List<Object[]> rows = RestartRun.getEntityManager().createNativeQuery("SELECT runtime, settings_version,"
                        + " detail, reported_at, kind FROM runtime_status WHERE status = 'failing'"
                        + " AND reported_at >= :since")
                .setParameter("since", java.sql.Timestamp.from(since)).getResultList();
        return rows.stream().map(r -> new FailingReport((String) r[0], ((Number) r[1]).longValue(), (String) r[2],
                (String) r[4], RuntimeAcks.instant(r[3]))).toList();
    }

    /**
     * The failing report a restarted runtime the gate has not weighed ({@link #unweighed}) made on the configuration
     * it was restarted onto or a later one, between this restart and its next one; null when none. A
     * report naming the kind whose provider call failed counts for a run of that kind only (a run of no kind, such as
     * a restart now, restarted the whole configuration: every report counts), as the gate reads it (b10 M3).
     */
    private static FailingReport failingReport(RestartResult result, String kind, List<String> names,
            List<FailingReport> reports, LaterRestarts.Window window) {
        if (result.startedAt == null) {
            return null;
        }
        long version = result.envVersion == null ? 0 : result.envVersion;
        return reports.stream().filter(r -> r.version() >= version && (r.kind() == null || kind == null
                || r.kind().equals(kind)) && window.counts(names, r.runtime(), r.at(), result.startedAt))
                .findFirst().orElse(null);
    }

    /** What a run rolled out, by fingerprint ({@link Convergence#fingerprint()}), or why there is none. */
    private record RolledOut(String fingerprint, String reason) {
    }

    private RolledOut rolledOut(RestartRun run) {
        if (RestartRun.CAUSE_MANUAL.equals(run.cause)) {
            return new RolledOut(null, "a manual restart rolls out the whole current configuration, not one key");
        }
        if (RestartRun.CAUSE_FALLBACK.equals(run.cause)) {
            return new RolledOut(null, "a fallback entry's change (see changeSummary): " + run.kind
                    + "'s own key did not change");
        }
        if (run.settingsVersion == null) {
            return new RolledOut(null, "the run names no settings version");
        }
        java.util.Optional<String> print = run.sharedSecret != null
                ? sharedSecrets.get().versionFingerprint(run.sharedSecret, run.settingsVersion, run.createdAt)
                : ProviderKind.parse(run.kind).flatMap(k -> settings.versionFingerprint(k, run.settingsVersion));
        String what = run.sharedSecret != null ? "shared secret " + run.sharedSecret : run.kind;
        return print.map(p -> new RolledOut(p, null)).orElseGet(() -> new RolledOut(null, what + " version "
                + run.settingsVersion + " has no key that can be read (none set, deleted, or it needs re-entry)"));
    }

    /**
     * The detail of a run's {@code restart.finish} audit entry: its verdict in words, as its page's headline and the
     * API's {@code outcome} say it (one computation, {@link RunView#verdict}), then {@code why} and its tally, e.g.
     * "not confirmed: restarted 1 of 1, confirmed 0 of 1". Call in the transaction that ended the run.
     *
     * @param why the engine's reason, or null
     */
    String finishDetail(long id, String why) {
        RunReport report = reportWithoutOutput(id);
        return report.headline() + ": " + (why == null ? "" : why + "; ") + report.tally().text();
    }

    /**
     * A finished shared secret run's runtimes that did not restart onto it and whose target has not restarted since,
     * then the linked targets it never restarted because they are disabled ({@link #DISABLED_BEHIND}) —
     * {@link RunReport#stillBehind}: what the run page names while the targets disagree. A runtime whose failed
     * restart wrote its configuration first ({@link RuntimeDriver#writesConfiguration}: an environment file, a
     * container, a workload's Secret) is named with {@link #WRITTEN_BEHIND}: its configuration may already hold the
     * new value (breaker b13, finding 3).
     */
    private List<String> stillBehind(RestartRun run, List<ResultView> views, List<RestartResult> results) {
        if (run.sharedVariable == null || !run.finished()) {
            return List.of();
        }
        java.util.Set<Long> written = new java.util.HashSet<>();
        results.stream().filter(r -> r.attempts > 0 && !Rollouts.mayHaveApplied(r.state).isEmpty()
                && rollouts.writesConfiguration(r)).forEach(r -> written.add(r.id));
        List<String> behind = new ArrayList<>(failedBehind(run, views, written));
        // a linked target that is disabled was never in the run (b19 H): it keeps the previous value too
        @SuppressWarnings("unchecked")
        List<String> disabled = RestartResult.getEntityManager().createNativeQuery("SELECT DISTINCT t.name FROM"
                        + " runtime_targets t JOIN shared_secret_targets l ON l.target_id = t.id JOIN shared_secrets s"
                        + " ON s.id = l.shared_secret_id WHERE s.variable = :variable AND NOT t.enabled AND NOT EXISTS"
                        + " (SELECT 1 FROM restart_results r WHERE r.target_id = t.id AND r.run_id >= :run"
                        + " AND (r.run_id = :run OR r.state = 'restarted')) ORDER BY t.name")
                .setParameter("variable", run.sharedVariable).setParameter("run", run.id).getResultList();
        disabled.forEach(name -> behind.add(name + DISABLED_BEHIND));
        return List.copyOf(behind);
    }

    /**
     * How {@link RunReport#stillBehind} names a linked target that was disabled, so the run never restarted it:
     * "ss-b (disabled: not restarted)".
     */
    public static final String DISABLED_BEHIND = " (disabled: not restarted)";

    /**
     * How {@link RunReport#stillBehind} names a runtime whose restart did not succeed after its driver may have
     * written its configuration (its environment file, before its command ran): "llm (its configuration may hold the
     * new value)" — a later restart outside Keyhouse (systemd, a crash) starts it on the new value.
     */
    public static final String WRITTEN_BEHIND = " (its configuration may hold the new value)";

    /**
     * The run's runtimes whose restart did not succeed and whose target has not restarted since; those whose result
     * id is in {@code written} with {@link #WRITTEN_BEHIND}.
     */
    private static List<String> failedBehind(RestartRun run, List<ResultView> views, java.util.Set<Long> written) {
        List<ResultView> failed = views.stream().filter(v -> !RestartResult.RESTARTED.equals(v.state())).toList();
        if (failed.isEmpty()) {
            return List.of();
        }
        List<String> targets = failed.stream().map(ResultView::target).distinct().toList();
        // one query: the targets among them restarted by a later run since
        java.util.Set<String> since = new java.util.HashSet<>(RestartResult.getEntityManager().createQuery(
                "select distinct r.targetName from RestartResult r where r.runId > ?1 and r.state = ?2"
                        + " and r.targetName in ?3", String.class).setParameter(1, run.id)
                .setParameter(2, RestartResult.RESTARTED).setParameter(3, targets).getResultList());
        // and one more: those that still exist and still receive the variable (a deleted target, or one no secret
        // with this variable lists any more, holds nothing to disagree on and cannot be restarted onto it)
        @SuppressWarnings("unchecked")
        java.util.Set<String> receiving = new java.util.HashSet<>(RestartResult.getEntityManager().createNativeQuery(
                "SELECT t.name FROM runtime_targets t JOIN shared_secret_targets l ON l.target_id = t.id"
                        + " JOIN shared_secrets s ON s.id = l.shared_secret_id WHERE s.variable = :variable"
                        + " AND t.name IN (:targets)").setParameter("variable", run.sharedVariable)
                .setParameter("targets", targets).getResultList());
        return failed.stream().filter(v -> !since.contains(v.target()) && receiving.contains(v.target()))
                .map(v -> RunView.label(v) + (written.contains(v.id()) ? WRITTEN_BEHIND : "")).toList();
    }

    /**
     * The newest runs first, of one target when {@code target} names one; {@code output}: the runtimes' own text in
     * errors, for an admin ({@link #report(long, boolean)}).
     */
    @Transactional
    public List<RunReport> list(String target, int limit, boolean output) {
        List<RestartRun> runs = target == null || target.isBlank()
                ? RestartRun.find("order by id desc").page(0, limit).list()
                : RestartRun.find("id in (select r.runId from RestartResult r where r.targetName = ?1) order by id desc",
                        target.strip()).page(0, limit).list();
        return runs.stream().map(r -> report(r.id, output)).toList();
    }

    /**
     * Each target's latest run (by target name), for the runtimes page and the target's page: the most recently
     * planned run that includes the target, i.e. the highest run id with a result for it (run ids grow with the
     * plan), whatever finished last: an older rollout whose rollback ends after a newer run failed the target does
     * not hide that failure (issue 20, h20m point 1). A target no run included is absent. {@code output}: the
     * runtimes' own text in errors, for an admin ({@link #report(long, boolean)}).
     */
    @Transactional
    public Map<String, RunReport> latestByTarget(List<RuntimeTarget> shown, boolean output) {
        Map<String, RunReport> latest = new LinkedHashMap<>();
        if (shown.isEmpty()) {
            return latest;
        }
        Map<Long, RunReport> reports = new LinkedHashMap<>();
        // the run whose result for the target began last (started, else created), not the highest id: an older
        // run's later restart of it (its rollback wave) is its latest (breaker b10 M1)
        List<Object[]> rows = RestartResult.getEntityManager().createQuery("select r.targetName, r.runId,"
                        + " max(coalesce(r.startedAt, r.createdAt)) from RestartResult r where r.targetName in ?1"
                        + " group by r.targetName, r.runId", Object[].class)
                .setParameter(1, shown.stream().map(t -> t.name).toList()).getResultList();
        Map<String, Long> runOf = new java.util.HashMap<>();
        Map<String, Instant> began = new java.util.HashMap<>();
        for (Object[] row : rows) {
            String name = (String) row[0];
            long run = ((Number) row[1]).longValue();
            Instant at = row[2] instanceof java.sql.Timestamp t ? t.toInstant()
                    : row[2] instanceof java.time.OffsetDateTime o ? o.toInstant() : (Instant) row[2];
            if (latestFirst(at, run, began.get(name), runOf.get(name))) {
                runOf.put(name, run);
                began.put(name, at);
            }
        }
        for (RuntimeTarget target : shown) {
            Long run = runOf.get(target.name);
            if (run != null) {
                latest.put(target.name, reports.computeIfAbsent(run, id -> report(id, output)));
            }
        }
        return latest;
    }

    /**
     * Whether a run whose result for a target began at {@code at} is later than the one so far ({@code than}, of run
     * {@code thanRun}; null for none): the one rule for a target's or runtime's latest run, the newer begin, else
     * the higher run id.
     */
    static boolean latestFirst(Instant at, long run, Instant than, Long thanRun) {
        if (thanRun == null) {
            return true;
        }
        int order = at == null || than == null ? (at == null ? (than == null ? 0 : -1) : 1) : at.compareTo(than);
        return order > 0 || order == 0 && run > thanRun;
    }

    /** What an operator reads for one runtime (see {@link ResultView#status()}). */
    static String status(RestartResult result, boolean fetched) {
        if (result.wave != null && result.wave > 0 && result.confirmState == null
                && RestartResult.RESTARTED.equals(result.state) && fetched) {
            return "fetched";
        }
        if (result.confirmState != null) {
            return result.confirmState;
        }
        return switch (result.state) {
            case RestartResult.PENDING, RestartResult.RUNNING -> "restarting";
            case RestartResult.TIMED_OUT, RestartResult.FAILED -> "failed";
            default -> result.state;
        };
    }

    /** The rollback row of {@code result}'s runtime among {@code backRows} (by target id, else name), or null. */
    private static RestartResult backRow(java.util.Map<String, RestartResult> backRows, RestartResult result) {
        RestartResult back = backRows.get(sameRuntime(result));
        // a rollback restart whose target was deleted first is counted with the deleted
        return back == null || RestartResult.CANCELLED.equals(back.state) && RunView.TARGET_DELETED.equals(back.error)
                ? null : back;
    }

    /**
     * What two rows of one run share when they are of the same runtime: its target's id (a rename keeps it) and the
     * runtime's name; for a row whose target was deleted, its name then — never a target made since under the same
     * name, whose rollback row is its own (breaker b10 low 5: a deleted target's row read "rolled back").
     */
    private static String sameRuntime(RestartResult result) {
        return (result.targetId != null ? "t:" + result.targetId : "n:" + result.targetName) + "/" + result.runtime;
    }

    /** The status of a runtime its wave never restarted, by its rollback row's state. */
    private static String backStatus(RestartResult back) {
        return switch (back.state) {
            case RestartResult.RESTARTED -> ResultView.ROLLED_BACK;
            case RestartResult.FAILED, RestartResult.TIMED_OUT, RestartResult.CANCELLED -> ResultView.BACK_FAILED;
            default -> ResultView.RESTARTING_BACK;
        };
    }

    /** The run's waves with their results; empty for a manual run and before waves are assigned. */
    @SuppressWarnings("unchecked")
    private static List<WaveView> waves(RestartRun run, List<ResultView> views) {
        if (!run.rollout || run.waveCount == 0) {
            return List.of();
        }
        List<Object[]> rows = RestartRun.getEntityManager().createNativeQuery("SELECT wave, kind, state, started_at,"
                        + " finished_at, decision FROM restart_waves WHERE run_id = :run ORDER BY wave")
                .setParameter("run", run.id).getResultList();
        List<WaveView> waves = new ArrayList<>();
        for (Object[] row : rows) {
            int number = ((Number) row[0]).intValue();
            waves.add(afterFailing(afterRollback(new WaveView(number, (String) row[1], (String) row[2],
                    RuntimeAcks.instant(row[3]), RuntimeAcks.instant(row[4]), (String) row[5],
                    views.stream().filter(v -> v.wave() != null && v.wave() == number).toList()), run.waveCount),
                    run.finished()));
        }
        return waves;
    }

    /**
     * A wave that passed (confirmed, or restarted with confirmation none) of an open run, some runtime of which reads
     * failing now (a report the gate has not weighed: the rollout is paused, or the run rolls back): its decision
     * says so, e.g. "passed, then failing: a-stt — reported failing: invalid_key on configuration version 31; not
     * weighed while the rollout is paused: …", never "all 1 runtime confirmed" beside it (breaker b13, 2). Any other
     * wave, and every wave of a finished run (its record), as it is.
     */
    static WaveView afterFailing(WaveView wave, boolean finished) {
        boolean passed = "confirmed".equals(wave.state()) || RestartResult.RESTARTED.equals(wave.state());
        List<ResultView> failing = wave.runtimes().stream().filter(r -> "failing".equals(r.confirmState())).toList();
        if (finished || !passed || failing.isEmpty()) {
            return wave;
        }
        return new WaveView(wave.number(), wave.kind(), "failing", wave.startedAt(), wave.finishedAt(),
                "passed, then failing: " + String.join("; ", failing.stream().map(r -> RunView.label(r) + " — "
                        + r.confirmDetail()).toList()), wave.runtimes());
    }

    /**
     * A wave that passed (confirmed, or restarted with confirmation none) and whose runtimes a rollback then restarted
     * back, as its runtimes are counted ({@link RunView.Tally}): its gate's decision counted them as restarted and
     * confirmed or not asked, which they no longer are. Its state is {@code rolled_back} when every restarted runtime
     * of it was, and its decision the wave's tally, e.g. "passed, then restarted back by the rollback: restarted 1 of
     * 1, rolled back 1: cmd1". Any other wave as it is (a failed wave's decision says why it failed).
     */
    static WaveView afterRollback(WaveView wave, int waveCount) {
        boolean passed = "confirmed".equals(wave.state()) || RestartResult.RESTARTED.equals(wave.state());
        RunView.Tally tally = RunView.Tally.of(wave.runtimes(), true, waveCount, null, r -> true);
        if (!passed || tally.rolledBack().isEmpty()) {
            return wave;
        }
        return new WaveView(wave.number(), wave.kind(), tally.restarted() == 0 ? RestartRun.ROLLED_BACK
                : wave.state(), wave.startedAt(), wave.finishedAt(), "passed, then restarted back by the rollback: "
                        + tally.text(), wave.runtimes());
    }

    /**
     * The current name of each existing target of {@code results}, by id (one query; none without a target):
     * a run's rows name their target as it is called now.
     */
    @SuppressWarnings("unchecked")
    private static java.util.Map<Long, String> currentNames(List<RestartResult> results) {
        List<Long> ids = results.stream().map(r -> r.targetId).filter(Objects::nonNull).distinct().toList();
        java.util.Map<Long, String> names = new java.util.HashMap<>();
        if (!ids.isEmpty()) {
            ((List<Object[]>) RestartResult.getEntityManager().createNativeQuery("SELECT id, name FROM runtime_targets"
                    + " WHERE id IN (:ids)").setParameter("ids", ids).getResultList())
                    .forEach(r -> names.put(((Number) r[0]).longValue(), (String) r[1]));
        }
        return names;
    }

    /**
     * The newest ack of the result's runtime under one of {@code names} ({@link TargetRuntimes.NamesNow#all}) since
     * its restart.
     */
    private static RuntimeAcks.Ack latestAck(RestartResult result, List<String> names, List<RuntimeAcks.Ack> recent) {
        if (names.isEmpty() || result.startedAt == null) {
            return null;
        }
        return recent.stream().filter(a -> names.stream().anyMatch(name -> RuntimeAcks.matches(name, a.runtime())))
                .filter(a -> !a.at().isBefore(result.startedAt))
                .max(Comparator.comparing(RuntimeAcks.Ack::at)).filter(Objects::nonNull).orElse(null);
    }
}
