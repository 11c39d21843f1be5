package dev.keyhouse.runtimes;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.ChecksBusy;
import dev.keyhouse.checks.LastChecks;
import dev.keyhouse.checks.ProviderChecks;
import dev.keyhouse.settings.CheckMode;
import dev.keyhouse.settings.CheckedSaves;
import dev.keyhouse.settings.HeldFallbacks;
import dev.keyhouse.settings.ProviderEntries;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.ProviderSettings;
import dev.keyhouse.settings.SettingField;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.NotFound;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import org.jboss.logging.Logger;

/**
 * Conducts rollouts: the restart runs a save creates go out in waves, canary first, and each wave must be
 * <em>confirmed</em> by its runtimes before the next one starts; a wave that fails rolls the setting back by itself.
 *
 * <p>States (of {@code restart_runs}): {@code running} (discovering, then wave after wave: restarting, confirming,
 * baking) → {@code waiting_approval} after the canary with {@code ROLLOUT_APPROVAL=manual} → {@code running} ...
 * → {@code succeeded}. A failed wave (a runtime reported {@code failing} on the new version, whatever its
 * confirmation; its restart failed; it was not confirmed in {@code ROLLOUT_CONFIRM_TIMEOUT_SECONDS}, or before another
 * run restarted it again) or an abort → {@code rolling_back}: the previous version's key is checked
 * live; good → restored as a new version by {@code system} and the runtimes moved, or whose restart was attempted
 * and did not succeed (it may have applied the change), are restarted back
 * ({@code rolled_back}, or {@code aborted}); proven bad (invalid, no credit, forbidden) or absent → {@code halted},
 * nothing restarted. A newer save of the same kind → {@code superseded}.
 *
 * <p>Crash-safe: every step is one short transaction holding the run's row lock ({@code FOR UPDATE SKIP LOCKED}, so
 * replicas never advance one run at once); the live check and health probes run between transactions, holding no
 * connection. The restarts themselves are the executor's claims with leases, as for any run. Woken every second and
 * whenever a rollout's restart is final.
 */
@ApplicationScoped
public class Rollouts {

    private static final Logger LOG = Logger.getLogger(Rollouts.class);
    private static final List<String> OPEN = List.of(RestartRun.RUNNING, RestartRun.WAITING_APPROVAL,
            RestartRun.ROLLING_BACK);

