package dev.keyhouse.runtimes;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.egress.Egress;
import dev.keyhouse.egress.EgressRefused;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.runtimes.http.HttpDriver;
import dev.keyhouse.runtimes.http.WebhookSignature;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Sends a rollout that ended {@code rolled_back}, {@code halted} or {@code aborted} to {@code ROLLOUT_NOTIFY_URL} as
 * one signed JSON event (succeeded and superseded are not alerts: a superseding rollout alerts on its own outcome):
 *
 * <pre>
 * POST &lt;ROLLOUT_NOTIFY_URL&gt;
 * Content-Type: application/json
 * X-Keyhouse-Timestamp: 1795390675
 * X-Keyhouse-Signature: sha256=&lt;64 hex digits&gt;
 *
 * {"event":"rollout.halted","run":12,"kind":"llm","version":7,"settingsVersion":7,"rollbackVersion":null,
 *  "reason":"the new key and the previous key both fail: invalid_key / invalid_key — enter a working key",
 *  "at":"2026-11-30T11:02:03.456Z"}
 * </pre>
 *
 * <p>{@code version} is the kind's settings version the rollout took out (not the configuration version runtimes
 * fetch; {@code settingsVersion} is the same number, named for what it counts), {@code rollbackVersion} the settings
 * version an automatic rollback saved (null when none), {@code at} when the rollout ended (ISO-8601, UTC). The signature is the http
 * driver's ({@link WebhookSignature}) under {@code ROLLOUT_NOTIFY_SECRET}, so a receiver verifies both alike. The body
 * holds no secret.
 *
 * <p>Sent through {@link Egress} ({@code EGRESS_ALLOWED_HOSTS} applies at every send), never on the caller's thread:
 * {@link #send} queues the event and returns. Each attempt waits at most {@link RolloutNotifyConfig#timeout()}; only a
 * 2xx answer counts (its body is never read); a failure is retried with doubling backoff up to
 * {@link RolloutNotifyConfig#attempts()} attempts, each with a fresh timestamp and the same body, so a receiver may
 * take a second event with the same {@code run} and {@code event} as a repeat. A host the egress policy refuses is not
 * retried. An event not delivered is logged at WARN (the URL without query or user info, the status or "could not
 * reach", never a body); nothing here reaches the rollout. Delivery is in memory: an event still being retried when
 * Keyhouse stops is lost (the log line and the metric remain).
 */
@Startup
@ApplicationScoped
public class RolloutNotifier {

    /** The outcomes sent to {@code ROLLOUT_NOTIFY_URL}: those an operator has to look at. */
    public static final Set<String> SENT_FOR = Set.of(RestartRun.ROLLED_BACK, RestartRun.HALTED, RestartRun.ABORTED);
    /** What {@link Egress} calls the receiver when it cannot be reached. */
    static final String PEER = "the rollout alert receiver";
    /** How much of the receiver's answer is read: none, only its status counts. */
    static final int STATUS_ONLY = 0;
    public static final String URL_VARIABLE = "ROLLOUT_NOTIFY_URL";
    public static final String SECRET_VARIABLE = "ROLLOUT_NOTIFY_SECRET";

    private static final Logger LOG = Logger.getLogger(RolloutNotifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Egress egress;
    private final URI url;
    private final String secret;
    private final Duration timeout;
    private final int attempts;
    private final Duration backoff;
    private final ScheduledExecutorService sender;

    @Inject
    public RolloutNotifier(Egress egress, RolloutNotifyConfig config) {
        this(egress, config.url().orElse(null), config.secret().orElse(null), config.timeout(), config.attempts(),
                config.backoff());
    }

    /**
     * @param url {@code ROLLOUT_NOTIFY_URL}, or null: nothing is sent
     * @param secret {@code ROLLOUT_NOTIFY_SECRET}; with a URL, required
     */
    RolloutNotifier(Egress egress, String url, String secret, Duration timeout, int attempts, Duration backoff) {
        this.egress = egress;
        this.secret = secret;
        this.timeout = timeout;
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
        List<String> problems = problems(url, secret);
        if (url == null || url.isBlank()) {
            this.url = null;
        } else if (!problems.isEmpty()) {
            // start-up refuses these (StartupCheck); a test or an embedding that skips it still sends nothing
            LOG.errorf("rollout alerts are not sent: %s", String.join("; ", problems));
            this.url = null;
        } else {
            this.url = URI.create(FieldRules.clean(FieldType.URL, url).value());
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, work -> {
            Thread thread = new Thread(work, "keyhouse-rollout-alerts");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.sender = executor;
    }

    /**
     * What is wrong with the pair as configured, one line per problem naming the variable, never a value (see
     * {@link #urlProblem}, {@link #secretProblem}); a URL needs a secret. Empty when fine or both unset.
     */
    public static List<String> problems(String url, String secret) {
        List<String> problems = new ArrayList<>();
        boolean urlSet = url != null && !url.isBlank();
        if (urlSet) {
            urlProblem(URL_VARIABLE, url).ifPresent(problems::add);
        }
        if (urlSet && (secret == null || secret.isEmpty())) {
            problems.add(secretMissing());
        } else {
            secretProblem(SECRET_VARIABLE, secret).ifPresent(problems::add);
        }
        return problems;
    }

    /**
     * Why {@code url} cannot be the alert URL, naming {@code variable}: it must be an http(s) URL with a host and no
     * user name or password (the rules of a URL field, {@link FieldType#URL}; Java's client must take its host).
     */
    public static Optional<String> urlProblem(String variable, String url) {
        return Optional.ofNullable(HttpDriver.urlProblem(url)).map(problem -> variable + " " + problem);
    }

    /** Why {@code secret} cannot sign alerts, naming {@code variable}: shorter than {@link WebhookSignature#MIN_SECRET_LENGTH}. */
    public static Optional<String> secretProblem(String variable, String secret) {
        return secret != null && !secret.isEmpty() && secret.length() < WebhookSignature.MIN_SECRET_LENGTH
                ? Optional.of(variable + " must be at least " + WebhookSignature.MIN_SECRET_LENGTH
                        + " characters: generate one with: openssl rand -hex 32")
                : Optional.empty();
    }

    /** The problem of a URL set without its secret. */
    public static String secretMissing() {
        return SECRET_VARIABLE + " is not set: " + URL_VARIABLE + " is set and every rollout alert is signed with it;"
                + " generate one with: openssl rand -hex 32";
    }

    /** {@code url} as it is sent to (canonical), for the egress policy's check at start-up; empty when unset or invalid. */
    public static Optional<URI> parsed(String url) {
        if (url == null || url.isBlank() || HttpDriver.urlProblem(url) != null) {
            return Optional.empty();
        }
        return Optional.of(URI.create(FieldRules.clean(FieldType.URL, url).value()));
    }

    /** Whether events are sent at all ({@code ROLLOUT_NOTIFY_URL} set and valid). */
    public boolean enabled() {
        return url != null;
    }

    /**
     * Queues {@code ended} for delivery when its outcome is one of {@link #SENT_FOR} and a URL is set; returns at once.
     *
     * @return whether it was queued
     */
    public boolean send(RolloutEnded ended) {
        if (url == null || !SENT_FOR.contains(ended.outcome())) {
            return false;
        }
        byte[] body;
        try {
            body = body(ended);
        } catch (JsonProcessingException e) {
            LOG.warnf("rollout alert for run %d not sent: its event could not be written (%s)", ended.runId(),
                    e.getClass().getName());
            return false;
        }
        Delivery delivery = new Delivery("rollout." + ended.outcome(), ended.runId(), body);
        try {
            sender.execute(() -> attempt(delivery, 1));
            return true;
        } catch (RejectedExecutionException e) {
            LOG.warnf("%s not sent: Keyhouse is stopping", delivery);
            return false;
        }
    }

    /** The event's JSON body, as documented above. */
    static byte[] body(RolloutEnded ended) throws JsonProcessingException {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", "rollout." + ended.outcome());
        event.put("run", ended.runId());
        event.put("kind", ended.kind());
        event.put("version", ended.settingsVersion());
        event.put("settingsVersion", ended.settingsVersion());
        event.put("rollbackVersion", ended.rollbackVersion());
        event.put("reason", ended.reason());
        event.put("at", ended.at() == null ? null : ended.at().toString());
        return JSON.writeValueAsBytes(event);
    }

    private record Delivery(String event, long run, byte[] body) {

        @Override
        public String toString() {
            return "rollout alert " + event + " for run " + run;
        }
    }

    private void attempt(Delivery delivery, int attempt) {
        String where = Egress.safeUrl(url);
        String problem;
        try {
            String timestamp = String.valueOf(Instant.now().getEpochSecond());
            Egress.Answer answer = egress.post(new Egress.Post(url, "application/json", delivery.body(), Map.of(
                    "User-Agent", "keyhouse",
                    WebhookSignature.TIMESTAMP_HEADER, timestamp,
                    WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, timestamp, delivery.body())),
                    timeout, STATUS_ONLY, PEER));
            if (answer.status() / 100 == 2) {
                LOG.infof("%s delivered to %s", delivery, where);
                return;
            }
            problem = "the receiver answered HTTP " + answer.status() + " (only a 2xx answer counts)";
        } catch (EgressRefused e) {
            LOG.warnf("%s not delivered: the egress policy (EGRESS_ALLOWED_HOSTS) refuses it: %s", delivery,
                    e.getMessage());
            return;
        } catch (IOException e) {
            problem = e.getMessage(); // Egress.unreachable: the peer and URL, never a cause or body
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warnf("%s not delivered to %s: Keyhouse is stopping", delivery, where);
            return;
        }
        if (attempt >= attempts) {
            LOG.warnf("%s not delivered to %s after %s: %s; the rollout itself is not affected", delivery, where,
                    attempts == 1 ? "1 attempt" : attempts + " attempts", problem);
            return;
        }
        Duration wait = backoff.multipliedBy(1L << Math.min(attempt - 1, 20));
        LOG.debugf("%s: attempt %d of %d failed (%s); next in %d ms", delivery, attempt, attempts, problem,
                wait.toMillis());
        try {
            sender.schedule(() -> attempt(delivery, attempt + 1), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warnf("%s not delivered to %s: Keyhouse is stopping", delivery, where);
        }
    }

    /** Stops sending; an event still queued or waiting for a retry is logged at WARN as not delivered. */
    @PreDestroy
    void stop() {
        int dropped = sender.shutdownNow().size();
        if (dropped > 0) {
            LOG.warnf("%d rollout alert(s) not delivered: Keyhouse is stopping", dropped);
        }
    }
}
