package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.settings.ProviderEntriesTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Issue 19 (h19j point 1): a change that plans a rollout racing the delete of a target depending on the kind never
 * answers 500. The run is planned over the targets that still exist (each key-share locked until the change commits):
 * a target deleted first is left out, one deleted after the plan committed keeps its planned row (its target id set
 * to null by the delete), and no row refers to a target that is gone. Both requests start together from a latch, ten
 * rounds each: a fallback add against the delete, and a primary key save against it (manual approval: each run stops
 * after its canary, and the next change supersedes it).
 */
@QuarkusTest
@TestProfile(Profiles.RolloutControls.class)
class RolloutTargetDeleteRaceTest {

    private static final String STT = "/api/v1/settings/stt/providers";
    private static final int ROUNDS = 10;

    @Inject
    DataSource db;

    private RuntimeApi api;
    private String tag;
    private Path dir;
    private ExecutorService pool;

    @BeforeEach
    void setUp() throws Exception {
        api = new RuntimeApi();
        tag = UUID.randomUUID().toString().substring(0, 8);
        dir = Files.createTempDirectory("keyhouse-race");
        pool = Executors.newFixedThreadPool(2);
        ProviderEntriesTest.removeFallbacks(db);
        saveSttKey("race-primary-" + tag);
        api.command("race-stays-" + tag, List.of("stt"), "true", dir.resolve("stays.env").toString(),
                Confirmations.NONE);
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        Rows.update(db, "UPDATE restart_runs SET state = 'aborted', finished_at = now() WHERE kind = 'stt'"
                + " AND state IN ('running', 'waiting_approval', 'rolling_back')");
        api.deleteCreated();
        ProviderEntriesTest.removeFallbacks(db);
    }

    @Test
    void aFallbackAddRacingADependentTargetsDeleteIsNeverA500() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int r = round;
            race(r, () -> given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                    .body(Map.of("provider", "deepgram", "model", "nova-3", "baseUrl",
                            "http://127.0.0.1:9", "apiKey", "race-fallback-" + tag + r))
                    .post(STT));
            ProviderEntriesTest.removeFallbacks(db);
        }
    }

    @Test
    void aKeySaveRacingADependentTargetsDeleteIsNeverA500() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int r = round;
            race(r, () -> putSttKey("race-save-" + tag + r));
        }
    }

    /**
     * Breaker 20g, finding 2: a fallback's change racing a rollout step that writes the kind (an automatic rollback
     * holds its run's row, then locks the kind) was a 500 "deadlock detected": the change locked the kind, then the
     * run. Every writer of a kind now takes the kind's open runs first. Here a connection holds the open run's row as
     * a rollout step does; the change waits on it (never holding the kind); the step then locks the kind's row
     * within its lock timeout, commits, and the change goes through.
     */
    @Test
    void aChangeRacingARolloutStepThatWritesTheKindWaitsInsteadOfDeadlocking() throws Exception {
        // a second target: two waves, so the run waits for approval after its canary (manual approval) instead of
        // ending with the canary's wave
        api.command("race-second-" + tag, List.of("stt"), "true", dir.resolve("second.env").toString(),
                Confirmations.NONE);
        Response planned = putSttKey("race-step-" + tag);
        assertThat(planned.statusCode()).as(planned.asString()).isEqualTo(200);
        long run = planned.jsonPath().getLong("restartRun");
        try (java.sql.Connection step = db.getConnection()) {
            step.setAutoCommit(false);
            try (java.sql.Statement sql = step.createStatement()) {
                sql.execute("SET LOCAL lock_timeout = '10s'");
                assertThat(sql.executeQuery("SELECT id FROM restart_runs WHERE id = " + run + " AND state IN"
                        + " ('running', 'waiting_approval', 'rolling_back') FOR UPDATE").next())
                        .as("run %d is under way, its row held as a rollout step holds it", run).isTrue();
                Future<Response> change = pool.submit(() -> given().auth().oauth2(api.admin())
                        .contentType(ContentType.JSON).body(Map.of("provider", "deepgram", "model", "nova-3",
                                "baseUrl", "http://127.0.0.1:9", "apiKey", "race-step-fallback-" + tag))
                        .post(STT));
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                // the change's own lock of the kind's runs (a native "SELECT id FROM restart_runs …", not the
                // executor's entity lock of the same row) waits, on the step or behind the executor queued on it
                while (Rows.column(db, "SELECT CAST(pid AS text) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        + " AND query LIKE 'SELECT id FROM restart_runs%'").isEmpty()) {
                    assertThat(change.isDone()).as("the change waits for the run's row").isFalse();
                    assertThat(System.nanoTime()).as("the change reached the run's lock; waiting: %s", Rows.column(db,
                            "SELECT pid || ' ' || coalesce(wait_event_type, '-') || ' ' || pg_blocking_pids(pid)::text"
                            + " || ' ' || left(query, 120) FROM pg_stat_activity WHERE datname = current_database()"))
                            .isLessThan(until);
                    Thread.sleep(20);
                }
                // the step's own write of the kind: granted, as the change holds nothing of the kind yet
                assertThat(sql.executeQuery("SELECT kind FROM provider_settings WHERE kind = 'stt' FOR UPDATE")
                        .next()).isTrue();
                step.commit();
                Response answer = change.get(60, TimeUnit.SECONDS);
                assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(201);
            }
        }
    }

    /**
     * One round: a new target depending on stt, then {@code change} and its delete released by one latch. The change
     * answers 2xx, the delete 2xx or 404; the change's run holds only rows of targets that exist, or of the deleted
     * one with its target id null (planned before the delete committed).
     */
    private void race(int round, Supplier<Response> change) throws Exception {
        String doomed = "race-doomed-" + tag + "-" + round;
        long target = api.command(doomed, List.of("stt"), "true", dir.resolve(doomed + ".env").toString(),
                Confirmations.NONE);
        CountDownLatch start = new CountDownLatch(1);
        Future<Response> changed = pool.submit(() -> {
            start.await();
            return change.get();
        });
        Future<Response> deleted = pool.submit(() -> {
            start.await();
            return given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + target);
        });
        start.countDown();
        Response answer = changed.get(60, TimeUnit.SECONDS);
        Response delete = deleted.get(60, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as("round %d, the change: %s", round, answer.asString()).isBetween(200, 299);
        assertThat(delete.statusCode()).as("round %d, the delete: %s", round, delete.asString()).isIn(204, 200, 404);
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + target).then().statusCode(404);
        long run = answer.jsonPath().getLong("restartRun");
        List<String> rows = Rows.column(db, "SELECT target_name || ' ' || coalesce(CAST(target_id AS text), 'gone')"
                + " FROM restart_results WHERE run_id = ?", run);
        assertThat(rows).as("round %d: the target that stays is planned", round)
                .anyMatch(row -> row.startsWith("race-stays-" + tag + " ") && !row.endsWith(" gone"));
        for (String row : rows) {
            assertThat(row).as("round %d: a target that exists, or the deleted one planned before its delete (its"
                    + " target id cleared)", round).matches("race-stays-" + tag + " \\d+|" + doomed + " gone");
        }
    }

    private void saveSttKey(String key) {
        Response saved = putSttKey(key);
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
    }

    private Response putSttKey(String key) {
        String etag = given().auth().oauth2(api.admin()).get("/api/v1/settings/stt").then().statusCode(200).extract()
                .header("ETag");
        return given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", "http://127.0.0.1:9",
                        "apiKey", key)).put("/api/v1/settings/stt");
    }
}
