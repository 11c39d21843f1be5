package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.runtimes.docker.DockerDriver;
import dev.keyhouse.runtimes.docker.RealDockerEngine;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark,system-tools test -Dtest=DockerRunBenchmark} runs it (normal builds leave
 * {@code *Benchmark} out). Needs the real Docker engine of {@link RealDockerEngine}.
 *
 * <p>The whole application at its default settings except {@code ROLLOUT_BAKE_SECONDS=0} ({@link Defaults}: the
 * default {@code RESTART_CONCURRENCY}, canary of 1, waves of 25 %), every key saved over REST with the LLM setting on
 * an {@link OpenAiStandIn} on loopback, each figure after an unreported warm-up of 1, 1 against 20 runtimes:
 * <ul>
 * <li>{@link #restartNowOfTwentyContainersAgainstOne}: "restart now" ({@code POST /api/v1/runtimes/{id}/restart}) of
 * a docker target selecting 1, then 20 plain containers: request → the run's end as {@code GET /api/v1/restarts/{id}}
 * reports it. A manual run restarts every runtime at once (no waves): the executor's fan-out alone.</li>
 * <li>{@link #aRunOfTwentyContainersAgainstARunOfOne}: the same containers, through a save (confirmation
 * {@code none}: a restart that succeeds confirms its runtime): save → the run's end. A save rolls out canary first
 * in waves (1, then 5, 5, 5, 4 for 20), each started once the one before is confirmed.</li>
 * <li>{@link #aConfirmedRolloutOfTwentyAgainstOne}: the same with {@link ReportingRuntimes} confirmed by
 * {@code report}: save → outcome {@code succeeded} and every runtime reported {@code ok} on the new version, i.e.
 * the whole fleet confirmed the key with a provider call of its own.</li>
 * </ul>
 * Each prints its two figures and their ratio; the last to finish prints all of them side by side.
 */
@QuarkusTest
@TestProfile(DockerRunBenchmark.Defaults.class)
class DockerRunBenchmark {

    private static final OpenAiStandIn PROVIDER = new OpenAiStandIn();
    /** Every figure printed so far, for the summary at the end. */
    private static final List<String> SUMMARY = new ArrayList<>();

    /**
     * Keyhouse's defaults but for no bake between waves, on a database of its own (every target there is one this
     * benchmark made, so a save rolls out to nothing else); a confirmation timeout of its own kept short so a broken
     * run fails the benchmark soon.
     */
    public static final class Defaults implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>();
            overrides.put("ROLLOUT_BAKE_SECONDS", "0");
            overrides.put("ROLLOUT_CONFIRM_TIMEOUT_SECONDS", String.valueOf(Profiles.BehindProxyDockerRestarts.CONFIRM_TIMEOUT_SECONDS));
            overrides.put("keyhouse.database.embedded-dir", "target/embedded-postgres-docker-benchmark");
            return overrides;
        }
    }

    @Inject
    DataSource db;

    @Inject
    RestartConfig restarts;

    @AfterAll
    static void stopProvider() {
        PROVIDER.close();
        synchronized (SUMMARY) {
            System.out.printf(Locale.ROOT, "%nDocker fan-out, all figures of this run (%d CPUs, load average %.1f):%n"
                    + "%-64s %9s %9s %6s%n", Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), "", "1", "20", "20/1");
            SUMMARY.forEach(System.out::println);
        }
    }

    @Test
    void restartNowOfTwentyContainersAgainstOne() throws Exception {
        oneAgainstTwenty("restart now → run finished, unconfirmed (one run, no waves)",
                DockerRunBenchmark::restartNow);
    }

    @Test
    void aRunOfTwentyContainersAgainstARunOfOne() throws Exception {
        oneAgainstTwenty("save → run finished, unconfirmed (canary, waves of 25 %, bake 0)", DockerRunBenchmark::run);
    }

    @Test
    void aConfirmedRolloutOfTwentyAgainstOne() throws Exception {
        oneAgainstTwenty("save → fleet confirmed by report (canary, waves of 25 %, bake 0)", this::rollout);
    }

    /** What one figure times: a fleet of {@code count} made under {@code group} (not timed), then save → done. */
    private interface Figure {
        Duration measure(RuntimeApi api, RealDockerEngine engine, String group, int count) throws Exception;
    }

    /** A warm-up of 1 (not reported), then 1 and 20; prints both and their ratio. */
    private void oneAgainstTwenty(String title, Figure figure) throws Exception {
        RuntimeApi api = new RuntimeApi();
        try (RealDockerEngine engine = RealDockerEngine.start()) {
            figure.measure(api, engine, "warm-up", 1);
            Duration one = figure.measure(api, engine, "one", 1);
            Duration twenty = figure.measure(api, engine, "twenty", 20);
            System.out.printf(Locale.ROOT, "%nDocker fan-out, whole application, %s: %d CPUs, load average %.1f,"
                    + " RESTART_CONCURRENCY %d%n   1 runtime : %6.2f s%n  20 runtimes: %6.2f s%n  ratio 20/1 : %6.2f%n",
                    title, Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), restarts.concurrency(),
                    seconds(one), seconds(twenty), seconds(twenty) / seconds(one));
            synchronized (SUMMARY) {
                SUMMARY.add(String.format(Locale.ROOT, "%-64s %7.2f s %7.2f s %6.2f", title, seconds(one),
                        seconds(twenty), seconds(twenty) / seconds(one)));
            }
        } finally {
            api.deleteCreated();
        }
    }

    /** Registers a target over a fresh fleet (not timed), then times "restart now" → run finished. */
    private static Duration restartNow(RuntimeApi api, RealDockerEngine engine, String group, int count)
            throws Exception {
        api.deleteCreated();
        String selector = engine.fleet(group, count, "sk-old-restart-now-benchmark");
        // disabled: no save restarts it, and restart now restarts it all the same
        long target = api.create(Map.of("name", "restart-now-" + engine.owner() + "-" + group, "driver", "docker",
                "dependsOn", List.of("tts"), "enabled", false,
                "config", Map.of("host", RealDockerEngine.host(), "labelSelector", selector)));
        long start = System.nanoTime();
        long runId = given().auth().oauth2(api.admin()).post("/api/v1/runtimes/" + target + "/restart").then()
                .statusCode(202).extract().jsonPath().getLong("id");
        JsonPath run = awaitRun(api, runId, Duration.ofMinutes(5));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getBoolean("rollout")).isFalse();
        assertThat(run.getList("results.state")).hasSize(count).containsOnly("restarted");
        for (int i = 1; i <= count; i++) {
            assertThat(RealDockerEngine.env(engine.inspect(engine.name(group + "-" + i)), DockerDriver.RUNTIME_NAME_VARIABLE))
                    .isEqualTo(engine.name(group + "-" + i));
        }
        return took;
    }

    /** As {@link RuntimeApi#awaitRun}, looking every 20 ms so the figure's granularity is small against 1 s. */
    private static JsonPath awaitRun(RuntimeApi api, long runId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath run = api.run(runId);
            if (run.getBoolean("finished")) {
                return run;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("restart run " + runId + " did not finish in " + timeout + ": " + api.run(runId).prettify());
    }

    /** Registers a target over a fresh fleet (not timed), then times save → run finished. Only it depends on llm. */
    private static Duration run(RuntimeApi api, RealDockerEngine engine, String group, int count) throws Exception {
        api.deleteCreated();
        String selector = engine.fleet(group, count, "sk-old-run-benchmark");
        api.create(Map.of("name", "benchmark-" + engine.owner() + "-" + group, "driver", "docker",
                "dependsOn", List.of("llm"), "enabled", true,
                "config", Map.of("host", RealDockerEngine.host(), "labelSelector", selector)));
        String key = PROVIDER.key(Scenario.GOOD);
        long start = System.nanoTime();
        long runId = api.saveLlm(llm(key)).then().statusCode(200).extract().jsonPath().getLong("restartRun");
        JsonPath run = awaitRun(api, runId, Duration.ofMinutes(5));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getList("results.state")).hasSize(count).containsOnly("restarted");
        for (int i = 1; i <= count; i++) {
            assertThat(RealDockerEngine.env(engine.inspect(engine.name(group + "-" + i)), "LLM_API_KEY")).isEqualTo(key);
        }
        return took;
    }

    /**
     * Starts {@code count} reporting runtimes on a good key and waits until each reported ok (not timed), registers
     * a target over them confirmed by {@code report}, then times save → outcome succeeded and every runtime reported
     * ok on the new version.
     */
    private Duration rollout(RuntimeApi api, RealDockerEngine engine, String group, int count) throws Exception {
        api.deleteCreated();
        Instant since = Instant.now();
        api.saveLlm(llm(PROVIDER.key(Scenario.GOOD))).then().statusCode(200);
        long oldVersion = api.instances().getLong("currentVersion");
        List<String> runtimes = ReportingRuntimes.fleet(engine, "rollout-" + group, count, "sk-old-rollout-benchmark");
        ReportingRuntimes.awaitReports(api, engine, runtimes, oldVersion, "ok", since, Duration.ofMinutes(3));
        long target = api.create(Map.of("name", "rollout-" + engine.owner() + "-" + group, "driver", "docker",
                "dependsOn", List.of("llm"), "enabled", true,
                "config", ReportingRuntimes.dockerConfig(engine, "rollout-" + group)));
        // confirmation is a target field the targets part adds to REST; the column is what rollouts read
        assertThat(Rows.update(db, "UPDATE runtime_targets SET confirmation = 'report' WHERE id = ?", target))
                .isEqualTo(1);
        String key = PROVIDER.key(Scenario.GOOD);
        Instant saved = Instant.now();
        long start = System.nanoTime();
        long runId = api.saveLlm(llm(key)).then().statusCode(200).extract().jsonPath().getLong("restartRun");
        JsonPath run = awaitRun(api, runId, Duration.ofMinutes(10));
        ReportingRuntimes.awaitReports(api, engine, runtimes, oldVersion + 1, "ok", saved, Duration.ofMinutes(3));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getList("results.confirmState")).hasSize(count).containsOnly("confirmed");
        for (String name : runtimes) {
            assertThat(RealDockerEngine.env(engine.inspect(name), "LLM_API_KEY")).isEqualTo(key);
        }
        return took;
    }

    private static Map<String, Object> llm(String key) {
        return Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl", PROVIDER.baseUrl(), "apiKey", key);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
