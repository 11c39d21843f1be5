package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
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
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark test -Dtest=DockerRunBenchmark} runs it (normal builds leave
 * {@code *Benchmark} out). Needs the real Docker engine of {@link RealDockerEngine}.
 *
 * <p>The whole application, profile {@link Profiles.DockerRollouts} (no bake, a canary of 1, waves of 25 %, executor
 * concurrency 4), every key saved over REST with the LLM setting on an {@link OpenAiStandIn} on loopback, each figure
 * after an unreported warm-up of 1:
 * <ul>
 * <li>{@link #aRunOfTwentyContainersAgainstARunOfOne}: a docker target selecting 1 container, then one selecting 20
 * plain containers (they never fetch or report, so a restart that succeeds counts); save → the run's end as
 * {@code GET /api/v1/restarts/{id}} reports it.</li>
 * <li>{@link #aConfirmedRolloutOfTwentyAgainstOne}: the same with {@link ReportingRuntimes} confirmed by
 * {@code report}: save → outcome {@code succeeded} and every runtime reported {@code ok} on the new version, i.e.
 * the whole fleet confirmed the key with a provider call of its own.</li>
 * </ul>
 */
@QuarkusTest
@TestProfile(Profiles.DockerRollouts.class)
class DockerRunBenchmark {

    private static final OpenAiStandIn PROVIDER = new OpenAiStandIn();

    @Inject
    DataSource db;

    @AfterAll
    static void stopProvider() {
        PROVIDER.close();
    }

    @Test
    void aRunOfTwentyContainersAgainstARunOfOne() throws Exception {
        oneAgainstTwenty("Docker restart run benchmark (whole application, save → run finished, unconfirmed runtimes)",
                DockerRunBenchmark::run);
    }

    @Test
    void aConfirmedRolloutOfTwentyAgainstOne() throws Exception {
        oneAgainstTwenty("Docker rollout benchmark (whole application, save → whole fleet confirmed by its own provider"
                + " call, bake 0, canary 1, waves of 25 %)", this::rollout);
    }

    /** What one figure times: a fleet of {@code count} made under {@code group} (not timed), then save → done. */
    private interface Figure {
        Duration measure(RuntimeApi api, RealDockerEngine engine, String group, int count) throws Exception;
    }

    /** A warm-up of 1 (not reported), then 1 and 20; prints both and their ratio. */
    private static void oneAgainstTwenty(String title, Figure figure) throws Exception {
        RuntimeApi api = new RuntimeApi();
        try (RealDockerEngine engine = RealDockerEngine.start()) {
            figure.measure(api, engine, "warm-up", 1);
            Duration one = figure.measure(api, engine, "one", 1);
            Duration twenty = figure.measure(api, engine, "twenty", 20);
            System.out.printf(Locale.ROOT, "%n%s: %d CPUs, load average %.1f, RESTART_CONCURRENCY 4%n"
                    + "   1 runtime : %6.2f s%n  20 runtimes: %6.2f s%n  ratio 20/1 : %6.2f%n", title,
                    Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), seconds(one),
                    seconds(twenty), seconds(twenty) / seconds(one));
        } finally {
            api.deleteCreated();
        }
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
        JsonPath run = api.awaitRun(runId, Duration.ofMinutes(5));
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
        JsonPath run = api.awaitRun(runId, Duration.ofMinutes(10));
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
