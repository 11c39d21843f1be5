package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Management;
import dev.keyhouse.Metrics;
import dev.keyhouse.Profiles;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.config.LogMask;
import dev.keyhouse.runtimes.http.WebhookSignature;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

/**
 * A rollout's outcome, fired as the engine fires it ({@link RolloutEnded} inside the transaction that records it),
 * with ROLLOUT_NOTIFY_URL and ROLLOUT_NOTIFY_SECRET set as variables: the log line at its level, the metric, the
 * signed event at a real receiver on loopback, and the secret masked everywhere an operator looks.
 */
@QuarkusTest
@TestProfile(Profiles.Rollouts.class)
class RolloutAlertsTest {

    private static final String BOTH_FAIL =
            "the new key and the previous key both fail: invalid_key / invalid_key — enter a working key";
    private static final String METRIC = "keyhouse_rollouts_total";

    private static AlertReceiver receiver;

    @Inject
    Event<RolloutEnded> events;

    @BeforeAll
    static void startReceiver() throws Exception {
        receiver = new AlertReceiver(Profiles.Rollouts.ALERTS_PORT);
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @BeforeEach
    void drain() throws InterruptedException {
        while (receiver.next(0) != null) {
            // what an earlier test left
        }
    }

    /** Fires {@code ended} in a transaction that commits, as the engine does. */
    private void commitWith(RolloutEnded ended) {
        QuarkusTransaction.requiringNew().run(() -> events.fire(ended));
    }

    private static double count(String outcome) {
        return Metrics.value(METRIC, "outcome=\"" + outcome + "\"");
    }

    @Test
    void haltedIsAnErrorACountAndASignedEventAtTheNotifyUrl() throws Exception {
        double before = count("halted");
        Instant at = Instant.parse("2026-11-30T11:02:03.456Z");
        try (LogCapture log = LogCapture.installFirst()) {
            commitWith(new RolloutEnded(12, "llm", 7, "halted", BOTH_FAIL, null, at));

            AlertReceiver.Received request = receiver.next(10);
            assertThat(request).as("the event at ROLLOUT_NOTIFY_URL").isNotNull();
            JsonNode event = new ObjectMapper().readTree(request.body());
            assertThat(event.get("event").asText()).isEqualTo("rollout.halted");
            assertThat(event.get("run").asLong()).isEqualTo(12);
            assertThat(event.get("kind").asText()).isEqualTo("llm");
            assertThat(event.get("version").asLong()).isEqualTo(7);
            assertThat(event.get("rollbackVersion").isNull()).isTrue();
            assertThat(event.get("reason").asText()).isEqualTo(BOTH_FAIL);
            assertThat(event.get("at").asText()).isEqualTo("2026-11-30T11:02:03.456Z");
            assertThat(WebhookSignature.verify(Profiles.Rollouts.ALERTS_SECRET, request.timestamp(), request.body(),
                    request.signature(), Instant.now(), WebhookSignature.DEFAULT_WINDOW))
                    .as("signed with ROLLOUT_NOTIFY_SECRET").isTrue();

            assertThat(log.text()).contains("dev.keyhouse.runtimes.RolloutAlerts ERROR rollout of run 12 (llm version 7)"
                    + " halted: " + BOTH_FAIL);
            awaitDelivered(log, "rollout.halted for run 12");
            // seen before the console's mask: the secret and the signature were never handed to a logger
            assertThat(log.text()).doesNotContain(Profiles.Rollouts.ALERTS_SECRET,
                    request.signature().substring("sha256=".length()));
        }
        assertThat(count("halted")).isEqualTo(before + 1);
    }

    /** rolled_back at ERROR, aborted and superseded at WARN, succeeded at INFO; each counted once under its outcome. */
    @Test
    void eachOutcomeIsLoggedAtItsLevelAndCounted() throws Exception {
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String outcome : RolloutMetrics.OUTCOMES) {
            assertThat(metrics).as("registered before any rollout ended").contains(METRIC + "{outcome=\"" + outcome
                    + "\"}");
        }
        Map<String, Double> before = new java.util.HashMap<>();
        RolloutMetrics.OUTCOMES.forEach(outcome -> before.put(outcome, count(outcome)));
        Instant at = Instant.now();
        try (LogCapture log = LogCapture.installFirst()) {
            commitWith(new RolloutEnded(21, "llm", 9, "rolled_back", "canary chat-1 reported failing: invalid_key", 10L,
                    at));
            commitWith(new RolloutEnded(22, "stt", 4, "aborted", "aborted by admin@keyhouse.test", 5L, at));
            commitWith(new RolloutEnded(23, "tts", 3, "superseded", "a newer save of tts (version 4) took over", null,
                    at));
            commitWith(new RolloutEnded(24, "llm", 11, "succeeded", null, null, at));

            assertThat(log.text()).contains(
                    "dev.keyhouse.runtimes.RolloutAlerts ERROR rollout of run 21 (llm version 9) rolled back to version"
                            + " 10: canary chat-1 reported failing: invalid_key",
                    "dev.keyhouse.runtimes.RolloutAlerts WARN rollout of run 22 (stt version 4) aborted, rolled back to"
                            + " version 5: aborted by admin@keyhouse.test",
                    "dev.keyhouse.runtimes.RolloutAlerts WARN rollout of run 23 (tts version 3) superseded: a newer save"
                            + " of tts (version 4) took over",
                    "dev.keyhouse.runtimes.RolloutAlerts INFO rollout of run 24 (llm version 11) succeeded");
            // sent in order, one sender: rolled_back, aborted, and neither superseded nor succeeded
            assertThat(receiver.next(10).text()).contains("\"event\":\"rollout.rolled_back\",\"run\":21");
            assertThat(receiver.next(10).text()).contains("\"event\":\"rollout.aborted\",\"run\":22");
            commitWith(new RolloutEnded(25, "llm", 12, "halted", BOTH_FAIL, null, at));
            assertThat(receiver.next(10).text()).as("superseded and succeeded were not sent")
                    .contains("\"event\":\"rollout.halted\",\"run\":25");
        }
        for (String outcome : List.of("rolled_back", "aborted", "superseded", "succeeded")) {
            assertThat(count(outcome)).as(outcome).isEqualTo(before.get(outcome) + 1);
        }
        assertThat(count("halted")).isEqualTo(before.get("halted") + 1);
    }

