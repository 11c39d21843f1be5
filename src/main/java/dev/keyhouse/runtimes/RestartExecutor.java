package dev.keyhouse.runtimes;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import dev.keyhouse.config.LogMask;
import dev.keyhouse.settings.ProviderEnvironment;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import org.jboss.logging.Logger;

/**
 * Executes restart runs: claims due results ({@link RestartQueue}) up to {@code RESTART_CONCURRENCY} at a time and
 * runs each on a worker, under the per-runtime timeout. A restart stops counting against the concurrency once its
 * driver says only the check that the runtime stays up is left ({@link RestartOrder#checking()}): the next one begins
 * while it is checked, so the check's wait (1 s and more per docker container) overlaps the next restarts instead of
 * queueing them; at most {@link #UNDER_WAY_PER_PLACE} × {@code RESTART_CONCURRENCY} are under way, checks included. Woken right after a plan commits and every 2 seconds (for retries that are due, and for work a
 * crashed replica left). A failure is retried with exponential backoff up to {@code RESTART_ATTEMPTS}; a timeout
 * interrupts the driver's thread and is final; one runtime's outcome never stops another's.
 */
@ApplicationScoped
public class RestartExecutor {

    private static final Logger LOG = Logger.getLogger(RestartExecutor.class);
    /**
     * Restarts under way per place of {@code RESTART_CONCURRENCY}, those only being checked included: bounds the
     * threads and the engine's inspect calls when checks are long (a healthcheck that takes a minute to pass).
     */
    static final int UNDER_WAY_PER_PLACE = 4;
    /** How long after a retry's due time its own wake comes (the database stores it to the microsecond). */
    private static final Duration DUE_MARGIN = Duration.ofMillis(20);

    private final RestartConfig config;
    private final RestartQueue queue;
    private final RuntimeTargets targets;
    private final RuntimeDrivers drivers;
    private final ProviderEnvironment environment;
    private final RestartMetrics metrics;
    /** Every secret Keyhouse holds: a driver's failure text is masked against all of them, not only the runtime's. */
    private final HeldSecrets held;
    /** A manual or shared-secret run's confirmation none (not asked), as a rollout's gate decides it. */
    private final Confirmations confirmations;
    /** Woken when a rollout's restart is final, so its gate looks at once (lazy: the two know each other). */
    private final jakarta.enterprise.inject.Instance<Rollouts> rollouts;
    /** Who holds a claim: unique per process, so a restarted Keyhouse never mistakes an old claim for its own. */
    private final String replica;
    /** Restarts changing their runtime: at most {@code RESTART_CONCURRENCY}. */
    private final AtomicInteger busy = new AtomicInteger();
    /** Restarts under way, checks included: at most {@link #UNDER_WAY_PER_PLACE} per place. */
    private final AtomicInteger underWay = new AtomicInteger();
    private ExecutorService dispatcher;
    private ExecutorService workers;
    private ExecutorService calls;
    private volatile boolean stopping;