    private final RolloutConfig config;
    private final EntityManager em;
    private final RuntimeTargets targets;
    private final RuntimeDrivers drivers;
    /** The drivers whose runtime is the target ({@link TargetRuntimes#ownNamed}). */
    private final List<String> ownNamed;
    private final Confirmations confirmations;
    private final RuntimeAcks acks;
    private final ProviderSettings settings;
    private final ProviderChecks checks;
    private final CheckedSaves checkedSaves;
    private final Audit audit;
    private final Event<RolloutEnded> ended;
    private final Event<RestartPlanned> planned;
    private final Instance<RestartRuns> runs;
    private final ExecutorService gate = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "rollout-gate");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile boolean stopping;

    private final ProviderEntries entries;
    private final LastChecks lastChecks;
    private final TargetRuntimes runtimes;
    private final LaterRestarts later;
    private final dev.keyhouse.settings.RuntimeToken token;

    public Rollouts(RolloutConfig config, EntityManager em, RuntimeTargets targets, RuntimeDrivers drivers,
            Confirmations confirmations, RuntimeAcks acks, ProviderSettings settings, ProviderChecks checks,
            CheckedSaves checkedSaves,
            Audit audit,
            Event<RolloutEnded> ended, Event<RestartPlanned> planned, Instance<RestartRuns> runs,
            ProviderEntries entries, LastChecks lastChecks, TargetRuntimes runtimes, LaterRestarts later,
            dev.keyhouse.settings.RuntimeToken token) {
        this.token = token;
        this.runtimes = runtimes;
        this.later = later;
        this.entries = entries;
        this.lastChecks = lastChecks;
        this.config = config;
        this.em = em;
        this.targets = targets;
        this.drivers = drivers;
        this.ownNamed = TargetRuntimes.ownNamed(drivers);
        this.confirmations = confirmations;
        this.acks = acks;
        this.settings = settings;
        this.checks = checks;
        this.checkedSaves = checkedSaves;
        this.audit = audit;
        this.ended = ended;
        this.planned = planned;
        this.runs = runs;
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        gate.shutdownNow();
    }

    @Scheduled(every = "1s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        wake();
    }

    /** Asks the gate to look at every open rollout soon; calls while one is queued fold into it. */
    public void wake() {
        if (stopping || !queued.compareAndSet(false, true)) {
            return;
        }
        try {
            gate.execute(() -> {
                queued.set(false);
                advanceAll();
            });
        } catch (RejectedExecutionException e) {
            queued.set(false);
        }
    }

    private void advanceAll() {
        List<Long> open;
        try {
            open = QuarkusTransaction.requiringNew().call(this::openRuns);
        } catch (RuntimeException e) {
            LOG.warnf("rollouts: listing open rollouts failed (%s); the next tick tries again", e.getMessage());
            return;
        }
        for (long id : open) {
            if (stopping) {
                return;
            }
            try {
                advance(id);
            } catch (RuntimeException e) {
                LOG.errorf(e, "rollout of run %d: a step failed; the next tick tries again", id);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private List<Long> openRuns() {
        return ((List<Number>) em.createNativeQuery("SELECT id FROM restart_runs WHERE rollout AND NOT paused"
                + " AND state IN ('running', 'waiting_approval', 'rolling_back') ORDER BY id").getResultList())
                .stream().map(Number::longValue).toList();
    }

    /** What a step needs done outside a transaction before the run can go on. */
    private record Needs(List<Probe> probes, PreviousKey check) {
        static final Needs NOTHING = new Needs(List.of(), null);
    }

    /** A health probe of one restarted runtime. */
    private record Probe(long resultId, long targetId, String runtime) {
    }

    /**
     * What a rollback checks live before it restores anything: the previous version of the run's kind (0: none, a
     * fallback's change leaves the primary as it is) and the held fallback versions whose key the restore brings back
     * into service ({@link ProviderEntries#keysBroughtBack}; {@code provider_entry_versions} ids).
     */
    private record PreviousKey(String kind, long version, List<Long> fallbackRows) {
    }

    /** {@link Checked#code} when {@code PROVIDER_CHECK_MODE=off}: nothing was sent. */
    private static final String NOT_CHECKED = "not_checked";

    /**
     * What the live check of the previous key found: good, or the short code of why not; with the check of each
     * fallback key the restore brings back, in served order.
     */
    private record Checked(boolean good, String code, String summary, List<FallbackChecked> fallbacks) {

        Checked(boolean good, String code, String summary) {
            this(good, code, summary, List.of());
        }

        Checked with(List<FallbackChecked> checkedFallbacks) {
            return new Checked(good, code, summary, List.copyOf(checkedFallbacks));
        }

        /** The first fallback key proven bad, or null. */
        FallbackChecked badFallback() {
            return fallbacks.stream().filter(f -> !f.good()).findFirst().orElse(null);
        }

        /**
         * "; key brought back: stt fallback 12 (soniox) version 2, checked: ok (HTTP 200)", or "" when the restore
         * brings no fallback key back into service.
         */
        String fallbacksText() {
            return fallbacks.isEmpty() ? "" : "; " + (fallbacks.size() == 1 ? "key" : "keys") + " brought back: "
                    + String.join(", ", fallbacks.stream().map(FallbackChecked::text).toList());
        }
    }

    /** The live check of one held fallback's key a rollback brings back ("stt fallback 12 (soniox) version 2"). */
    private record FallbackChecked(String label, boolean good, String code, String summary) {

        String text() {
            return label + ", " + (NOT_CHECKED.equals(code) ? summary + ", as it was in use before"
                    : "checked: " + summary);
        }
    }

    /** One pass over a run: a step, and a second one with what the first needed (probes, the live check). */
    void advance(long id) {
        Needs needs = QuarkusTransaction.requiringNew().call(() -> step(id, Map.of(), null));
        if (!needs.probes().isEmpty()) {
            Map<Long, RuntimeDriver.Health> health = probe(needs.probes());
            needs = QuarkusTransaction.requiringNew().call(() -> step(id, health, null));
        }
        if (needs.check() != null) {
            Checked checked = check(needs.check());
            if (checked != null) {
                QuarkusTransaction.requiringNew().call(() -> step(id, Map.of(), checked));
            }
        }
    }

    private Needs step(long id, Map<Long, RuntimeDriver.Health> health, Checked checked) {
        if (checked != null) {
            // a rollback saves the setting: take its row lock before the run's, in the order a save takes them
            em.createNativeQuery("SELECT kind FROM provider_settings WHERE kind = (SELECT kind FROM restart_runs"
                    + " WHERE id = :id) FOR UPDATE").setParameter("id", id).getResultList();
        }
        RestartRun run = lockSkipping(id);
        if (run == null || run.finished() || run.paused) {
            return Needs.NOTHING;
        }
        if (RestartRun.WAITING_APPROVAL.equals(run.state)) {
            // nothing new starts until an admin continues, but a moved runtime that reports failing meanwhile fails
            // the rollout and rolls back on its own, as during a bake (breaker b11 N4)
            Signals signals = signals(run);
            Failure failure = failingLater(run, signals, Instant.now());
            if (failure != null) {
                fail(run, failure.what(), failure.code());
                return rollback(run, checked);
            }
            // and so does a runtime another run restarted onto this change (b10 M3)
            Failure carried = failingCarried(run, signals.reports());
            if (carried != null) {
                fail(run, carried.what(), carried.code());
                return rollback(run, checked);
            }
            return Needs.NOTHING;
        }
        if (RestartRun.ROLLING_BACK.equals(run.state)) {
            return rollback(run, checked);
        }
        if (run.currentWave == 0) {
            if (!discover(run)) {
                return RestartRun.ROLLING_BACK.equals(run.state) ? rollback(run, checked) : Needs.NOTHING;
            }
        }
        return gate(run, health);
    }

    /** The run's row locked for this transaction, or null when another replica holds it (it advances it). */
    private RestartRun lockSkipping(long id) {
        List<?> locked = em.createNativeQuery("SELECT id FROM restart_runs WHERE id = :id FOR UPDATE SKIP LOCKED")
                .setParameter("id", id).getResultList();
        if (locked.isEmpty()) {
            return null;
        }
        RestartRun run = em.find(RestartRun.class, id);
        em.refresh(run);
        return run;
    }

    // --- discovery and waves ------------------------------------------------------------------------------------

    /**
     * Once every target's runtimes are known, assigns the waves and starts the canary.
     *
     * @return whether waves were assigned (false: still discovering, or the run ended or failed)
     */
    private boolean discover(RestartRun run) {
        List<RestartResult> planned = RestartResult.list("runId = ?1 and runtime is null order by targetName, id", run.id);
        if (planned.stream().anyMatch(r -> RestartResult.PENDING.equals(r.state) || RestartResult.RUNNING.equals(r.state))) {
            return false;
        }
        for (RestartResult failed : planned) {
            if (failed.targetId == null && RestartResult.FAILED.equals(failed.state)) {
                // deleted before its runtimes were known: nothing to roll out to
                failed.state = RestartResult.CANCELLED;
                failed.error = "the target was deleted";
            } else if (RestartResult.FAILED.equals(failed.state) || RestartResult.TIMED_OUT.equals(failed.state)) {
                // the driver's words stay on the target's result; the reason never quotes a program's output
                fail(run, "target " + failed.targetName + " could not be discovered (see its result)", "restart_failed");
                return false;
            }
        }
        List<RestartResult> rows = RestartResult.list("runId = ?1 and state = ?2 order by targetName, runtime, id",
                run.id, RestartResult.WAITING);
        Map<Long, RuntimeTarget> byId = new HashMap<>();
        List<RestartResult> moving = new ArrayList<>();
        for (RestartResult row : rows) {
            RuntimeTarget target = row.targetId == null ? null : byId.computeIfAbsent(row.targetId,
                    t -> RuntimeTarget.<RuntimeTarget>findById(t));
            if (target == null) {
                row.state = RestartResult.CANCELLED;
                row.error = "the target was deleted";
            } else if (target.held) {
                row.state = RestartResult.HELD;
            } else {
                moving.add(row);
            }
        }
        if (moving.isEmpty()) {
            end(run, RestartRun.SUCCEEDED, rows.isEmpty() ? "no runtimes to roll out to"
                    : "nothing rolled out: every dependent target is on hold");
            return false;
        }
        List<List<RestartResult>> waves = waves(moving, byId);
        for (int n = 1; n <= waves.size(); n++) {
            for (RestartResult row : waves.get(n - 1)) {
                row.wave = n;
            }
            em.createNativeQuery("INSERT INTO restart_waves (run_id, wave, kind, state) VALUES (:run, :wave, :kind,"
                            + " 'waiting')").setParameter("run", run.id).setParameter("wave", n)
                    .setParameter("kind", n == 1 ? "canary" : "wave").executeUpdate();
        }
        run.waveCount = waves.size();
        LOG.infof("rollout of run %d: %d runtimes in %d waves, canary %s", run.id, moving.size(), waves.size(),
                names(waves.get(0)));
        startWave(run, 1);
        return true;
    }

    /**
     * Wave 1: the runtimes of targets marked canary, else the first ROLLOUT_CANARY_COUNT runtimes; then waves of
     * ROLLOUT_WAVE_PERCENT of the rest (rounded up, at least one). A target whose driver writes configuration shared by
     * all its runtimes is one unit: its runtimes are never split across waves.
     */
    private List<List<RestartResult>> waves(List<RestartResult> rows, Map<Long, RuntimeTarget> byId) {
        Map<String, List<RestartResult>> units = new LinkedHashMap<>();
        Map<Long, Boolean> shared = new HashMap<>();
        for (RestartResult row : rows) {
            RuntimeTarget target = byId.get(row.targetId);
            boolean together = shared.computeIfAbsent(target.id, t -> sharedConfig(target) != null);
            units.computeIfAbsent(together ? "t" + target.id : "r" + row.id, k -> new ArrayList<>()).add(row);
        }
        List<List<RestartResult>> ordered = new ArrayList<>(units.values());
        List<RestartResult> canary = new ArrayList<>();
        boolean marked = rows.stream().anyMatch(r -> byId.get(r.targetId).canary);
        for (java.util.Iterator<List<RestartResult>> it = ordered.iterator(); it.hasNext();) {
            List<RestartResult> unit = it.next();
            boolean take = marked ? byId.get(unit.get(0).targetId).canary
                    : canary.size() < Math.max(1, config.canaryCount());
            if (take) {
                canary.addAll(unit);
                it.remove();
            }
        }
        List<List<RestartResult>> waves = new ArrayList<>();
        waves.add(canary);
        int rest = ordered.stream().mapToInt(List::size).sum();
        int size = Math.max(1, (int) Math.ceil(rest * Math.min(100, Math.max(1, config.wavePercent())) / 100.0));
        List<RestartResult> wave = new ArrayList<>();
        for (List<RestartResult> unit : ordered) {
            wave.addAll(unit);
            if (wave.size() >= size) {
                waves.add(wave);
                wave = new ArrayList<>();
            }
        }
        if (!wave.isEmpty()) {
            waves.add(wave);
        }
        return waves;
    }

    private String sharedConfig(RuntimeTarget target) {
        try {
            Optional<RuntimeDriver> driver = drivers.find(target.driver);
            return driver.isEmpty() ? null : driver.get().sharedConfig(targets.spec(target));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Wave {@code n}'s runtimes become due (the executor restarts them), each with the confirmation that applies. */
    private void startWave(RestartRun run, int n) {
        run.currentWave = n;
        run.bakeUntil = null;
        Map<Long, Confirmations.Decision> decisions = new HashMap<>();
        List<RestartResult> rows = RestartResult.list("runId = ?1 and wave = ?2 and state = ?3", run.id, n,
                RestartResult.WAITING);
        Map<Long, Optional<RuntimeTarget>> found = new HashMap<>();
        for (RestartResult row : rows) {
            Optional<RuntimeTarget> target = row.targetId == null ? Optional.empty()
                    : found.computeIfAbsent(row.targetId, targets::find);
            if (target.isEmpty()) {
                row.state = RestartResult.CANCELLED;
                row.error = "the target was deleted";
                continue;
            }
            if (target.get().held) {
                // put on hold after the waves were assigned: still left out
                row.state = RestartResult.HELD;
                continue;
            }
            if (!target.get().enabled) {
                row.state = RestartResult.CANCELLED;
                row.error = "the target was disabled";
                continue;
            }
            Confirmations.Decision decision = decisions.computeIfAbsent(row.targetId,
                    t -> targets.find(t).map(confirmations::decide)
                            .orElse(new Confirmations.Decision("none", "the target was deleted", true)));
            row.confirmation = decision.mode();
            row.confirmationReason = truncate(decision.recorded(), 300);
            row.state = RestartResult.PENDING;
        }
        waveRow(run.id, n, "restarting", null, true, false);
        planned.fire(new RestartPlanned(run.id));
        LOG.infof("rollout of run %d: wave %d of %d%s started: %s", run.id, n, run.waveCount,
                n == 1 ? " (canary)" : "", names(rows.stream().filter(r -> RestartResult.PENDING.equals(r.state)).toList()));
    }

    // --- the gate -------------------------------------------------------------------------------------------------

    /**
     * A runtime's last status report; {@code kind} the provider kind a failing report names as the one whose call
     * failed, or null (V29).
     */
    private record Report(String runtime, long version, String status, String detail, String kind, Instant at) {

        /**
         * Whether this report speaks for a rollout of {@code kind}: an ok report and a failing one naming no kind
         * speak for every change the runtime runs; a failing one naming a kind for that kind's only (b10 M3).
         */
        boolean about(String kind) {
            return this.kind == null || this.kind.equals(kind);
        }
    }

    /**
     * What the gate reads of a run's current wave {@code n}: the rows moved so far (waves 1 to {@code n}) and those of
     * wave {@code n}, the status reports since the run began, the fetches since the wave's first restart, and the
     * names each runtime's signals count under (a target renamed mid-rollout is followed by its id, and its runtime
     * restarted before the rename still answers to the name it was restarted under, b19 C).
     */
    private record Signals(List<RestartResult> moved, List<RestartResult> rows, List<Report> reports,
            List<RuntimeAcks.Ack> fetches, TargetRuntimes.NamesNow names) {
    }

    private Signals signals(RestartRun run) {
        int n = run.currentWave;
        List<RestartResult> moved = RestartResult.list("runId = ?1 and wave <= ?2 order by targetName, runtime",
                run.id, n);
        List<RestartResult> rows = moved.stream().filter(r -> r.wave == n).toList();
        Instant since = rows.stream().map(r -> r.startedAt).filter(java.util.Objects::nonNull).min(Instant::compareTo)
                .orElse(run.createdAt);
        return new Signals(moved, rows, reports(run.createdAt), acks.since(since), runtimes.namesNow(moved));
    }

    /**
     * Why the gate fails a rollout: what failed, named by its wave ("wave 1 (canary): voice / voice-1: reported
     * failing: ..."), and its short code.
     */
    private record Failure(String what, String code) {
    }

    /**
     * A moved runtime that passed (confirmed by any signal, or not asked) and reports failing on its new version later
     * (during the bake, while later waves run, or while the rollout waits for approval) fails the rollout: the bake is
     * there to catch exactly that. Decides the first such runtime failing and returns why; null when none.
     */
    private Failure failingLater(RestartRun run, Signals signals, Instant now) {
        for (RestartResult row : signals.moved()) {
            if (!passed(row)) {
                continue;
            }
            Optional<Report> failingLater = failingReport(row, signals.names().all(row), signals.reports(), run,
                    later.of(row, run), signals.fetches());
            if (failingLater.isPresent()) {
                boolean confirmedBefore = "confirmed".equals(row.confirmState);
                decide(row, "failing", failingText(failingLater.get())
                        + (confirmedBefore ? " after it was confirmed" : ""), now);
                // named by its own wave: a canary failing while a later wave runs is "wave 1 (canary)" (b14 L1)
                return new Failure(waveName(row.wave) + ": " + label(row) + ": " + row.confirmDetail, failCode(row));
            }
        }
        return null;
    }

    private Needs gate(RestartRun run, Map<Long, RuntimeDriver.Health> health) {
        int n = run.currentWave;
        Signals signals = signals(run);
        Instant now = Instant.now();
        List<RestartResult> rows = signals.rows();
        List<Report> reports = signals.reports();
        List<RuntimeAcks.Ack> fetches = signals.fetches();
        TargetRuntimes.NamesNow names = signals.names();
        List<Probe> probes = new ArrayList<>();
        List<RestartResult> deleted = new ArrayList<>();
        Failure failingLater = failingLater(run, signals, now);
        String failure = failingLater == null ? null : failingLater.what();
        String code = failingLater == null ? null : failingLater.code();
        boolean open = false;
        for (RestartResult row : rows) {
            if (row.targetId == null && (RestartResult.FAILED.equals(row.state) || RestartResult.WAITING.equals(row.state)
                    || RestartResult.PENDING.equals(row.state))) {
                // its target was deleted mid-rollout: nothing to restart or confirm, and no sign of a bad key
                row.state = RestartResult.CANCELLED;
                row.error = "the target was deleted";
                continue;
            }
            switch (row.state) {
                case RestartResult.PENDING, RestartResult.RUNNING, RestartResult.WAITING -> open = true;
                case RestartResult.FAILED, RestartResult.TIMED_OUT -> {
                    if (failure == null) {
                        // the driver's words stay on the runtime's result; the reason (log, alert, banner) names
                        // what failed, never a program's output
                        failure = waveName(n) + ": " + label(row) + ": restart "
                                + (RestartResult.TIMED_OUT.equals(row.state) ? "timed out" : "failed");
                        code = "restart_failed";
                    }
                }
                case RestartResult.RESTARTED -> {
                    boolean leftOut = false;
                    if (row.confirmState == null) {
                        leftOut = confirm(row, names.all(row), run, reports, fetches, health, probes, now);
                    }
                    if (leftOut) {
                        // its target deleted before it confirmed: left out, neither passing nor failing the wave
                        deleted.add(row);
                    } else if (row.confirmState == null) {
                        open = true;
                    } else if (!passed(row) && failure == null) {
                        failure = waveName(n) + ": " + label(row) + ": " + row.confirmDetail;
                        code = "failing".equals(row.confirmState) ? failCode(row) : "unconfirmed";
                        if ("unconfirmed".equals(code)) {
                            // the run's own record names its runtime's refused requests (read from the stored
                            // refusals), so the cause survives a restart and every replica reads it (b20, M2)
                            String refused = token.refusedNote(run.createdAt, now, names(row, names.all(row)));
                            failure += refused == null ? "" : "; " + refused;
                        }
                    }
                }
                default -> {
                    // held or cancelled rows are not part of the gate
                }
            }
        }
        if (failure != null) {
            fail(run, failure, code);
            return rollback(run, null);
        }
        Failure carried = failingCarried(run, signals.reports());
        if (carried != null) {
            fail(run, carried.what(), carried.code());
            return rollback(run, null);
        }
        if (!probes.isEmpty() && health.isEmpty()) {
            return new Needs(probes, null);
        }
        if (open) {
            if (rows.stream().noneMatch(r -> RestartResult.PENDING.equals(r.state)
                    || RestartResult.RUNNING.equals(r.state))) {
                waveRow(run.id, n, "confirming", null, false, false);
            }
            return Needs.NOTHING;
        }
        if (rows.stream().noneMatch(r -> passed(r))) {
            // every runtime of the wave went away (deleted targets): nothing was proven, nothing failed
            LOG.infof("rollout of run %d: wave %d has no runtime left", run.id, n);
        }
        return confirmed(run, n, rows, deleted, now);
    }

    /**
     * A failing report about this run's kind ({@link Report#about}: naming it, or naming none) from a runtime another
     * run restarted onto this change ({@link #carriedForward}, a restart that wrote the configuration into it), on
     * the configuration that restart wrote or a later one, since it began (breaker b10 M3): the runtime runs this
     * change though this run has not restarted it (its wave has not come, or it is not in it), and says the
     * configuration fails it. An llm model change's rollout that restarted a runtime of llm and stt onto a bad stt key
     * saved just before is not failed by that runtime's report naming stt; the stt rollout is, and its rollback
     * restarts the runtime back. A report naming no kind cannot tell the two changes apart: both rollouts fail on it
     * (fail closed: neither change spreads further), as they do when both restarted the runtime themselves.
     *
     * @return "b-both, which run 12 restarted onto this change, reported failing: invalid_key (stt) on configuration
     *         version 31" with its code, or null
     */
    private Failure failingCarried(RestartRun run, List<Report> reports) {
        List<Report> named = reports.stream().filter(r -> "failing".equals(r.status()) && run.kind != null
                && r.about(run.kind)).toList();
        if (named.isEmpty()) {
            return null;
        }
        List<RestartResult> carried = carriedForward(run).stream()
                .filter(r -> RestartResult.RESTARTED.equals(r.state) && r.startedAt != null)
                .filter(this::writesConfiguration).toList();
        if (carried.isEmpty()) {
            return null;
        }
        TargetRuntimes.NamesNow names = runtimes.namesNow(carried);
        for (RestartResult row : carried) {
            long version = row.envVersion == null ? 0 : row.envVersion;
            java.util.Set<String> called = names(row, names.all(row));
            Optional<Report> failing = named.stream().filter(r -> called.contains(r.runtime())
                    && r.version() >= version && !r.at().isBefore(row.startedAt)).findFirst();
            if (failing.isPresent()) {
                return new Failure(label(row) + ", which run " + row.runId + " restarted onto this change, "
                        + failingText(failing.get()), failing.get().detail() == null ? "failing"
                                : failing.get().detail());
            }
        }
        return null;
    }

    /** The names a result's runtime went by: the one it held and those its signals count under now. */
    private static java.util.Set<String> names(RestartResult row, List<String> now) {
        java.util.Set<String> names = new java.util.HashSet<>(now);
        if (row.runtime != null) {
            names.add(row.runtime);
        }
        return names;
    }

    /**
     * Decides one restarted runtime's confirmation, if the evidence is in; leaves it undecided otherwise. Only what the
     * runtime showed within its window counts ({@link LaterRestarts}): since this restart, through any later restart
     * by another run that carried this change forward (a rollout of another kind, a shared secret's run, restart
     * now), until a restart onto a configuration without it (this run's rollback, one after a later change of the
     * same kind) or the target's deletion or rename. A failing report on the new version (or later) fails it whatever
     * the confirmation; then the mode's own signal (for {@code fetch} once the window closed: the fetches kept on the
     * rows). A runtime whose window closed before it confirmed can show nothing more for this run: it is unconfirmed
     * at once. Its time to confirm counts from its latest restart that carried the change.
     * Signals count under {@code names} ({@link TargetRuntimes.NamesNow#all}): the name the runtime answers to now,
     * and the name it was restarted under when its target was renamed since (its process learnt that name at its
     * restart and keeps it until the next, b19 C); never a name another target has now. A runtime whose target was
     * deleted before it showed anything is left out undecided: it neither passes nor fails its wave (README: a target
     * deleted while a rollout runs is left out of it without failing it).
     *
     * @return whether the runtime is left out so: its target deleted before it confirmed, undecided
     */
    private boolean confirm(RestartResult row, List<String> names, RestartRun run, List<Report> reports,
            List<RuntimeAcks.Ack> fetches, Map<Long, RuntimeDriver.Health> health, List<Probe> probes, Instant now) {
        long version = row.envVersion == null ? 0 : row.envVersion;
        Instant since = row.startedAt == null ? run.createdAt : row.startedAt;
        String mode = row.confirmation == null ? "none" : row.confirmation;
        LaterRestarts.Window window = later.of(row, run);
        Optional<Report> failing = failingReport(row, names, reports, run, window, fetches);
        if (failing.isPresent()) {
            // the runtime's own word that the new configuration fails it outranks any fetch, health or restart
            decide(row, "failing", failingText(failing.get()), now);
            return false;
        }
        boolean again = window.closed();
        switch (mode) {
            case "report" -> reports.stream().filter(r -> "ok".equals(r.status()))
                    .filter(r -> window.counts(names, r.runtime(), r.at(), since))
                    .filter(r -> r.version() >= version || heldCarrying(r, row, names, run, window, fetches) != null)
                    .findFirst().ifPresent(r -> decide(row, "confirmed", r.version() >= version
                            ? "reported ok on configuration version " + r.version()
                            : "reported ok on " + heldCarrying(r, row, names, run, window, fetches).heldText(), now));
            case "fetch" -> {
                // the fetches kept on the rows (each runtime's last before its next restart, V25), and while the
                // window is open its fetches since
                List<RuntimeAcks.Ack> mine = new ArrayList<>(window.kept().stream().map(a -> new RuntimeAcks.Ack(
                        names.get(0), a.version(), a.fingerprint(), a.at())).toList());
                if (!again) {
                    mine.addAll(fetches);
                }
                mine.stream().filter(f -> window.counts(names, f.runtime(), f.at(), since)
                        && f.carries(version, run.kind)).findFirst().ifPresent(f -> decide(row, "confirmed",
                                f.version() >= version ? "fetched version " + f.version()
                                        : "fetched " + f.heldText(), now));
            }
            case "health" -> {
                RuntimeDriver.Health seen = health.get(row.id);
                if (again) {
                    // a probe now would read the runtime as its next restart left it
                } else if (seen == null) {
                    if (row.targetId != null) {
                        probes.add(new Probe(row.id, row.targetId, row.runtime));
                    }
                } else if (seen == RuntimeDriver.Health.HEALTHY) {
                    decide(row, "confirmed", "healthy", now);
                } else if (seen == RuntimeDriver.Health.UNHEALTHY) {
                    decide(row, "failing", "unhealthy", now);
                } else if (seen == RuntimeDriver.Health.NONE) {
                    decide(row, "unconfirmed", "has no health signal to confirm with", now);
                }
            }
            // confirmation none: not waited for; the restart is its end, neither confirmed nor unconfirmed
            default -> decide(row, RestartResult.NOT_ASKED, "restarted; confirmation not asked (none)", now);
        }
        if (row.confirmState == null && again && deletedBeforeConfirming(row, window)) {
            row.confirmDetail = truncate(leftOutText(mode), 300);
            return true;
        }
        if (row.confirmState == null && again) {
            decide(row, "unconfirmed", "not confirmed (" + mode + ") before " + window.closedBy(), now);
        }
        if (row.confirmState == null) {
            Instant from = window.carriedAt() != null ? window.carriedAt() : row.finishedAt == null ? now
                    : row.finishedAt;
            if (run.resumedAt != null && run.resumedAt.isAfter(from)) {
                from = run.resumedAt;
            }
            if (now.isAfter(from.plus(config.confirmTimeout()))) {
                decide(row, "unconfirmed", "not confirmed (" + mode + ") within " + config.confirmTimeoutSeconds()
                        + " s (ROLLOUT_CONFIRM_TIMEOUT_SECONDS)", now);
            }
        }
        return false;
    }

    /**
     * Whether a restarted runtime's window was closed by its target's deletion ({@link LaterRestarts}), not by a
     * later restart: what it did not show by then it can show no more, and its target is no longer Keyhouse's.
     */
    static boolean deletedBeforeConfirming(RestartResult row, LaterRestarts.Window window) {
        return row.targetId == null && LaterRestarts.DELETED.equals(window.closedBy());
    }

    /** What a runtime left out so says: "not confirmed (report) before its target was deleted: left out of ...". */
    static String leftOutText(String mode) {
        return "not confirmed (" + mode + ") before its target was deleted: left out of its wave, which is judged"
                + " on the others";
    }

    /**
     * The runtime's report of {@code failing} on its new version (or a later one) made within its restart's window,
     * whatever the confirmation: a failing report fails its wave as a report-confirmed runtime's does.
     */
    private static Optional<Report> failingReport(RestartResult row, List<String> names, List<Report> reports,
            RestartRun run, LaterRestarts.Window window, List<RuntimeAcks.Ack> fetches) {
        long version = row.envVersion == null ? 0 : row.envVersion;
        Instant since = row.startedAt == null ? run.createdAt : row.startedAt;
        return reports.stream().filter(r -> "failing".equals(r.status()) && r.about(run.kind))
                .filter(r -> window.counts(names, r.runtime(), r.at(), since))
                .filter(r -> r.version() >= version || heldCarrying(r, row, names, run, window, fetches) != null)
                .findFirst();
    }

    /**
     * The runtime's fetch that a report on a version below the one its row was restarted onto ran on, when that was
     * a held configuration carrying this run's change (b19 A): a runtime another kind's open rollout holds is
     * served that held configuration by name (this run's kind current, the other kind at its earlier version) and
     * reports on its version. The report's version alone names no content (a held sum can equal another
     * configuration's), so it counts only through Keyhouse's own record of what it served this runtime within the
     * window ({@link RuntimeAcks.Ack#carriesHeld}: a held configuration of that version whose pins leave this
     * run's kind alone). Null otherwise: a report on an older configuration, or on one that holds this kind back.
     */
    private static RuntimeAcks.Ack heldCarrying(Report report, RestartResult row, List<String> names, RestartRun run,
            LaterRestarts.Window window, List<RuntimeAcks.Ack> fetches) {
        if (window.closed()) {
            // only the fetches kept on the rows count then, and they keep no held contents
            return null;
        }
        Instant since = row.startedAt == null ? run.createdAt : row.startedAt;
        return fetches.stream().filter(f -> f.version() == report.version() && f.carriesHeld(run.kind))
                .filter(f -> window.counts(names, f.runtime(), f.at(), since)).findFirst().orElse(null);
    }

    private static String failingText(Report report) {
        return failingText(report.detail(), report.kind(), report.version());
    }

    /**
     * "reported failing: invalid_key on configuration version 31" (runtime-config's version, never a setting's),
     * "reported failing: invalid_key (stt) on …" when the report named the kind whose provider call failed, or
     * without the ": invalid_key" when the report had no detail ("reported failing: (stt) on …" with a kind alone).
     */
    static String failingText(String detail, String kind, long version) {
        String reason = kind == null ? detail : (detail == null ? "" : detail + " ") + "(" + kind + ")";
        return "reported failing" + (reason == null ? "" : ": " + reason) + " on configuration version " + version;
    }

    /** A decided runtime that lets its wave go on: confirmed, or not asked to confirm (confirmation none). */
    private static boolean passed(RestartResult row) {
        return "confirmed".equals(row.confirmState) || RestartResult.NOT_ASKED.equals(row.confirmState);
    }

    private static void decide(RestartResult row, String state, String detail, Instant now) {
        row.confirmState = state;
        row.confirmDetail = truncate(detail, 300);
        if ("confirmed".equals(state)) {
            row.confirmedAt = now;
        }
    }

    /** The short code of a failing runtime: its report's detail (e.g. invalid_key), else what failed. */
    private static String failCode(RestartResult row) {
        String detail = row.confirmDetail == null ? "" : row.confirmDetail;
        if (detail.startsWith("reported failing: ")) {
            String code = detail.substring("reported failing: ".length());
            int cut = code.indexOf(" on configuration version ");
            code = cut > 0 ? code.substring(0, cut) : code;
            // the kind a report named is not part of its code: "invalid_key (stt)" is invalid_key
            int kind = code.indexOf('(');
            code = kind >= 0 ? code.substring(0, kind).trim() : code;
            return code.isEmpty() ? "failing" : code;
        }
        return "unhealthy".equals(detail) ? "unhealthy" : "failing";
    }

    /**
     * Every runtime of wave {@code n} passed (confirmed, or restarted with confirmation none: not asked): bake, wait
     * for approval, start the next wave, or succeed. The wave is "confirmed" when some runtime confirmed, "restarted"
     * when every one was only restarted (none asked to confirm).
     */
    private Needs confirmed(RestartRun run, int n, List<RestartResult> rows, List<RestartResult> deleted,
            Instant now) {
        Map<String, Integer> by = new java.util.TreeMap<>();
        rows.stream().filter(r -> r.wave != null && "confirmed".equals(r.confirmState))
                .forEach(r -> by.merge(r.confirmation, 1, Integer::sum));
        int confirmed = by.values().stream().mapToInt(Integer::intValue).sum();
        List<RestartResult> notAsked = rows.stream().filter(r -> RestartResult.NOT_ASKED.equals(r.confirmState))
                .toList();
        List<String> parts = new ArrayList<>();
        if (confirmed > 0) {
            parts.add((notAsked.isEmpty() ? "all " : "") + confirmed + " runtime" + (confirmed == 1 ? "" : "s")
                    + " confirmed (" + String.join(", ", by.entrySet().stream()
                            .map(e -> e.getKey() + ": " + e.getValue()).toList()) + ")");
        }
        if (!notAsked.isEmpty()) {
            parts.add(notAsked.size() + " restarted, confirmation not asked (none): " + names(notAsked));
        }
        if (!deleted.isEmpty()) {
            parts.add(deleted.size() + " left out, " + (deleted.size() == 1 ? "its target" : "their targets")
                    + " deleted before " + (deleted.size() == 1 ? "it" : "they") + " confirmed: " + names(deleted));
        }
        String decision = confirmed == 0 && notAsked.isEmpty() ? "no runtime left to confirm"
                + (parts.isEmpty() ? "" : "; " + String.join("; ", parts)) : String.join("; ", parts);
        if (run.bakeUntil == null) {
            // the first pass that sees the wave pass; later passes only wait for the bake to end
            waveRow(run.id, n, confirmed == 0 && !notAsked.isEmpty() ? "restarted" : "confirmed", decision, false,
                    true);
        }
        if (n >= run.waveCount) {
            end(run, RestartRun.SUCCEEDED, null);
            return Needs.NOTHING;
        }
        if (n == 1 && config.manualApproval()) {
            run.state = RestartRun.WAITING_APPROVAL;
            run.reason = "the canary is confirmed; waiting for an admin to continue (ROLLOUT_APPROVAL=manual)";
            LOG.infof("rollout of run %d: canary confirmed, waiting for approval", run.id);
            return Needs.NOTHING;
        }
        if (run.bakeUntil == null) {
            // from the clock's reading after the wave's finish was stamped (waveRow), never the pass's earlier one:
            // the bake then lasts at least ROLLOUT_BAKE_SECONDS from the finish every page shows
            run.bakeUntil = Instant.now().plus(config.bake());
        }
        // read again: a bake of 0 s ends at once, in this pass
        if (!Instant.now().isBefore(run.bakeUntil)) {
            startWave(run, n + 1);
        }
        return Needs.NOTHING;
    }

    // --- failure and rollback -------------------------------------------------------------------------------------

    /**
     * The rollout stops: the failed wave and every later one are closed, runtimes not yet restarted are cancelled
     * (never touched), and the run goes to {@code rolling_back}, whose first step checks the previous key.
     */
    private void fail(RestartRun run, String reason, String code) {
        run.reason = truncate(reason, 1000);
        run.failCode = truncate(code, 64);
        run.bakeUntil = null;
        if (run.currentWave > 0) {
            String state = (String) em.createNativeQuery("SELECT state FROM restart_waves WHERE run_id = :run"
                    + " AND wave = :wave").setParameter("run", run.id).setParameter("wave", run.currentWave)
                    .getResultList().stream().findFirst().orElse(null);
            if (!"confirmed".equals(state) && !"restarted".equals(state)) {
                // an abort during the bake leaves the passed wave as it was
                waveRow(run.id, run.currentWave, "failed", reason, false, true);
            }
        }
        em.createNativeQuery("UPDATE restart_waves SET state = 'cancelled', finished_at = now() WHERE run_id = :run"
                + " AND state IN ('waiting', 'restarting', 'confirming', 'baking')").setParameter("run", run.id)
                .executeUpdate();
        em.createNativeQuery("UPDATE restart_results SET state = 'cancelled', finished_at = now() WHERE run_id = :run"
                + " AND state IN ('waiting', 'pending')").setParameter("run", run.id).executeUpdate();
        run.state = RestartRun.ROLLING_BACK;
        run.currentWave = run.waveCount + 1;
        em.createNativeQuery("INSERT INTO restart_waves (run_id, wave, kind, state, decision) VALUES (:run, :wave,"
                        + " 'rollback', 'waiting', :decision)").setParameter("run", run.id)
                .setParameter("wave", run.currentWave)
                .setParameter("decision", "checking the previous key (version " + run.previousVersion + ")")
                .executeUpdate();
        audit.record(Audit.Entry.of("system", "restart.rollout.fail", RuntimeTargets.AUDIT_KIND, "restart run " + run.id)
                .detail(run.reason));
        LOG.warnf("rollout of run %d stopped: %s", run.id, run.reason);
    }

    /**
     * The rollback wave: once no restart of the run is under way, the previous key is checked (outside any
     * transaction); good → restored as a new version and the moved runtimes restarted onto it; proven bad or absent
     * → halted. Ends when the rollback restarts are final.
     */
    private Needs rollback(RestartRun run, Checked checked) {
        int wave = run.currentWave;
        String state = (String) em.createNativeQuery("SELECT state FROM restart_waves WHERE run_id = :run AND wave = :wave")
                .setParameter("run", run.id).setParameter("wave", wave).getSingleResult();
        if ("waiting".equals(state)) {
            long busy = ((Number) em.createNativeQuery("SELECT count(*) FROM restart_results WHERE run_id = :run"
                    + " AND state = 'running'").setParameter("run", run.id).getSingleResult()).longValue();
            if (busy > 0) {
                return Needs.NOTHING;
            }
            // the kind's whole configuration before the change (V23): primary and fallbacks, restored together
            HeldFallbacks held = HeldFallbacks.of(run.heldEntries, run.heldEntriesUpTo);
            boolean primary = run.previousVersion != null && run.previousVersion >= 1;
            if (!primary && (held == null || !RestartRun.CAUSE_FALLBACK.equals(run.cause))) {
                // a save's run past version 1 always has one: without, the run followed a fallback's change planned
                // before V23, which pinned no fallbacks to restore
                halt(run, wave, run.settingsVersion != null && run.settingsVersion > 1
                        ? "a change of " + run.kind + " fallbacks is not rolled back by itself (the " + run.kind
                                + " version stays " + run.settingsVersion + "): change the fallback back"
                        : "there is no earlier " + run.kind + " version to roll back to");
                return Needs.NOTHING;
            }
            ProviderKind kind = ProviderKind.parse(run.kind).orElseThrow();
            // the fallback keys the restore brings back into service (issue 19, b19 E): checked live as the
            // previous primary key is, never restored unchecked and unsaid
            List<Long> keysBack = held == null ? List.of() : entries.keysBroughtBack(kind, held);
            if (!primary) {
                // a fallback's change: the primary stays as it is, nothing of it to check
                if (checked == null && !keysBack.isEmpty()) {
                    return new Needs(List.of(), new PreviousKey(run.kind, 0, keysBack));
                }
                if (checked != null && checked.badFallback() != null) {
                    halt(run, wave, fallbackFails(run, checked.badFallback()));
                    return Needs.NOTHING;
                }
                return restoreFallbacks(run, wave, held, checked == null ? "" : checked.fallbacksText());
            }
            long current = settings.get(kind).version();
            long ran = run.settingsVersion == null ? current : run.settingsVersion;
            if (ran != run.previousVersion && settings.sameValues(kind, ran, run.previousVersion)
                    && (held == null || held.rows().equals(settings.fallbacksBefore(run.kind).rows()))) {
                // an admin's rollback that superseded a save restores what the save replaced: the rollback's canary
                // failing on it leaves nothing different to go back to (restoring it would write what just failed)
                halt(run, wave, "version " + run.previousVersion + " holds what version " + ran
                        + " that failed holds, so there is nothing different to go back to — correct the "
                        + run.kind + " setting and save it again");
                return Needs.NOTHING;
            }
            if (checked == null) {
                return new Needs(List.of(), new PreviousKey(run.kind, run.previousVersion, keysBack));
            }
            // what the moved runtimes were given that the restore takes back: the key, the model, a URL... (h19l 3)
            List<SettingField> back = settings.differing(kind, current, run.previousVersion);
            // a change that kept the key (a model-only save, a make-primary between entries with one key): the key
            // checked is the one the rollout ran with, not a previous one
            boolean sameKey = back.stream().noneMatch(SettingField::secret);
            if (!checked.good()) {
                // a wave that failed at a target (its restart, no confirmation), or whose runtime's code does not
                // judge the key (http:404, a timeout, an abort), says nothing against the new key
                halt(run, wave, sameKey ? RolloutOutlook.KEPT_KEY + " (version " + run.previousVersion
                        + " has the same), fails its check (" + checked.code() + "), so nothing is restored — enter a"
                        + " working key" : !RolloutOutlook.keyRefusal(run.failCode)
                        ? "the previous key fails its check (" + checked.code() + "), so the new key stays"
                        : "the new key and the previous key both fail: " + (run.failCode == null ? "failing"
                                : run.failCode) + " / " + checked.code() + " — enter a working key");
                return Needs.NOTHING;
            }
            if (checked.badFallback() != null) {
                halt(run, wave, fallbackFails(run, checked.badFallback()));
                return Needs.NOTHING;
            }
            Optional<String> duplicate = held == null ? settings.restoreConflict(kind, run.previousVersion)
                    : entries.heldConflict(kind, run.previousVersion, held);
            if (duplicate.isPresent()) {
                // restoring it would make two entries write one variable: refused as a save is
                halt(run, wave, "version " + run.previousVersion + " cannot be restored: " + duplicate.get());
                return Needs.NOTHING;
            }
            long rolledOut = run.settingsVersion == null ? current : run.settingsVersion;
            String undone = current > rolledOut ? "; version" + (current - rolledOut > 1 ? "s " + (rolledOut + 1)
                    + "–" + current : " " + current) + ", saved after this rollout's, " + (current - rolledOut > 1
                            ? "are" : "is") + " undone too (" + (current - rolledOut > 1 ? "they stay" : "it stays")
                    + " in the history: re-apply what is still wanted)" : "";
            // the saves this rollout superseded (it kept their previous version): never reached every runtime, and
            // undone by going back past them; named, not skipped in silence (short breaker pass of issue 19)
            long between = rolledOut - run.previousVersion - 1;
            if (between > 0) {
                undone = "; version" + (between > 1 ? "s " + (run.previousVersion + 1) + "–" + (rolledOut - 1)
                        : " " + (run.previousVersion + 1)) + ", saved before this rollout's and superseded by it"
                        + " before reaching every runtime, " + (between > 1 ? "are" : "is") + " undone too ("
                        + (between > 1 ? "they stay" : "it stays") + " in the history)" + undone;
            }
            // the fallbacks first: the primary's restore refuses two entries writing one variable, and a make-primary's
            // old primary is a fallback until its entry is back
            ProviderEntries.HeldRestore fallbacks = held == null ? null : entries.restoreHeld(kind, held, note(run));
            long restored = settings.restore(kind, run.previousVersion, note(run));
            run.rollbackVersion = restored;
            // what moved or may have: a restart attempted that did not succeed (failed, timed out, cancelled while
            // retrying) may have applied the change (a command writes its environment file before it runs, a webhook
            // may apply the configuration and then answer 5xx), so it is restarted back as the restarted ones are
            return restartBack(run, wave, previousKey(run.previousVersion, checked, sameKey) + "; version "
                    + run.previousVersion + " restored as version " + restored + (back.isEmpty() ? ""
                            : " (back: " + String.join(", ", back.stream().map(SettingField::label).toList()) + ")"),
                    fallbacks, checked.fallbacksText(), undone);
        }
        if ("restarting".equals(state)) {
            List<RestartResult> rows = RestartResult.list("runId = ?1 and wave = ?2", run.id, wave);
            if (rows.stream().anyMatch(r -> !r.finished())) {
                return Needs.NOTHING;
            }
            List<RestartResult> deleted = new ArrayList<>();
            for (RestartResult row : rows) {
                if (row.targetId == null && !RestartResult.RESTARTED.equals(row.state)) {
                    // its target was deleted during the rollback: no longer Keyhouse's to restart back, and no failed
                    // restart of a runtime that may still run what failed
                    row.state = RestartResult.CANCELLED;
                    row.error = RunView.TARGET_DELETED;
                    deleted.add(row);
                }
            }
            List<RestartResult> failedRows = rows.stream().filter(r -> !RestartResult.RESTARTED.equals(r.state)
                    && !deleted.contains(r)).toList();
            long failed = failedRows.size();
            for (RestartResult row : rows) {
                if (RestartResult.RESTARTED.equals(row.state)) {
                    // confirmation none: a rollback restart is not waited for
                    decide(row, RestartResult.NOT_ASKED, "restarted back onto "
                            + RolloutOutlook.restoredOnto(run.reason) + mayHaveApplied(row), Instant.now());
                }
            }
            // a rollback with a failed restart is not done: that runtime may still run the key that failed
            waveRow(run.id, wave, failed == 0 ? "done" : "failed", null, false, true);
            String reason = run.reason + (failed == 0 ? "" : "; " + failed + " of " + (rows.size() - deleted.size())
                    + " rollback restarts failed: " + names(failedRows))
                    + (deleted.isEmpty() ? "" : "; not restarted back, " + (deleted.size() == 1 ? "its target was"
                            : "their targets were") + " deleted during the rollback: " + names(deleted));
            end(run, run.abortedBy == null ? RestartRun.ROLLED_BACK : RestartRun.ABORTED, reason);
        }
        return Needs.NOTHING;
    }

    /** "automatic rollback of run 12" (or "rollback after the abort of run 12"): the restores' audit note. */
    private static String note(RestartRun run) {
        return (run.abortedBy == null ? "automatic rollback" : "rollback after the abort") + " of run " + run.id;
    }

    /**
     * A fallback change's rollback: the kind's fallbacks back to what the run held its runtimes at (the primary, which
     * the change left as it was, stays), then the moved runtimes restarted back; halted, restoring nothing, when that
     * would make two entries write one variable.
     */
    private Needs restoreFallbacks(RestartRun run, int wave, HeldFallbacks held, String keysBack) {
        ProviderKind kind = ProviderKind.parse(run.kind).orElseThrow();
        Optional<String> duplicate = entries.heldConflict(kind, null, held);
        if (duplicate.isPresent()) {
            halt(run, wave, "the " + run.kind + " fallbacks before the change cannot be restored: " + duplicate.get());
            return Needs.NOTHING;
        }
        ProviderEntries.HeldRestore fallbacks = entries.restoreHeld(kind, held, note(run));
        return restartBack(run, wave, "the " + run.kind + " primary stays version " + settings.get(kind).version()
                + " (the change left it as it was)", fallbacks, keysBack, "");
    }

    /**
     * What the rollback did with the previous key, true for every cause and check mode: "the previous key (version 7),
     * checked: ok" when its live check ran, "the previous key (version 7), not checked (PROVIDER_CHECK_MODE=off), as
     * it was in use before" when nothing was sent (checks off, or a kind without a live check). When the change kept
     * the key ({@code sameKey}: only other fields or the entry around it changed), "the key, which this change kept
     * (version 7 has the same), checked: ok": no previous key is involved.
     */
    private static String previousKey(long version, Checked checked, boolean sameKey) {
        boolean sent = !NOT_CHECKED.equals(checked.code()) && !CheckedSaves.NO_CHECK.equals(checked.code());
        return (sameKey ? RolloutOutlook.KEPT_KEY + " (version " + version + " has the same), "
                : "the previous key (version " + version + "), ") + (sent ? "checked: " + checked.summary()
                : "not checked (" + (CheckedSaves.NO_CHECK.equals(checked.code()) ? checked.summary()
                        : "PROVIDER_CHECK_MODE=off") + "), as it was in use before");
    }

    /**
     * After a restore: the rollback wave restarts the runtimes that moved (or may have) back onto what was restored,
     * and says what was restored (the wave's decision, the audit, and the run's reason — "…; restored: the previous
     * key (version 7), checked: ok; version 7 restored as version 9 (back: API key)" —, which its page, alert, log
     * line and webhook show, for a key-only change too: whether the key brought back was checked, and how); ends the
     * run when none moved.
     *
     * @param primary what happened to the primary, in words
     * @param fallbacks what happened to the fallbacks, or null for a run that pinned none (planned before V23)
     * @param keysBack how each fallback key the restore brings back into service was checked ({@link
     *        Checked#fallbacksText()}), or ""
     */
    private Needs restartBack(RestartRun run, int wave, String primary, ProviderEntries.HeldRestore fallbacks,
            String keysBack, String undone) {
        // the run's results before the moved targets' key-share locks (a target's delete takes its results, then
        // its row): a target deleted since is left out, never a rollback row whose target is gone
        lockRuns(List.of(run.id));
        List<RestartResult> others = carriedForward(run);
        java.util.Set<Long> present = RuntimeTargets.shareRows(java.util.stream.Stream.concat(RestartResult
                .<RestartResult>list("runId = ?1 and targetId is not null", run.id).stream(), others.stream())
                .map(r -> r.targetId).distinct().toList());
        // a row never attempted (pending, held, cancelled before its first attempt) never moved and stays out
        List<RestartResult> own = RestartResult.<RestartResult>list("runId = ?1 and wave < ?2"
                + " and runtime is not null and targetId is not null and state in ?3"
                + " order by targetName, runtime", run.id, wave, List.of(RestartResult.RESTARTED,
                        RestartResult.TIMED_OUT, RestartResult.FAILED, RestartResult.CANCELLED)).stream()
                .filter(from -> present.contains(from.targetId))
                .filter(from -> !RestartResult.CANCELLED.equals(from.state) || from.attempts > 0).toList();
        List<RestartResult> moved = own.stream().filter(from -> RestartResult.RESTARTED.equals(from.state)).toList();
        List<RestartResult> mayHave = own.stream().filter(from -> !moved.contains(from)).toList();
        // restarts by other runs since the change was saved wrote it too (breaker b9 H1): restarted back as well
        List<RestartResult> carried = others.stream().filter(o -> present.contains(o.targetId))
                .filter(o -> own.stream().noneMatch(r -> sameRuntime(r, o))).filter(this::writesConfiguration).toList();
        List<RestartResult> back = java.util.stream.Stream.concat(own.stream(), carried.stream()).toList();
        for (RestartResult from : back) {
            RestartResult row = new RestartResult();
            row.runId = run.id;
            row.targetId = from.targetId;
            row.targetName = from.targetName;
            row.driver = from.driver;
            row.runtime = from.runtime;
            row.wave = wave;
            row.state = RestartResult.PENDING;
            row.confirmation = "none";
            row.confirmationReason = "a rollback restart: back onto "
                    + RolloutOutlook.restoredOnto("restored: " + primary) + (carried.contains(from)
                            ? carriedBy(from.runId) : mayHaveApplied(from.state));
            row.createdAt = Instant.now();
            row.persist();
        }
        // a save's rollback whose fallbacks were as held says what it said before fallbacks were pinned
        boolean fallbacksTold = fallbacks != null && (RestartRun.CAUSE_FALLBACK.equals(run.cause)
                || !fallbacks.restored().isEmpty() || !fallbacks.unrestorable().isEmpty());
        String restoredText = primary + (fallbacksTold ? "; " + fallbacks.summary() : "") + keysBack;
        String decision = restoredText + "; " + (back.isEmpty() ? "no runtime had moved"
                : (moved.isEmpty() ? "" : "restarting " + moved.size() + " moved runtime" + (moved.size() == 1 ? ""
                        : "s") + " back: " + names(moved)) + (mayHave.isEmpty() ? "" : (moved.isEmpty()
                                ? "restarting " : "; and ") + mayHave.size() + " runtime" + (mayHave.size() == 1
                                        ? "" : "s") + " back whose restart did not succeed but may have applied the"
                                + " change: " + names(mayHave)) + (carried.isEmpty() ? "" : (own.isEmpty()
                                        ? "restarting " : "; and ") + carried.size() + " runtime" + (carried.size()
                                                == 1 ? "" : "s") + " back that another run restarted onto the change: "
                                + carriedNames(carried))) + undone;
        // every restore says what came back and whether the key it brought back was checked (a key-only change too)
        run.reason = truncate((run.reason == null ? "" : run.reason + "; ") + "restored: " + restoredText, 1000);
        waveRow(run.id, wave, "restarting", decision, true, false);
        audit.record(Audit.Entry.of("system", "restart.rollout.rollback", RuntimeTargets.AUDIT_KIND,
                "restart run " + run.id).detail(decision));
        LOG.warnf("rollout of run %d: %s", run.id, decision);
        if (back.isEmpty()) {
            waveRow(run.id, wave, "done", null, false, true);
            end(run, run.abortedBy == null ? RestartRun.ROLLED_BACK : RestartRun.ABORTED, run.reason);
        } else {
            planned.fire(new RestartPlanned(run.id));
        }
        return Needs.NOTHING;
    }

    /**
     * What a rollback row says of a runtime restarted back although its restart in the rollout did not succeed
     * ({@code state}: failed, timed_out or cancelled after an attempt): " (its failed restart may have applied the
     * change)"; "" for one that restarted.
     */
    static String mayHaveApplied(String state) {
        String how = switch (state) {
            case RestartResult.FAILED -> "its failed restart";
            case RestartResult.TIMED_OUT -> "its timed-out restart";
            case RestartResult.CANCELLED -> "its restart, cancelled while retrying,";
            default -> null;
        };
        return how == null ? "" : " (" + how + " may have applied the change)";
    }

    /**
     * The {@link #mayHaveApplied(String)} or {@link #carriedBy(long)} note a rollback row was created with, or "".
     */
    private static String mayHaveApplied(RestartResult row) {
        String reason = row.confirmationReason == null ? "" : row.confirmationReason;
        if (reason.endsWith(CARRIED)) {
            return reason.substring(reason.lastIndexOf(" (run "));
        }
        int at = reason.lastIndexOf(" (its ");
        return at < 0 || !reason.endsWith(" may have applied the change)") ? "" : reason.substring(at);
    }

    /** How {@link #carriedBy(long)}'s note ends. */
    private static final String CARRIED = " onto the change since it was saved)";

    /** What a rollback row says of a runtime another run restarted onto the change: " (run 12 restarted it …)". */
    static String carriedBy(long runId) {
        return " (run " + runId + " restarted it" + CARRIED;
    }

    /** The run a rollback row's {@link #carriedBy(long)} note names (12), or null for another rollback row. */
    static Long carriedFrom(String reason) {
        if (reason == null || !reason.endsWith(CARRIED)) {
            return null;
        }
        String run = reason.substring(reason.lastIndexOf(" (run ") + 6);
        try {
            return Long.valueOf(run.substring(0, run.indexOf(' ')));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** "b-both (run 12), c (run 14)": {@link #names} with the run that restarted each onto the change. */
    private static String carriedNames(List<RestartResult> rows) {
        return listed(rows.stream().map(r -> r.runtime + " (run " + r.runId + ")").toList());
    }

    /**
     * Whether the restart of {@code row} wrote the configuration into its runtime ({@link
     * RuntimeDriver#writesConfiguration}); true when that cannot be told (fail closed: restarted back).
     */
    boolean writesConfiguration(RestartResult row) {
        try {
            Optional<RuntimeTarget> target = targets.find(row.targetId);
            Optional<RuntimeDriver> driver = drivers.find(row.driver);
            return target.isEmpty() || driver.isEmpty() || driver.get().writesConfiguration(targets.spec(target.get()));
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Two results of one target are of the same runtime: the same name, or both of a target-named driver. */
    private boolean sameRuntime(RestartResult a, RestartResult b) {
        return a.targetId.equals(b.targetId) && (a.runtime.equals(b.runtime)
                || ownNamed.contains(a.driver) && ownNamed.contains(b.driver));
    }

    /**
     * The runtimes another run restarted onto the change a rollback undoes (breaker b9 H1). Every rollout restart
     * writes the current configuration, so a rollout of another kind (or any restart of one: a later wave, a rollback)
     * that restarted a target depending on this run's kind after this change was saved gave it the change, ahead of
     * this run's wave or where this run never reached it. Read for a restore, the caller holding this run's lock: each
     * runtime once (its newest such result), of a target that depends on the kind now or is in this run's plan,
     * attempted (restarted, failed, timed out, under way, retrying, cancelled after an attempt) and not finished
     * before the change was saved (this run's {@code created_at}, or that of the first run of the chain of saves it
     * superseded). A restart by a run that is not a rollout wrote what the runtime was served by name, which this
     * run's pins hold back: it carries the change only where no result of this run pinned it (never attempted, the
     * same runtime name); when a runtime's newest such restart is one that did not carry it and succeeded, the runtime
     * is on the held configuration again and is left alone.
     */
    @SuppressWarnings("unchecked")
    private List<RestartResult> carriedForward(RestartRun run) {
        if (run.kind == null) {
            return List.of();
        }
        List<Number> ids = em.createNativeQuery("WITH RECURSIVE chain(id, created_at) AS ("
                + " SELECT id, created_at FROM restart_runs WHERE id = :run"
                + " UNION SELECT s.id, s.created_at FROM restart_runs s JOIN chain c ON s.superseded_by = c.id)"
                + " SELECT y.id FROM (SELECT DISTINCT ON (x.target_id, x.one) x.id, x.carries FROM (SELECT o.id,"
                + " o.target_id, o.state, o.started_at, CASE WHEN o.driver IN (:own) THEN '' ELSE o.runtime END AS one,"
                // a run that is not a rollout wrote what the runtime was served by name: held back where a row of this
                // run, never attempted, pins that runtime (by its name, as RolloutPins matches; a target-named
                // driver's by the target)
                + " (u.rollout OR NOT EXISTS (SELECT 1 FROM restart_results p WHERE p.run_id = :run"
                + " AND p.attempts = 0 AND (p.runtime = o.runtime OR (p.target_id = o.target_id"
                + " AND p.driver IN (:own) AND o.driver IN (:own))))) AS carries"
                + " FROM restart_results o JOIN restart_runs u ON u.id = o.run_id"
                + " JOIN runtime_targets t ON t.id = o.target_id"
                + " WHERE o.run_id <> :run AND o.runtime IS NOT NULL AND o.attempts > 0"
                + " AND o.state IN ('restarted', 'failed', 'timed_out', 'running', 'pending', 'cancelled')"
                + " AND (o.finished_at IS NULL OR o.finished_at >= (SELECT min(created_at) FROM chain))"
                + " AND (:kind = ANY (string_to_array(t.depends_on, ',')) OR o.target_id IN"
                + " (SELECT p.target_id FROM restart_results p WHERE p.run_id = :run))) x"
                // each runtime's newest restart that carried the change, or that put it back on the held
                // configuration since (a successful one): only the former is restarted back
                + " WHERE x.carries OR x.state = 'restarted'"
                + " ORDER BY x.target_id, x.one, x.started_at DESC NULLS LAST, x.id DESC) y WHERE y.carries")
                .setParameter("run", run.id).setParameter("own", ownNamed).setParameter("kind", run.kind)
                .getResultList();
        if (ids.isEmpty()) {
            return List.of();
        }
        return RestartResult.<RestartResult>list("id in ?1 order by targetName, runtime",
                ids.stream().map(Number::longValue).toList());
    }

    /**
     * Why a rollback that would bring back a fallback key proven bad restores nothing: "the key of stt fallback 12
     * (soniox) version 2 it would bring back fails its check (invalid_key), so the change stays — enter a working key
     * for it or correct the stt fallbacks".
     */
    private static String fallbackFails(RestartRun run, FallbackChecked bad) {
        return "the key of " + bad.label() + " it would bring back fails its check (" + bad.code() + "), so the change"
                + " stays — enter a working key for it or correct the " + run.kind + " fallbacks";
    }

    private void halt(RestartRun run, int wave, String why) {
        waveRow(run.id, wave, "cancelled", "nothing rolled back: " + why, false, true);
        // what failed first (the engine's reason: the failing target, or the abort), then why nothing was rolled back
        String reason = (run.reason == null ? "" : run.reason + "; ") + "nothing rolled back: " + why;
        end(run, run.abortedBy == null ? RestartRun.HALTED : RestartRun.ABORTED, reason);
    }

    /**
     * Checks live what a rollback would bring back: the previous version's key ({@link #checkPrevious}; none for a
     * fallback's change) and each held fallback key it brings back into service ({@link #checkFallback}). Null when
     * the checks are busy: the next tick tries again.
     */
    private Checked check(PreviousKey previous) {
        Checked primary = previous.version() < 1 ? new Checked(true, NOT_CHECKED, "the primary stays")
                : checkPrevious(previous);
        if (primary == null) {
            return null;
        }
        ProviderKind kind = ProviderKind.parse(previous.kind()).orElseThrow();
        List<FallbackChecked> fallbacks = new ArrayList<>();
        for (long row : previous.fallbackRows()) {
            FallbackChecked one = checkFallback(kind, row);
            if (one == null) {
                return null;
            }
            fallbacks.add(one);
        }
        return primary.with(fallbacks);
    }

    /**
     * Checks the key of a held fallback version a rollback brings back into service, as {@link #checkPrevious} checks
     * the previous primary key: proven bad (the check would refuse a save of it) halts the rollback; anything else
     * (ok, unreachable, a key that no longer opens, checks off) lets the restore go on and is said. Null when the
     * checks are busy.
     */
    private FallbackChecked checkFallback(ProviderKind kind, long versionRow) {
        ProviderEntries.HeldKey held;
        try {
            held = entries.heldKey(kind, versionRow);
        } catch (dev.keyhouse.web.NotFound e) {
            return new FallbackChecked(kind.id() + " fallback", true, NOT_CHECKED, "not checked (its version is gone)");
        }
        if (checkedSaves.mode() == CheckMode.OFF) {
            return new FallbackChecked(held.label(), true, NOT_CHECKED, "not checked (PROVIDER_CHECK_MODE=off)");
        }
        if (held.key().isEmpty()) {
            // nothing to send: its restore says what becomes of it (an entry deleted since is not re-created)
            return new FallbackChecked(held.label(), true, NOT_CHECKED, "not checked (no key of it opens)");
        }
        try {
            CheckOutcome outcome = checks.check(held.key().get().target());
            lastChecks.recordKey(kind, held.label(), outcome.provider(), held.key().get().fingerprint(), outcome);
            return new FallbackChecked(held.label(), !outcome.result().blocksSave(), outcome.result().json(),
                    outcome.summary());
        } catch (ChecksBusy e) {
            LOG.infof("rollout: the live check of %s must wait: %s", held.label(), e.getMessage());
            return null;
        } catch (dev.keyhouse.web.FieldErrors e) {
            return new FallbackChecked(held.label(), false, "unresolvable", e.getMessage());
        }
    }

    /**
     * Checks the previous version's stored key live; null when the checks are busy (the next tick tries again). With
     * {@code PROVIDER_CHECK_MODE=off}, or for a kind without a live check ({@link ProviderKind#liveCheck()}), nothing is
     * sent: the previous key is restored unchecked, as it was in use before.
     */
    private Checked checkPrevious(PreviousKey previous) {
        if (checkedSaves.mode() == CheckMode.OFF) {
            return new Checked(true, NOT_CHECKED, "not checked (PROVIDER_CHECK_MODE=off)");
        }
        ProviderKind kind = ProviderKind.parse(previous.kind()).orElseThrow();
        if (!kind.liveCheck()) {
            // nothing to check the previous key with: restored unchecked, as it was in use before
            return new Checked(true, CheckedSaves.NO_CHECK, kind.noLiveCheck());
        }
        Optional<ProviderSettings.StoredKey> key = settings.storedKey(kind, previous.version());
        if (key.isEmpty()) {
            return new Checked(false, "no_stored_key", "version " + previous.version() + " has no key that opens");
        }
        try {
            CheckOutcome outcome = checks.check(key.get().target());
            // the key's own history: restored or not, its last check is this one (the settings card, lastCheck)
            lastChecks.recordKey(kind, kind.id() + " version " + previous.version(), outcome.provider(),
                    key.get().fingerprint(), outcome);
            // halt only on proof the previous key is bad: it was in use before this rollout
            return new Checked(!outcome.result().blocksSave(), outcome.result().json(), outcome.summary());
        } catch (ChecksBusy e) {
            LOG.infof("rollout: the live check of %s version %d must wait: %s", previous.kind(), previous.version(),
                    e.getMessage());
            return null;
        } catch (dev.keyhouse.web.FieldErrors e) {
            // a vault: reference of that version cannot be resolved: runtime-config could not serve it either
            return new Checked(false, "unresolvable", "version " + previous.version() + ": " + e.getMessage());
        }
    }

    private Map<Long, RuntimeDriver.Health> probe(List<Probe> probes) {
        Map<Long, RuntimeDriver.Health> seen = new HashMap<>();
        for (Probe probe : probes) {
            RuntimeDriver.Health health;
            try {
                Optional<RuntimeTarget> target = targets.find(probe.targetId());
                Optional<RuntimeDriver> driver = target.flatMap(t -> drivers.find(t.driver));
                health = target.isEmpty() || driver.isEmpty() ? RuntimeDriver.Health.NONE
                        : driver.get().health(targets.spec(target.get()), probe.runtime());
            } catch (Exception e) {
                LOG.infof("rollout: health of %s could not be read (%s); asking again", probe.runtime(),
                        FailureText.of(e));
                health = RuntimeDriver.Health.STARTING;
            }
            seen.put(probe.resultId(), health);
        }
        return seen;
    }

    // --- endings, supersede and controls --------------------------------------------------------------------------

    private void end(RestartRun run, String state, String reason) {
        run.state = state;
        run.reason = reason == null ? null : truncate(reason, 1000);
        run.finishedAt = Instant.now();
        run.paused = false;
        run.bakeUntil = null;
        if (!RestartRun.SUCCEEDED.equals(state)) {
            em.createNativeQuery("UPDATE restart_results SET state = 'cancelled', finished_at = now()"
                    + " WHERE run_id = :run AND state IN ('waiting', 'pending')").setParameter("run", run.id)
                    .executeUpdate();
            em.createNativeQuery("UPDATE restart_waves SET state = 'cancelled', finished_at = now() WHERE run_id = :run"
                    + " AND state IN ('waiting', 'restarting', 'confirming', 'baking')").setParameter("run", run.id)
                    .executeUpdate();
        }
        em.flush();
        audit.record(Audit.Entry.of("system", "restart.finish", RuntimeTargets.AUDIT_KIND, "restart run " + run.id)
                .detail(runs.get().finishDetail(run.id, run.reason)));
        ended.fire(new RolloutEnded(run.id, run.kind, run.settingsVersion == null ? 0 : run.settingsVersion, state,
                run.reason, run.rollbackVersion, run.finishedAt));
    }

    /**
     * In a newer save's transaction: an open rollout of the same kind stops; its runtimes not yet restarted are
     * cancelled (restarts under way finish), and the newer rollout starts from its own canary.
     *
     * @param newer the newer run, or null when the newer save restarts nothing
     */
    /**
     * Locks the given runs' rows, then their restart results' rows ({@code FOR UPDATE}, each in id order): the order
     * every writer of a run's results follows (the executor: the run, then its results; a target's delete: its results,
     * then the target), taken before any target's lock by a writer that then also changes those results.
     */
    static void lockRuns(java.util.Collection<Long> runIds) {
        if (runIds.isEmpty()) {
            return;
        }
        EntityManager em = RestartRun.getEntityManager();
        em.createNativeQuery("SELECT id FROM restart_runs WHERE id IN (:ids) ORDER BY id FOR UPDATE")
                .setParameter("ids", List.copyOf(runIds)).getResultList();
        em.createNativeQuery("SELECT id FROM restart_results WHERE run_id IN (:ids) ORDER BY id FOR UPDATE")
                .setParameter("ids", List.copyOf(runIds)).getResultList();
    }

    void supersede(RestartRun older, Long newer, String why) {
        em.lock(older, LockModeType.PESSIMISTIC_WRITE);
        em.refresh(older);
        if (older.finished()) {
            return;
        }
        older.supersededBy = newer;
        end(older, RestartRun.SUPERSEDED, why + (newer == null ? "" : "; run " + newer + " rolls it out"));
        LOG.infof("rollout of run %d superseded: %s", older.id, why);
    }

    /** Pauses a rollout: nothing new is restarted and it does not advance; restarts under way finish. */
    public RestartRuns.RunReport pause(long runId, String actor) {
        QuarkusTransaction.requiringNew().run(() -> {
            RestartRun run = controllable(runId, "paused");
            if (RestartRun.ROLLING_BACK.equals(run.state)) {
                throw new Conflict("restart run " + runId + " is rolling back; a rollback cannot be paused");
            }
            if (run.paused) {
                throw new Conflict("restart run " + runId + " is already paused");
            }
            run.paused = true;
            audit.record(Audit.Entry.of(actor, "restart.pause", RuntimeTargets.AUDIT_KIND, "restart run " + runId));
        });
        return runs.get().reportWithoutOutput(runId);
    }

    /** Resumes a paused rollout; its runtimes' time to confirm starts again. */
    public RestartRuns.RunReport resume(long runId, String actor) {
        QuarkusTransaction.requiringNew().run(() -> {
            RestartRun run = controllable(runId, "resumed");
            if (!run.paused) {
                throw new Conflict("restart run " + runId + " is not paused");
            }
            run.paused = false;
            run.resumedAt = Instant.now();
            audit.record(Audit.Entry.of(actor, "restart.resume", RuntimeTargets.AUDIT_KIND, "restart run " + runId));
            planned.fire(new RestartPlanned(runId));
        });
        wake();
        return runs.get().reportWithoutOutput(runId);
    }

    /**
     * Continue after the canary ({@code ROLLOUT_APPROVAL=manual}): the next wave starts now — unless the rollout is
     * paused (409: resume it first; Resume weighs what its runtimes reported meanwhile), or a runtime already moved
     * reports failing (the gate's own check, in the same transaction: the rollout fails and rolls back instead, and
     * the answer is a 409 saying so). No runtime past the canary ever gets a change its canary reports failing
     * (breaker b13, 1).
     *
     * @throws Conflict when it is not waiting for approval, is paused, or rolls back instead
     */
    public RestartRuns.RunReport approve(long runId, String actor) {
        String failed = QuarkusTransaction.requiringNew().call(() -> {
            RestartRun run = controllable(runId, "continued");
            if (!RestartRun.WAITING_APPROVAL.equals(run.state)) {
                throw new Conflict("restart run " + runId + " is not waiting for approval (it is " + run.state + ")");
            }
            if (run.paused) {
                throw new Conflict("restart run " + runId + " is paused; resume it first (Resume weighs what its"
                        + " runtimes reported while it was paused)");
            }
            Signals signals = signals(run);
            Failure failure = failingLater(run, signals, Instant.now());
            String reason = failure != null ? failure.what() : null;
            if (failure == null) {
                failure = failingCarried(run, signals.reports());
                reason = failure == null ? null : failure.what();
            }
            if (failure != null) {
                fail(run, reason, failure.code());
                return reason;
            }
            run.state = RestartRun.RUNNING;
            run.reason = null;
            audit.record(Audit.Entry.of(actor, "restart.approve", RuntimeTargets.AUDIT_KIND, "restart run " + runId)
                    .detail("continues after the canary"));
            startWave(run, run.currentWave + 1);
            return null;
        });
        wake();
        if (failed != null) {
            throw new Conflict("restart run " + runId + " cannot continue: " + failed + "; it rolls back");
        }
        return runs.get().reportWithoutOutput(runId);
    }

    /** Aborts a rollout: it stops and rolls back like a failed wave (the previous key is checked first). */
    public RestartRuns.RunReport abort(long runId, String actor) {
        QuarkusTransaction.requiringNew().run(() -> {
            RestartRun run = controllable(runId, "aborted");
            if (RestartRun.ROLLING_BACK.equals(run.state)) {
                throw new Conflict("restart run " + runId + " is already rolling back");
            }
            run.abortedBy = actor;
            run.paused = false;
            audit.record(Audit.Entry.of(actor, "restart.abort", RuntimeTargets.AUDIT_KIND, "restart run " + runId));
            fail(run, "aborted by " + actor, "aborted");
        });
        wake();
        return runs.get().reportWithoutOutput(runId);
    }

    private RestartRun controllable(long runId, String what) {
        RestartRun run = em.find(RestartRun.class, runId, LockModeType.PESSIMISTIC_WRITE);
        if (run == null) {
            throw new NotFound("restart run " + runId);
        }
        if (!run.rollout) {
            throw new Conflict("restart run " + runId + " restarts everything at once (restart now); it cannot be "
                    + what);
        }
        if (run.finished()) {
            throw new Conflict("restart run " + runId + " has ended (" + run.state + "); it cannot be " + what);
        }
        return run;
    }

    // --- small helpers ----------------------------------------------------------------------------------------------

    /** Sets a wave's state (and decision, when given), stamping its start or end. */
    private void waveRow(long run, int wave, String state, String decision, boolean start, boolean finish) {
        // stamped with this JVM's clock, the clock the gate decides by (a transaction's now() is its start)
        jakarta.persistence.Query update = em.createNativeQuery("UPDATE restart_waves SET state = :state"
                + (decision == null ? "" : ", decision = :decision") + (start ? ", started_at = :at" : "")
                + (finish ? ", finished_at = :at" : "") + " WHERE run_id = :run AND wave = :wave");
        update.setParameter("state", state).setParameter("run", run).setParameter("wave", wave);
        if (start || finish) {
            update.setParameter("at", Timestamp.from(Instant.now()));
        }
        if (decision != null) {
            update.setParameter("decision", truncate(decision, 1000));
        }
        update.executeUpdate();
    }

    @SuppressWarnings("unchecked")
    private List<Report> reports(Instant since) {
        List<Object[]> rows = em.createNativeQuery("SELECT runtime, settings_version, status, detail, reported_at,"
                        + " kind FROM runtime_status WHERE reported_at >= :since")
                .setParameter("since", Timestamp.from(since)).getResultList();
        return rows.stream().map(r -> new Report((String) r[0], ((Number) r[1]).longValue(), (String) r[2],
                (String) r[3], (String) r[5], RuntimeAcks.instant(r[4]))).toList();
    }

    /** A runtime as the reason names it: {@code voice / voice-1}, or the target alone when it is its one runtime. */
    private static String label(RestartResult row) {
        return row.runtime == null || row.runtime.equals(row.targetName) ? row.targetName
                : row.targetName + " / " + row.runtime;
    }

    private static String waveName(int n) {
        return n == 1 ? "wave 1 (canary)" : "wave " + n;
    }

    private static String names(List<RestartResult> rows) {
        return listed(rows.stream().map(r -> r.runtime == null ? r.targetName : r.runtime).toList());
    }

    /** "a, b, c, d, e and 3 more": at most five names, then how many more. */
    private static String listed(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max - 3) + "...";
    }
}