    /** Observed after success only: a transaction that rolls back recorded no outcome, so nothing is told. */
    @Test
    void anOutcomeWhoseTransactionRollsBackIsNotAnAlert() throws Exception {
        double before = count("halted");
        try (LogCapture log = LogCapture.installFirst()) {
            assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
                events.fire(new RolloutEnded(31, "llm", 13, "halted", BOTH_FAIL, null, Instant.now()));
                throw new IllegalStateException("the step that recorded it failed");
            })).hasMessageContaining("the step that recorded it failed");
            assertThat(receiver.next(1)).isNull();
            assertThat(log.text()).doesNotContain("run 31");
        }
        assertThat(count("halted")).isEqualTo(before);
    }

    /**
     * ROLLOUT_NOTIFY_SECRET is a secret like the others: the environment shows its fingerprint, never its value, and
     * the log mask blanks it wherever a line would quote it. ROLLOUT_NOTIFY_URL is shown.
     */
    @Test
    void theNotifySecretIsMaskedOnTheEnvironmentAndInTheLog() {
        String body = given().auth().oauth2(ApiClient.adminToken()).get("/api/v1/environment").then().statusCode(200)
                .extract().asString();
        assertThat(body).doesNotContain(Profiles.Rollouts.ALERTS_SECRET);
        List<Map<String, Object>> variables = io.restassured.path.json.JsonPath.from(body).getList("$");
        Map<String, Object> secret = variables.stream().filter(v -> "ROLLOUT_NOTIFY_SECRET".equals(v.get("name")))
                .findFirst().orElseThrow();
        assertThat(secret).containsEntry("secret", true).containsEntry("set", true).containsEntry("value", null);
        assertThat((String) secret.get("fingerprint")).matches("[0-9a-f]{8}");
        Map<String, Object> url = variables.stream().filter(v -> "ROLLOUT_NOTIFY_URL".equals(v.get("name")))
                .findFirst().orElseThrow();
        assertThat(url).containsEntry("secret", false)
                .containsEntry("value", "http://127.0.0.1:" + Profiles.Rollouts.ALERTS_PORT + "/alerts");

        ExtLogRecord record = new ExtLogRecord(Level.WARNING, "signing with %s", ExtLogRecord.FormatStyle.PRINTF,
                RolloutAlertsTest.class.getName());
        record.setParameters(new Object[] {Profiles.Rollouts.ALERTS_SECRET});
        new LogMask().isLoggable(record);
        assertThat(record.getFormattedMessage()).isEqualTo("signing with [masked]");
    }

    private static void awaitDelivered(LogCapture log, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!log.text().contains(what + " delivered") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(log.text()).contains("rollout alert " + what + " delivered to http://127.0.0.1:"
                + Profiles.Rollouts.ALERTS_PORT + "/alerts");
    }
}
