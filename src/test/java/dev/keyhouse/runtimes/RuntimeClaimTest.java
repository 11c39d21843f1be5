package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.settings.ProviderEnvironment;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Several executors on one database claim concurrently: every runtime is restarted exactly once. The second
 * executor is a real {@link RestartExecutor} with its own replica id, as a second Keyhouse would run.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RuntimeClaimTest {

    @Inject
    RestartConfig config;
    @Inject
    RestartQueue queue;
    @Inject
    RuntimeTargets targets;
    @Inject
    RuntimeDrivers drivers;
    @Inject
    ProviderEnvironment environment;
    @Inject
    RestartMetrics metrics;
    @Inject
    Confirmations confirmations;
    @Inject
    HeldSecrets held;
    @Inject
    RecordingDriver recording;
    @Inject
    DataSource db;

    private final RuntimeApi api = new RuntimeApi();

    @AfterEach
    void deleteTargets() {
        api.deleteCreated();
    }

    @Test
    void twoExecutorsRestartEachRuntimeExactlyOnce() throws Exception {
        String tag = RuntimeRestartTest.unique();
        for (int i = 0; i < 6; i++) {
            api.create(Map.of("name", "claim-" + i + "-" + tag, "driver", "recording", "dependsOn", List.of("llm"),
                    "config", Map.of("runtimes", "4", "token", "claim-token-" + i, "delayMillis", "50")));
        }
        RestartExecutor second = new RestartExecutor(config, queue, targets, drivers, environment, metrics, null,
                confirmations, held);
        second.start(null);
        try {
            long runId = api.saveLlmKey("sk-claim-test-" + tag + "-31c9aa").then().statusCode(200).extract()
                    .jsonPath().getLong("restartRun");
            // the second executor is woken all along, as the first is by the plan and by each wave
            Thread waker = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    second.wake();
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            waker.start();
            JsonPath run;
            try {
                run = api.awaitRun(runId, Duration.ofSeconds(90));
            } finally {
                waker.interrupt();
            }

            assertThat(run.getString("state")).isEqualTo("succeeded");
            assertThat(run.getList("results")).hasSize(24);
            Map<String, Integer> restarts = recording.restartsOf(runId);
            assertThat(restarts).hasSize(24);
            assertThat(restarts.values()).as("each runtime restarted exactly once").containsOnly(1);
            assertThat(Rows.column(db, "SELECT count(DISTINCT claimed_by) FROM restart_results WHERE run_id = ?", runId)
                    .get(0)).as("both executors took part").isEqualTo("2");
            assertThat(recording.secretsSeen()).as("the driver gets the opened secret").contains("claim-token-0");
        } finally {
            second.stop(null);
        }
    }

    @Test
    void aRestartBeingCheckedLetsTheNextOneBeginAndTheConcurrencyStillBoundsTheChanges() throws Exception {
        String name = "overlap-" + RuntimeRestartTest.unique();
        // 24 runtimes, each changed in 100 ms and then checked for 1.5 s: RESTART_CONCURRENCY (4 here) changes at
        // once, the checks overlapping the next ones, up to 4 × 4 restarts under way
        long target = api.create(Map.of("name", name, "driver", "recording", "enabled", false, "config",
                Map.of("runtimes", "24", "token", "overlap-token", "delayMillis", "100", "checkMillis", "1500")));
        long runId = given().auth().oauth2(api.admin()).post("/api/v1/runtimes/" + target + "/restart").then()
                .statusCode(202).extract().jsonPath().getLong("id");

        JsonPath run = api.awaitRun(runId, Duration.ofSeconds(60));

        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(recording.restartsOf(runId)).hasSize(24).allSatisfy((runtime, count) -> assertThat(count).isEqualTo(1));
        RecordingDriver.Overlap overlap = recording.overlap(name);
        assertThat(overlap.mostChanging()).as("runtimes changing at once").isBetween(1, config.concurrency());
        assertThat(overlap.mostUnderWay()).as("restarts under way at once, checks included")
                .isGreaterThan(config.concurrency())
                .isLessThanOrEqualTo(config.concurrency() * RestartExecutor.UNDER_WAY_PER_PLACE);
    }

    @Test
    void concurrentClaimsNeverReturnTheSameRow() throws Exception {
        String tag = RuntimeRestartTest.unique();
        long target = api.create(Map.of("name", "race-" + tag, "driver", "recording", "enabled", false,
                "config", Map.of("token", "t")));
        // 40 results that fall due together in 1.5 s, raced for by four claimers calling as fast as they can
        Set<Long> planned = new HashSet<>();
        String run = Rows.column(db, "INSERT INTO restart_runs (state, cause, created_by) VALUES ('running', 'manual',"
                + " 'test') RETURNING id").get(0);
        for (int i = 0; i < 40; i++) {
            planned.add(Long.parseLong(Rows.column(db, "INSERT INTO restart_results (run_id, target_id, target_name,"
                    + " driver, runtime, state, next_attempt_at) VALUES (?, ?, 'race', 'recording', ?, 'pending',"
                    + " now() + interval '1.5 seconds') RETURNING id", Long.parseLong(run), target, "race-" + i).get(0)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<List<Long>>> claimers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String replica = "race-replica-" + i + "-" + tag;
                claimers.add(() -> {
                    List<Long> mine = new ArrayList<>();
                    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    while (System.nanoTime() < until) {
                        queue.claim(replica, 3, Duration.ofMinutes(5)).forEach(c -> mine.add(c.id()));
                    }
                    return mine;
                });
            }
            List<Long> claimed = new ArrayList<>();
            for (Future<List<Long>> claims : pool.invokeAll(claimers)) {
                claimed.addAll(claims.get());
            }
            List<Long> ours = claimed.stream().filter(planned::contains).toList();
            assertThat(ours).as("the racers claimed the rows").hasSizeGreaterThan(20);
            assertThat(ours).as("no row claimed twice").doesNotHaveDuplicates();
            assertThat(Rows.column(db, "SELECT count(DISTINCT claimed_by) FROM restart_results WHERE run_id = ?"
                    + " AND claimed_by LIKE 'race-replica-%'", Long.parseLong(run)).get(0))
                    .as("the work was spread over the racers").isNotEqualTo("1");
        } finally {
            pool.shutdownNow();
            Rows.column(db, "WITH d AS (DELETE FROM restart_runs WHERE id = ? RETURNING id) SELECT count(*) FROM d",
                    Long.parseLong(run));
        }
    }
}
