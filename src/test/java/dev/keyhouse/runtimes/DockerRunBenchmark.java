package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark test -Dtest=DockerRunBenchmark} runs it (normal builds leave
 * {@code *Benchmark} out).
 *
 * <p>The whole application on the real Docker engine of {@link RealDockerEngine}: a docker target selecting 1
 * container, then one selecting 20, each restarted by saving a new LLM key over REST; the wall time of each restart
 * run is measured from the save to the run's end as {@code GET /api/v1/restarts/{id}} reports it, at the executor's
 * concurrency (4). A warm-up run of 1 container comes first and is not reported.
 */
@QuarkusTest
@TestProfile(Profiles.DockerRestarts.class)
class DockerRunBenchmark {

    @Test
    void aRunOfTwentyContainersAgainstARunOfOne() throws Exception {
        RuntimeApi api = new RuntimeApi();
        try (RealDockerEngine engine = RealDockerEngine.start()) {
            run(api, engine, "warm-up", 1);
            Duration one = run(api, engine, "one", 1);
            Duration twenty = run(api, engine, "twenty", 20);
            System.out.printf(Locale.ROOT, "%nDocker restart run benchmark (whole application, save → run finished):"
                    + " %d CPUs, load average %.1f, RESTART_CONCURRENCY 4%n   1 container : %6.2f s%n"
                    + "  20 containers: %6.2f s%n  ratio 20/1   : %6.2f%n",
                    Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), seconds(one), seconds(twenty),
                    seconds(twenty) / seconds(one));
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
        String key = "sk-run-benchmark-" + engine.owner() + "-" + group;
        long start = System.nanoTime();
        long runId = api.saveLlmKey(key).then().statusCode(200).extract().jsonPath().getLong("restartRun");
        JsonPath run = api.awaitRun(runId, Duration.ofMinutes(5));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getList("results.state")).hasSize(count).containsOnly("restarted");
        for (int i = 1; i <= count; i++) {
            assertThat(RealDockerEngine.env(engine.inspect(engine.name(group + "-" + i)), "LLM_API_KEY")).isEqualTo(key);
        }
        return took;
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
