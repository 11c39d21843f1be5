package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.egress.Egress;
import dev.keyhouse.egress.EgressPolicy;
import dev.keyhouse.runtimes.http.WebhookSignature;

/**
 * {@code ROLLOUT_NOTIFY_URL} delivery against a real HTTP receiver on 127.0.0.1: which outcomes are sent, the body
 * and its signature, retries with backoff, a bounded wait, the egress policy, and what a failure logs.
 */
class RolloutNotifierTest {

    private static final String SECRET = "rollout-notify-secret-5b2e81c4d0";
    private static final Instant AT = Instant.parse("2026-11-30T11:02:03.456Z");
    private static final String BOTH_FAIL =
            "the new key and the previous key both fail: invalid_key / invalid_key — enter a working key";

    /** Loopback listed, as the receiver stands in on it; no DNS. */
    private static final Egress LOOPBACK_ALLOWED = new Egress(EgressPolicy.parse("127.0.0.1,::1"), name -> {
        throw new java.net.UnknownHostException(name);
    });

    private AlertReceiver receiver;
    private RolloutNotifier notifier;
    private LogCapture log;

    @BeforeEach
    void start() throws Exception {
        receiver = new AlertReceiver(0);
        log = LogCapture.install();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.stop();
        }
        receiver.close();
        log.close();
    }

    private RolloutNotifier notifier(Egress egress, String url, int attempts, Duration timeout) {
        notifier = new RolloutNotifier(egress, url, SECRET, timeout, attempts, Duration.ofMillis(50));
        return notifier;
    }

    private static RolloutEnded ended(String outcome, String reason, Long rollbackVersion) {
        return new RolloutEnded(12, "llm", 7, outcome, reason, rollbackVersion, AT);
    }

    /** HMAC-SHA256(secret, timestamp + "." + body), lowercase hex, computed here without WebhookSignature. */
    private static String expectedSignature(AlertReceiver.Received request) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((request.timestamp() + ".").getBytes(StandardCharsets.US_ASCII));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(request.body()));
    }

    @Test
    void rolledBackHaltedAndAbortedAreSentSignedAndSucceededAndSupersededAreNot() throws Exception {
        RolloutNotifier notifier = notifier(LOOPBACK_ALLOWED, receiver.url(), 3, Duration.ofSeconds(5));
        Instant before = Instant.now();

        assertThat(notifier.send(ended("succeeded", null, null))).isFalse();
        assertThat(notifier.send(ended("superseded", "a newer save of llm (version 8) took over", null))).isFalse();
        assertThat(notifier.send(ended("halted", BOTH_FAIL, null))).isTrue();
        assertThat(notifier.send(ended("rolled_back", "canary chat-1 reported failing: invalid_key", 8L))).isTrue();
        assertThat(notifier.send(ended("aborted", "aborted by admin@keyhouse.test", 9L))).isTrue();

        // one sender in order: a succeeded or superseded event, had it been sent, would have come first
        AlertReceiver.Received halted = receiver.next(5);
        assertThat(halted).isNotNull();
        assertThat(halted.method()).isEqualTo("POST");
        assertThat(halted.contentType()).isEqualTo("application/json");
        assertThat(halted.text()).isEqualTo("{\"event\":\"rollout.halted\",\"run\":12,\"kind\":\"llm\",\"version\":7,"
                + "\"settingsVersion\":7,\"rollbackVersion\":null,\"reason\":\"" + BOTH_FAIL + "\",\"at\":\"2026-11-30T11:02:03.456Z\"}");
        assertThat(Long.parseLong(halted.timestamp())).isBetween(before.getEpochSecond(), Instant.now().getEpochSecond());
        assertThat(halted.signature()).isEqualTo(expectedSignature(halted)).doesNotContain(SECRET);
        assertThat(WebhookSignature.verify(SECRET, halted.timestamp(), halted.body(), halted.signature(), Instant.now(),
                WebhookSignature.DEFAULT_WINDOW)).isTrue();
        assertThat(WebhookSignature.verify("another-secret-of-16+", halted.timestamp(), halted.body(),
                halted.signature(), Instant.now(), WebhookSignature.DEFAULT_WINDOW)).isFalse();

        AlertReceiver.Received rolledBack = receiver.next(5);
        assertThat(rolledBack.text()).isEqualTo("{\"event\":\"rollout.rolled_back\",\"run\":12,\"kind\":\"llm\","
                + "\"version\":7,\"settingsVersion\":7,\"rollbackVersion\":8,\"reason\":\"canary chat-1 reported failing: invalid_key\","
                + "\"at\":\"2026-11-30T11:02:03.456Z\"}");
        assertThat(rolledBack.signature()).isEqualTo(expectedSignature(rolledBack));
        AlertReceiver.Received aborted = receiver.next(5);
        assertThat(aborted.text()).startsWith("{\"event\":\"rollout.aborted\",\"run\":12,").contains("\"rollbackVersion\":9");
        assertThat(aborted.signature()).isEqualTo(expectedSignature(aborted));
        assertThat(receiver.next(0.5)).as("nothing more").isNull();
        assertThat(RolloutNotifier.SENT_FOR).containsExactlyInAnyOrder("rolled_back", "halted", "aborted");
    }

    @Test
    void aRefusedAttemptIsRetriedWithTheSameBodyAndAFreshSignature() throws Exception {
        receiver.answer(500, 503);
        notifier(LOOPBACK_ALLOWED, receiver.url(), 4, Duration.ofSeconds(5)).send(ended("halted", BOTH_FAIL, null));

        AlertReceiver.Received first = receiver.next(5);
        AlertReceiver.Received second = receiver.next(5);
        AlertReceiver.Received third = receiver.next(5);
        assertThat(third).as("the third attempt, answered 204").isNotNull();
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(third.body()).isEqualTo(first.body());
        for (AlertReceiver.Received attempt : new AlertReceiver.Received[] {first, second, third}) {
            assertThat(attempt.signature()).isEqualTo(expectedSignature(attempt));
        }
        assertThat(receiver.next(0.5)).as("delivered: no fourth attempt").isNull();
        assertThat(log.text()).contains("dev.keyhouse.runtimes.RolloutNotifier INFO rollout alert rollout.halted for run"
                + " 12 delivered to " + receiver.url()).doesNotContain(" WARN ");
    }

    @Test
    void anEventNeverAcceptedIsAWarningWithoutTheAnswerTheSecretOrTheSignature() throws Exception {
        receiver.answer(500, 500, 500, 500);
        notifier(LOOPBACK_ALLOWED, receiver.url(), 3, Duration.ofSeconds(5)).send(ended("halted", BOTH_FAIL, null));

        StringBuilder signatures = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            AlertReceiver.Received attempt = receiver.next(5);
            assertThat(attempt).as("attempt %d", i + 1).isNotNull();
            signatures.append(attempt.signature()).append('\n');
        }
        assertThat(receiver.next(0.6)).as("3 attempts in all").isNull();
        String warning = "dev.keyhouse.runtimes.RolloutNotifier WARN rollout alert rollout.halted for run 12 not"
                + " delivered to " + receiver.url() + " after 3 attempts: the receiver answered HTTP 500 (only a 2xx"
                + " answer counts); the rollout itself is not affected";
        awaitLog(warning);
        assertThat(log.text()).doesNotContain(AlertReceiver.ANSWER_BODY, SECRET, "invalid_key");
        for (String signature : signatures.toString().split("\n")) {
            assertThat(log.text()).doesNotContain(signature.substring("sha256=".length()));
        }
    }

    @Test
    void aReceiverThatCannotBeReachedIsRetriedThenAWarning() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closed = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + "/alerts?token=planted-query-token-31";
        notifier(LOOPBACK_ALLOWED, url, 2, Duration.ofSeconds(2)).send(ended("rolled_back", "wave 2 failed", 8L));
        awaitLog("dev.keyhouse.runtimes.RolloutNotifier WARN rollout alert rollout.rolled_back for run 12 not delivered"
                + " to http://127.0.0.1:" + closed + "/alerts after 2 attempts: could not reach the rollout alert"
                + " receiver at http://127.0.0.1:" + closed + "/alerts; the rollout itself is not affected");
        assertThat(log.text()).doesNotContain("planted-query-token-31");
    }

    /** The caller (the engine's committing thread) never waits for the receiver; each attempt's wait is bounded. */
    @Test
    void aSlowReceiverNeverHoldsTheCallerAndEachAttemptIsBounded() throws Exception {
        receiver.delay(Duration.ofSeconds(4));
        RolloutNotifier notifier = notifier(LOOPBACK_ALLOWED, receiver.url(), 1, Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertThat(notifier.send(ended("halted", BOTH_FAIL, null))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1000));
        assertThat(receiver.next(5)).isNotNull();
        awaitLog("rollout alert rollout.halted for run 12 not delivered to " + receiver.url() + " after 1 attempt:"
                + " could not reach the rollout alert receiver at " + receiver.url());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("given up before the receiver answered")
                .isLessThan(Duration.ofMillis(3900));
    }

    /** EGRESS_ALLOWED_HOSTS applies at every send: a loopback receiver not listed gets nothing, and it is not retried. */
    @Test
    void theEgressPolicyRefusesAnUnlistedLoopbackReceiverBeforeAnyConnection() throws Exception {
        Egress publicOnly = new Egress(EgressPolicy.parse(""), name -> {
            throw new java.net.UnknownHostException(name);
        });
        notifier(publicOnly, receiver.url(), 3, Duration.ofSeconds(2)).send(ended("halted", BOTH_FAIL, null));
        awaitLog("dev.keyhouse.runtimes.RolloutNotifier WARN rollout alert rollout.halted for run 12 not delivered: the"
                + " egress policy (EGRESS_ALLOWED_HOSTS) refuses it: not sent to " + receiver.url() + ": ");
        assertThat(receiver.next(0.5)).as("no connection was made").isNull();
        assertThat(log.text().split("not delivered", -1)).as("refused once, not retried").hasSize(2);
    }

    /** No URL: nothing is sent. A bad pair (start-up refuses it) is named at construction, never quoted. */
    @Test
    void withoutAValidUrlAndSecretNothingIsSent() throws Exception {
        assertThat(notifier(LOOPBACK_ALLOWED, null, 3, Duration.ofSeconds(1)).send(ended("halted", BOTH_FAIL, null)))
                .isFalse();
        notifier.stop();
        RolloutNotifier withUserInfo = notifier(LOOPBACK_ALLOWED,
                "http://ops:hunter2-planted@127.0.0.1:" + receiver.port() + "/alerts", 3, Duration.ofSeconds(1));
        assertThat(withUserInfo.enabled()).isFalse();
        assertThat(withUserInfo.send(ended("halted", BOTH_FAIL, null))).isFalse();
        notifier.stop();
        RolloutNotifier noSecret = new RolloutNotifier(LOOPBACK_ALLOWED, receiver.url(), null, Duration.ofSeconds(1), 3,
                Duration.ofMillis(50));
        assertThat(noSecret.send(ended("halted", BOTH_FAIL, null))).isFalse();
        noSecret.stop();
        assertThat(receiver.next(0.5)).isNull();
        assertThat(log.text()).contains("ERROR rollout alerts are not sent: ROLLOUT_NOTIFY_URL must not contain a user"
                + " name or password", "ERROR rollout alerts are not sent: ROLLOUT_NOTIFY_SECRET is not set")
                .doesNotContain("hunter2-planted");
    }

    private void awaitLog(String line) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!log.text().contains(line) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(log.text()).contains(line);
    }
}
