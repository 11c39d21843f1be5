package dev.keyhouse.checks;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.egress.Egress;
import dev.keyhouse.egress.EgressProxy;
import dev.keyhouse.egress.EgressRefused;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.vault.VaultReferences;
import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs live provider key checks: finds the {@link ProviderCheck} for a kind and provider, makes its calls through
 * {@link Egress}, classifies each answer, then repeats the first call with a decoy key (the negative control) and
 * decides the {@link CheckOutcome}.
 *
 * <p>Checks run on a small bounded pool, never on the caller's thread, so a hung provider holds at most the pool's
 * threads: a caller waits at most the check's own bound, and when every slot and the queue are taken a new check is
 * refused at once with {@link ChecksBusy}. Callers must not hold a database connection while they wait.
 *
 * <p>Nothing of an answer is kept beyond its status and the code {@link ProviderCheck#classify} reads from it. A
 * redirect (3xx) is never followed and is {@link CheckResult#UNEXPECTED} ({@code redirect}) before any check
 * classifies it. Calls go through the configured egress proxy ({@link EgressProxy}).
 */
@ApplicationScoped
public class ProviderChecks {

    private static final Logger LOG = Logger.getLogger(ProviderChecks.class);
    /** Checks that may run at once. */
    static final int THREADS = 4;
    /** Checks that may wait for a thread; more are refused with {@link ChecksBusy}. */
    static final int QUEUE = 16;
    /** The most of an answer read for classification; a longer answer is classified by its status alone. */
    static final int BODY_LIMIT = 64 * 1024;
    /** The timeout of one call when none is configured. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ProviderCheck> checks;
    private final Egress egress;
    private final Duration timeout;
    private final ThreadPoolExecutor pool;
    /** Resolves {@code vault:} references in a target's secrets; none without {@link #withVault}. */
    private volatile VaultReferences vault;
    /** Counts every check; null for checks built outside CDI (tests of one adapter). */
    @Inject
    CheckMetrics metrics;

    /** The most {@code PROVIDER_CHECK_TIMEOUT_SECONDS} may be. */
    public static final int MAX_TIMEOUT_SECONDS = 120;

    /**
     * The application's checks: through {@code proxy} ({@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}), each
     * call waiting at most {@code timeoutSeconds} ({@code PROVIDER_CHECK_TIMEOUT_SECONDS}, 1 to
     * {@value #MAX_TIMEOUT_SECONDS}) for its answer.
     */
    @Inject
    public ProviderChecks(@Any Instance<ProviderCheck> checks, Egress egress, EgressProxy proxy,
            @ConfigProperty(name = "keyhouse.checks.timeout-seconds", defaultValue = "10") int timeoutSeconds) {
        this(checks.stream().toList(), egress.through(proxy), Duration.ofSeconds(timeoutSeconds));
    }

    /** Checks the value a {@code vault:} reference in a secret resolves to, never the reference itself. */
    @Inject
    void withVault(VaultReferences references) {
        this.vault = references;
    }

    /**
     * @param timeout how long one call may wait for its answer once connected (connecting has its own
     *        {@link Egress#CONNECT_TIMEOUT})
     * @throws IllegalStateException when two checks claim the same kind and provider
     */
    public ProviderChecks(Collection<ProviderCheck> checks, Egress egress, Duration timeout) {
        this.checks = checks.stream().flatMap(c -> c.providers().stream().map(p -> Map.entry(key(c.kind(), p), c)))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> {
                    throw new IllegalStateException("two checks for one provider: " + a + ", " + b);
                }));
        if (timeout.isNegative() || timeout.isZero() || timeout.toSeconds() > MAX_TIMEOUT_SECONDS) {
            throw new IllegalArgumentException("PROVIDER_CHECK_TIMEOUT_SECONDS must be 1 to " + MAX_TIMEOUT_SECONDS);
        }
        this.egress = egress;
        this.timeout = timeout;
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                work -> {
                    Thread thread = new Thread(work, "keyhouse-provider-check");
                    thread.setDaemon(true);
                    return thread;
                });
        this.pool.allowCoreThreadTimeOut(true);
    }

    /** How long one call may wait for its answer once connected. */
    public Duration timeout() {
        return timeout;
    }

    /** The Egress calls go through (with the proxy, when one is configured). */
    Egress egress() {
        return egress;
    }

    /** Checks waiting for a thread now (at most {@value #QUEUE}). */
    int waiting() {
        return pool.getQueue().size();
    }

    /** The check of a kind's provider, if Keyhouse has one. */
    public Optional<ProviderCheck> checkFor(ProviderKind kind, String provider) {
        return Optional.ofNullable(checks.get(key(kind, provider)));
    }

    /**
     * Checks a key live. Never throws for what the provider does: every failure is a classified outcome. Every check
     * that ran is counted on {@code keyhouse_provider_check_total} ({@link CheckMetrics}).
     *
     * @throws ChecksBusy when every slot and the queue are taken, or a queued check got no thread within one check's
     *         bound; nothing was sent (and nothing counted)
     * @throws FieldErrors naming a secret whose {@code vault:} reference cannot be resolved (as runtime-config words
     *         it: "cannot be resolved: Vault at … is sealed …"); nothing was sent
     */
    public CheckOutcome check(CheckTarget target) {
        CheckOutcome outcome = decide(resolved(target));
        if (metrics != null) {
            metrics.counted(outcome);
        }
        return outcome;
    }

    /**
     * The target with each secret that holds a {@code vault:} reference replaced by the value it resolves to (a Vault
     * call unless cached: the caller holds no database connection, see {@link dev.keyhouse.settings.CheckedSaves}).
     */
    private CheckTarget resolved(CheckTarget target) {
        Map<String, String> values = new java.util.LinkedHashMap<>(target.values());
        FieldErrors errors = new FieldErrors();
        boolean any = false;
        for (String field : target.secrets()) {
            String value = target.value(field);
            if (!VaultReference.isReference(value)) {
                continue;
            }
            any = true;
            VaultReference reference = VaultReference.parse(value).orElse(null);
            if (reference == null) {
                errors.add(field, VaultReference.FORM);
            } else if (vault == null) {
                errors.add(field, "cannot be resolved: Vault references are not resolved here");
            } else {
                try {
                    values.put(field, vault.resolve(reference).value());
                } catch (VaultReferences.Unresolvable e) {
                    errors.add(field, "cannot be resolved: " + e.getMessage());
                }
            }
        }
        errors.throwIfAny();
        return any ? new CheckTarget(target.kind(), target.provider(), values, target.secrets()) : target;
    }

    private CheckOutcome decide(CheckTarget target) {
        CountDownLatch begun = new CountDownLatch(1);
        AtomicReference<Instant> startedAt = new AtomicReference<>();
        Future<CheckOutcome> running;
        try {
            running = pool.submit(() -> {
                // microseconds, as PostgreSQL keeps them: the outcome reads back exactly as it was recorded
                Instant started = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
                startedAt.set(started);
                begun.countDown();
                return run(target, started);
            });
        } catch (RejectedExecutionException e) {
            throw new ChecksBusy();
        }
        // at most two calls with the real key and one decoy, each bounded by Egress
        long bound = 3 * (timeout.toMillis() + Egress.CONNECT_TIMEOUT.toMillis()) + 1000;
        try {
            // waiting for a thread is not the provider's time: a check that never got one is busy, never a result
            // (an "unreachable" would let an enforce-mode save through without the provider having been asked)
            if (!begun.await(bound, TimeUnit.MILLISECONDS) && running.cancel(false)) {
                throw new ChecksBusy();
            }
            return running.get(bound, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            running.cancel(true);
            Thread.currentThread().interrupt();
            return outcome(target, startedOr(startedAt), Verdict.of(CheckResult.UNREACHABLE, "interrupted"), null,
                    NegativeControl.NOT_RUN, 0);
        } catch (TimeoutException e) {
            running.cancel(true);
            Instant started = startedOr(startedAt);
            return outcome(target, started, Verdict.of(CheckResult.UNREACHABLE, "timeout"), null,
                    NegativeControl.NOT_RUN, Duration.between(started, Instant.now()).toMillis());
        } catch (ExecutionException e) {
            // a check's own fault; its message may name fields, never values
            LOG.errorf("provider check %s failed: %s", target, e.getCause().getClass().getName());
            Instant started = startedOr(startedAt);
            return outcome(target, started, Verdict.of(CheckResult.UNEXPECTED, "check_failed"), null,
                    NegativeControl.NOT_RUN, Duration.between(started, Instant.now()).toMillis());
        }
    }

    private static Instant startedOr(AtomicReference<Instant> startedAt) {
        Instant started = startedAt.get();
        return started != null ? started : Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private CheckOutcome run(CheckTarget target, Instant started) throws InterruptedException {
        ProviderCheck check = checks.get(key(target.kind(), target.provider()));
        if (check == null) {
            return outcome(target, started, Verdict.of(CheckResult.UNVERIFIABLE, "no_check"), null,
                    NegativeControl.NOT_RUN, 0);
        }
        List<ProviderCall> calls;
        try {
            calls = check.calls(target);
        } catch (IllegalArgumentException e) {
            return outcome(target, started, Verdict.of(CheckResult.UNVERIFIABLE, "incomplete"), null,
                    NegativeControl.NOT_RUN, 0);
        }
        if (calls.isEmpty()) {
            return outcome(target, started, Verdict.of(CheckResult.UNVERIFIABLE, "no_check"), null,
                    NegativeControl.NOT_RUN, 0);
        }
        CheckTarget decoy = target.decoy();
        List<String> secrets = new java.util.ArrayList<>();
        for (String field : target.secrets()) {
            secrets.add(target.value(field));
            secrets.add(decoy.value(field));
        }
        long begin = System.nanoTime();
        Answered decided = null;
        for (ProviderCall call : calls) {
            decided = send(check, call, secrets);
            if (decided.verdict().result() != CheckResult.OK) {
                break;
            }
        }
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        if (decided.verdict().result() == CheckResult.UNREACHABLE) {
            return outcome(target, started, decided.verdict(), decided.status(), NegativeControl.NOT_RUN, durationMs);
        }
        Answered control = send(check, check.calls(decoy).get(0), secrets);
        CheckResult controlResult = control.verdict().result();
        NegativeControl negative = controlResult == CheckResult.INVALID_KEY ? NegativeControl.REJECTED
                : NegativeControl.ACCEPTED;
        Verdict verdict = decided.verdict();
        boolean judged = verdict.result() != CheckResult.UNEXPECTED && verdict.result() != CheckResult.RATE_LIMITED;
        if (negative == NegativeControl.ACCEPTED && judged
                && (verdict.result() == CheckResult.OK || verdict.result() == controlResult)) {
            // the provider answers a made-up key as it answered the real one: the answer does not depend on the key
            // (an answer that judged nothing, a redirect, a 5xx or a rate limit, stays what it was)
            verdict = new Verdict(CheckResult.UNVERIFIABLE, verdict.code());
        }
        return outcome(target, started, verdict, decided.status(), negative, durationMs);
    }

    private record Answered(Verdict verdict, Integer status) {
    }

    /** Sends one call; the verdict's code is dropped when it shares a run with any of {@code secrets}. */
    private Answered send(ProviderCheck check, ProviderCall call, List<String> secrets) throws InterruptedException {
        Egress.Request request = new Egress.Request(call.method(), call.uri(), call.headers(), call.body(),
                call.body() == null ? null : "application/json", timeout, BODY_LIMIT, "the provider");
        Egress.Answer answer;
        try {
            answer = egress.send(request);
        } catch (EgressRefused e) {
            LOG.debugf("provider check %s not sent: %s", call, e.getMessage());
            return new Answered(Verdict.of(CheckResult.UNREACHABLE, "egress_refused"), null);
        } catch (IOException e) {
            return new Answered(Verdict.of(CheckResult.UNREACHABLE), null);
        }
        if (answer.status() >= 300 && answer.status() < 400) {
            // never followed (Egress follows no redirect, so a key never travels to another host) and never ok
            LOG.debugf("provider check %s answered HTTP %d, a redirect: not followed", call, answer.status());
            return new Answered(Verdict.of(CheckResult.UNEXPECTED, "redirect"), answer.status());
        }
        Verdict verdict = check.classify(call, answer.status(), json(answer.body())).withoutSecrets(secrets);
        return new Answered(verdict, answer.status());
    }

    /** The answer as JSON, or null when it is not JSON or was cut at {@link #BODY_LIMIT}. */
    private static JsonNode json(byte[] body) {
        if (body.length == 0 || body.length >= BODY_LIMIT) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static CheckOutcome outcome(CheckTarget target, Instant started, Verdict verdict, Integer status,
            NegativeControl negative, long durationMs) {
        CheckOutcome outcome = new CheckOutcome(target.kind().id(), target.provider(), verdict.result(), status,
                verdict.code(), started, durationMs, negative);
        LOG.infof("provider check %s/%s: %s in %d ms", target.kind().id(), target.provider(), outcome.summary(),
                durationMs);
        return outcome;
    }

    private static String key(ProviderKind kind, String provider) {
        return kind.id() + "/" + provider;
    }
}