    public RestartExecutor(RestartConfig config, RestartQueue queue, RuntimeTargets targets, RuntimeDrivers drivers,
            ProviderEnvironment environment, RestartMetrics metrics, jakarta.enterprise.inject.Instance<Rollouts> rollouts,
            Confirmations confirmations, HeldSecrets held) {
        this.config = config;
        this.held = held;
        this.confirmations = confirmations;
        this.queue = queue;
        this.targets = targets;
        this.drivers = drivers;
        this.environment = environment;
        this.metrics = metrics;
        this.rollouts = rollouts;
        this.replica = truncate(ManagementFactory.getRuntimeMXBean().getName(), 60) + "/"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    void start(@Observes StartupEvent event) {
        if (config.concurrency() == 0) {
            LOG.info("RESTART_CONCURRENCY is 0: this replica executes no restarts");
            return;
        }
        dispatcher = Executors.newSingleThreadExecutor(threads("restart-dispatch"));
        // at most RESTART_CONCURRENCY changing runtimes, plus those only being checked (see dispatch)
        workers = Executors.newCachedThreadPool(threads("restart-worker"));
        calls = Executors.newCachedThreadPool(threads("restart-driver"));
        LOG.infof("restart executor %s: %d at a time, %ds per runtime, %d attempts", replica, config.concurrency(),
                config.timeoutSeconds(), config.attempts());
        wake();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        for (ExecutorService pool : new ExecutorService[] {dispatcher, workers, calls}) {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /** Once the plan is committed, its results are due. */
    void onPlanned(@Observes(during = TransactionPhase.AFTER_SUCCESS) RestartPlanned planned) {
        wake();
    }

    @Scheduled(every = "2s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        if (dispatcher == null || stopping) {
            return;
        }
        wake();
        for (long run : queue.stranded()) {
            queue.finishIfDone(run).ifPresent(this::finished);
        }
    }

    /** Asks the dispatcher to claim as much due work as there are free workers. */
    public void wake() {
        if (dispatcher != null && !stopping) {
            try {
                dispatcher.execute(this::dispatch);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    private void dispatch() {
        int free = Math.min(config.concurrency() - busy.get(),
                config.concurrency() * UNDER_WAY_PER_PLACE - underWay.get());
        if (free <= 0 || stopping) {
            return;
        }
        List<RestartQueue.Claim> claims;
        try {
            claims = queue.claim(replica, free, config.lease());
        } catch (RuntimeException e) {
            LOG.warnf("restart executor: claiming work failed (%s); the next poll tries again", e.getMessage());
            return;
        }
        for (RestartQueue.Claim claim : claims) {
            busy.incrementAndGet();
            underWay.incrementAndGet();
            AtomicBoolean counted = new AtomicBoolean(true);
            Runnable release = () -> {
                if (counted.compareAndSet(true, false)) {
                    busy.decrementAndGet();
                    wake();
                }
            };
            workers.execute(() -> {
                try {
                    execute(claim, release);
                } catch (RuntimeException e) {
                    if (stopping) {
                        LOG.infof("restart run %d: result %d left unfinished by the shutdown; once its lease runs"
                                + " out a replica takes it over", claim.runId(), claim.id());
                    } else {
                        LOG.errorf(e, "restart run %d: result %d could not be recorded; once its lease runs out a"
                                + " replica takes it over", claim.runId(), claim.id());
                    }
                } finally {
                    underWay.decrementAndGet();
                    release.run();
                }
            });
        }
    }

    /** The outcome of one driver call. */
    private record Outcome<T>(T value, String state, String error) {
    }

    /** Executes one claim; {@code checking} frees its place among the concurrency ({@link RestartOrder#checking()}). */
    void execute(RestartQueue.Claim claim, Runnable checking) {
        String what = "restart run " + claim.runId() + ", " + claim.targetName()
                + (claim.runtime() == null ? "" : " / " + claim.runtime());
        if (claim.attempts() > config.attempts()) {
            finish(claim, RestartResult.FAILED, "the replica restarting it stopped before it finished, and all "
                    + config.attempts() + " attempts are used");
            return;
        }
        Optional<RuntimeTarget> target = targets.find(claim.targetId());
        Optional<RuntimeDriver> driver = drivers.find(claim.driver());
        if (target.isEmpty() || driver.isEmpty()) {
            finish(claim, RestartResult.FAILED, target.isEmpty() ? "the target was deleted"
                    : "this Keyhouse has no driver " + claim.driver());
            return;
        }
        TargetSpec spec;
        try {
            spec = targets.spec(target.get());
        } catch (RuntimeException e) {
            finish(claim, RestartResult.FAILED, FailureText.of(e));
            return;
        }
        Instant deadline = Instant.now().plus(config.timeout());
        if (claim.runtime() == null) {
            discover(claim, spec, driver.get(), deadline, checking, what);
            return;
        }
        // a rollout's own restart moves the runtime onto the current environment; any other run restarts it onto
        // what runtime-config serves it by name: an open rollout's held configuration while its wave has not come
        ProviderEnvironment.RuntimeEnvironment env = claim.rollout()
                ? environment.current().receivedBy(List.of(claim.targetId()))
                : environment.forRestart(claim.runtime(), claim.targetId());
        if (!env.errors().isEmpty()) {
            // restarting on an environment with a key missing would take the runtime down, not update it
            outcome(claim, RestartResult.FAILED, incomplete(env), what);
            return;
        }
        RestartOrder order = order(claim, env, deadline, checking);
        List<String> secrets = new ArrayList<>(RestartOrder.secretValues(env.env()));
        secrets.addAll(spec.secrets().values());
        // a run that is not a rollout has no gate: a target with confirmation none is not asked, as in a rollout
        Confirmations.Decision notAsked = claim.rollout() ? null : notAsked(target.get(), what);
        settleEarlier(claim, what);
        Outcome<Boolean> restarted = call(() -> {
            if (claim.rollout()) {
                driver.get().prepare(spec, order);
            }
            driver.get().restart(spec, claim.runtime(), order);
            return Boolean.TRUE;
        }, secrets, what);
        // a runtime named after its target learns that name now and keeps it until its next restart (b19 C)
        outcome(claim, restarted.state() == null ? RestartResult.RESTARTED : restarted.state(), restarted.error(), what,
                env.version(), notAsked, driver.get().runtimeIsTarget() ? spec.name() : null);
    }

    /**
     * A planned row: discovers the target's runtimes and records them ({@link RestartQueue#expand}). A run that is not
     * a rollout prepares the target here ({@link RuntimeDriver#prepare}) with what its runtimes are served by name
     * ({@link ProviderEnvironment#forRestart}), once per distinct environment among them (a runtime an open rollout
     * holds is prepared its held configuration, the others theirs); one that cannot be served fails the claim, nothing
     * prepared. A rollout prepares right before each restart, when the runtime's wave has come.
     */
    private void discover(RestartQueue.Claim claim, TargetSpec spec, RuntimeDriver driver, Instant deadline,
            Runnable checking, String what) {
        List<String> secrets = new ArrayList<>(spec.secrets().values());
        if (claim.rollout()) {
            // its restarts move the runtimes onto the current environment: none is discovered to fail on it
            ProviderEnvironment.RuntimeEnvironment env = environment.current().receivedBy(List.of(claim.targetId()));
            if (!env.errors().isEmpty()) {
                outcome(claim, RestartResult.FAILED, incomplete(env), what);
                return;
            }
        }
        Outcome<List<String>> discovered = call(() -> driver.discover(spec), secrets, what);
        if (discovered.state() != null) {
            outcome(claim, discovered.state(), discovered.error(), what);
            return;
        }
        if (discovered.value() == null || discovered.value().isEmpty()) {
            finish(claim, RestartResult.FAILED, "the " + claim.driver() + " driver found no runtimes for this target");
            return;
        }
        if (!claim.rollout()) {
            java.util.Map<String, ProviderEnvironment.RuntimeEnvironment> served = new java.util.LinkedHashMap<>();
            for (String runtime : discovered.value()) {
                ProviderEnvironment.RuntimeEnvironment env = environment.forRestart(runtime, claim.targetId());
                if (!env.errors().isEmpty()) {
                    outcome(claim, RestartResult.FAILED, incomplete(env), what);
                    return;
                }
                served.putIfAbsent(env.configuration() + "\n" + env.env(), env);
            }
            for (ProviderEnvironment.RuntimeEnvironment env : served.values()) {
                secrets.addAll(RestartOrder.secretValues(env.env()));
            }
            for (ProviderEnvironment.RuntimeEnvironment env : served.values()) {
                RestartOrder order = order(claim, env, deadline, checking);
                Outcome<Boolean> prepared = call(() -> {
                    driver.prepare(spec, order);
                    return Boolean.TRUE;
                }, secrets, what);
                if (prepared.state() != null) {
                    outcome(claim, prepared.state(), prepared.error(), what);
                    return;
                }
            }
        }
        if (queue.expand(claim, List.copyOf(discovered.value()))) {
            LOG.infof("%s: %d runtimes to restart", what, discovered.value().size());
            if (claim.rollout()) {
                // committed: the gate assigns the waves now, not at its next tick
                rollouts.get().wake();
            }
        }
    }

    private static RestartOrder order(RestartQueue.Claim claim, ProviderEnvironment.RuntimeEnvironment env,
            Instant deadline, Runnable checking) {
        return new RestartOrder(claim.runId(), env.version(), env.env(), env.managedNames(), deadline, claim.id(),
                claim.attempts(), checking, env.configuration());
    }

    /** Why a restart onto {@code env} is refused: what cannot be served, in the words runtime-config's 503 uses. */
    private static String incomplete(ProviderEnvironment.RuntimeEnvironment env) {
        return "not restarted: the provider environment is incomplete: " + String.join("; ", env.errors());
    }

    /**
     * The target's confirmation when it is none ({@link Confirmations#decide}: set so, or auto finding no signal), for
     * a run that is not a rollout; null for any other (such a run's runtimes confirm by fetching what they were
     * restarted onto), and when it cannot be decided now.
     */
    private Confirmations.Decision notAsked(RuntimeTarget target, String what) {
        try {
            Confirmations.Decision decision = confirmations.decide(target);
            return Confirmations.NONE.equals(decision.mode()) ? decision : null;
        } catch (RuntimeException e) {
            LOG.infof("%s: its confirmation could not be decided (%s); a fetch confirms it", what, e.getMessage());
            return null;
        }
    }

    /**
     * Runs a driver call under the timeout; an over-long call is interrupted. A driver that stops the runtime at the
     * deadline itself ({@link RestartTimedOut}) ends it timed out as well, with what the runtime said (a command's
     * last output, marked off as {@link RuntimeOutput}). Errors come back in plain words
     * ({@link FailureText}) and masked against every held secret ({@link HeldSecrets}); the exception's class and
     * stack go to the log only, masked as well and without the runtime's own text ({@link RuntimeOutput#logged}).
     */
    private <T> Outcome<T> call(Callable<T> work, List<String> secrets, String what) {
        Future<T> future = calls.submit(work);
        try {
            return new Outcome<>(future.get(config.timeoutSeconds(), TimeUnit.SECONDS), null, null);
        } catch (TimeoutException e) {
            future.cancel(true);
            return new Outcome<>(null, RestartResult.TIMED_OUT, timedOut());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // the text came from outside (an upstream's body, a command's output): it may echo any secret Keyhouse
            // holds, the configured ones, a shared secret or an earlier key version included
            UnaryOperator<String> mask = held.masker(secrets);
            if (cause instanceof RestartTimedOut stopped) {
                // the driver stopped the runtime at the deadline itself, keeping what it said (a command's output)
                String detail = FailureText.readable(FailureText.words(stopped));
                return new Outcome<>(null, RestartResult.TIMED_OUT,
                        mask.apply(detail.isEmpty() ? timedOut() : timedOut() + "; " + detail));
            }
            // the log never holds the runtime's own text (a command's output, a webhook's answer): masking it cannot
            // be complete, so it is shown to admins only (RuntimeOutput)
            UnaryOperator<String> logged = text -> RuntimeOutput.logged(mask.apply(text));
            LOG.infof(LogMask.MaskedThrowable.of(cause, logged), "%s: the driver failed with %s", what,
                    cause.getClass().getName());
            return new Outcome<>(null, RestartResult.FAILED, mask.apply(FailureText.of(cause)));
        } catch (InterruptedException e) {
            // shutting down: the claim stays, and its lease hands it to the next replica
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting; left for the next replica");
        }
    }

    /** Keyhouse's reason for a restart stopped at RESTART_TIMEOUT_SECONDS. */
    private String timedOut() {
        return "did not finish within " + config.timeoutSeconds() + " s (RESTART_TIMEOUT_SECONDS); stopped";
    }

    /**
     * Settles the runtime's earlier results before it restarts ({@link RestartQueue#settleEarlier}); a failure is
     * logged (no value in it) and the restart goes on: only those earlier reports' descriptions are at stake.
     */
    private void settleEarlier(RestartQueue.Claim claim, String what) {
        try {
            queue.settleEarlier(claim);
        } catch (RuntimeException e) {
            LOG.warnf("%s: the runtime's earlier results could not be settled before its restart (%s): their reports"
                    + " may count a fetch made after it", what, e.getClass().getSimpleName());
        }
    }

    private void outcome(RestartQueue.Claim claim, String state, String error, String what) {
        outcome(claim, state, error, what, null, null, null);
    }

    private void outcome(RestartQueue.Claim claim, String state, String error, String what, Long envVersion,
            Confirmations.Decision notAsked, String restartedAs) {
        if (RestartResult.FAILED.equals(state) && claim.attempts() < config.attempts()) {
            Duration wait = config.backoff().multipliedBy(1L << Math.min(claim.attempts() - 1, 20));
            LOG.infof("%s: attempt %d of %d failed, retrying in %d ms: %s", what, claim.attempts(),
                    config.attempts(), wait.toMillis(), RuntimeOutput.logged(error));
            queue.retryLater(claim, error, Instant.now().plus(wait));
            wakeWhenDue(wait);
            return;
        }
        if (RestartResult.RESTARTED.equals(state)) {
            LOG.infof("%s: restarted (attempt %d)", what, claim.attempts());
        } else {
            LOG.warnf("%s: %s after %d attempts: %s", what, state, claim.attempts(), RuntimeOutput.logged(error));
        }
        finish(claim, state, error, envVersion, notAsked, restartedAs);
    }

    /**
     * Wakes the dispatcher once a retry is due ({@link #DUE_MARGIN} after its backoff, so the claim's {@code now()}
     * has passed {@code next_attempt_at}), rather than at the next poll, up to 2 s later. The poll still claims it
     * when this wake is lost (this replica stopping, another one free).
     */
    private void wakeWhenDue(Duration wait) {
        CompletableFuture.delayedExecutor(wait.plus(DUE_MARGIN).toMillis(), TimeUnit.MILLISECONDS)
                .execute(this::wake);
    }

    private void finish(RestartQueue.Claim claim, String state, String error) {
        finish(claim, state, error, null, null, null);
    }

    private void finish(RestartQueue.Claim claim, String state, String error, Long envVersion,
            Confirmations.Decision notAsked, String restartedAs) {
        Optional<RestartQueue.Finished> run = queue.finish(claim, state, error, envVersion, notAsked, restartedAs);
        metrics.result(claim.driver(), state);
        run.ifPresent(this::finished);
        if (claim.rollout()) {
            rollouts.get().wake();
        }
    }

    private void finished(RestartQueue.Finished run) {
        metrics.runFinished(run.state(), run.duration());
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static String truncate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max);
    }
}
