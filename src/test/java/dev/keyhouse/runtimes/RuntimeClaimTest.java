package dev.keyhouse.runtimes;

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
        RestartExecutor second = new RestartExecutor(config, queue, targets, drivers, environment, metrics);
        second.start(null);
        try {
            long runId = api.saveLlmKey("sk-claim-test-" + tag + "-31c9aa").then().statusCode(200).extract()
                    .jsonPath().getLong("restartRun");
            for (int i = 0; i < 50; i++) {
                second.wake();
                Thread.sleep(20);
            }
            JsonPath run = api.awaitRun(runId, Duration.ofSeconds(60));

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
    void concurrentClaimsNeverReturnTheSameRow() throws Exception {
        String tag = RuntimeRestartTest.unique();
        // no executor may take these rows while the claims race: RESTART_CONCURRENCY has them all busy otherwise
        RestartExecutor none = null;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(api.create(Map.of("name", "race-" + i + "-" + tag, "driver", "recording", "enabled", false,
                    "config", Map.of("token", "t"))));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<List<RestartQueue.Claim>>> claimers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String replica = "race-replica-" + i + "-" + tag;
                claimers.add(() -> queue.claim(replica, 50, Duration.ofMinutes(5)));
            }
            Set<Long> planned = new HashSet<>();
            for (long id : ids) {
                planned.add(Long.parseLong(Rows.column(db,
                        "WITH r AS (INSERT INTO restart_runs (state, cause, created_by) VALUES ('running', 'manual', 'test') RETURNING id)"
                                + " INSERT INTO restart_results (run_id, target_id, target_name, driver, state, next_attempt_at)"
                                + " SELECT id, ?, 'race', 'recording', 'pending', now() + interval '1 second' FROM r RETURNING id",
                        id).get(0)));
            }
            Thread.sleep(1100);
            List<Long> claimed = new ArrayList<>();
            for (Future<List<RestartQueue.Claim>> claims : pool.invokeAll(claimers)) {
                claims.get().forEach(c -> claimed.add(c.id()));
            }
            List<Long> ours = claimed.stream().filter(planned::contains).toList();
            assertThat(ours).as("no row claimed twice").doesNotHaveDuplicates();
            assertThat(none).isNull();
        } finally {
            pool.shutdownNow();
        }
    }
}
