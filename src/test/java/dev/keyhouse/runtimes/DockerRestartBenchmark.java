package dev.keyhouse.runtimes;


import dev.keyhouse.runtimes.docker.DockerDriver;
import dev.keyhouse.runtimes.docker.RealDockerEngine;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark verify -Dtest=DockerRestartBenchmark} runs it (normal builds leave
 * {@code *Benchmark} out).
 *
 * <p>On the real Docker engine of {@link RealDockerEngine}, in one run: recreates 1 container, then 20, through the
 * docker driver (discover, then restart each runtime) on a pool of {@code RESTART_CONCURRENCY} threads (default 4),
 * as the restart executor runs them. The containers stop promptly on SIGTERM, as a well-behaved runtime does, so the
 * figures are the engine's and the driver's (including its 1 s check that a copy stays up), not a kill grace.
 * It prints both wall times (after an unreported warm-up of 1) and their ratio.
 */
class DockerRestartBenchmark {

    private static final Set<String> MANAGED = Set.of("LLM_PROVIDER", "LLM_API_KEY", "OPENAI_API_KEY");

    @Test
    void restartingTwentyContainersAgainstOne() throws Exception {
        int concurrency = Integer.parseInt(System.getenv().getOrDefault("RESTART_CONCURRENCY", "4"));
        DockerDriver driver = new DockerDriver();
        try (RealDockerEngine engine = RealDockerEngine.start()) {
            run(engine, driver, "warm-up", 1, concurrency, 1); // client, connections, class loading, JIT; not reported
            Duration one = run(engine, driver, "one", 1, concurrency, 2);
            Duration twenty = run(engine, driver, "twenty", 20, concurrency, 3);
            System.out.printf(Locale.ROOT, "%nDocker restart benchmark: engine %s, %d CPUs, load average %.1f, RESTART_CONCURRENCY %d%n"
                    + "   1 container : %6.2f s%n  20 containers: %6.2f s (%.2f s per container)%n"
                    + "  ratio 20/1   : %6.2f (20 one after another would be 20.00)%n",
                    RealDockerEngine.host(), Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), concurrency,
                    seconds(one), seconds(twenty), seconds(twenty) / 20, seconds(twenty) / seconds(one));
        } finally {
            driver.close();
        }
    }

    /** Starts {@code count} labelled containers (not timed), then times discover + restart of all of them. */
    private static Duration run(RealDockerEngine engine, DockerDriver driver, String group, int count, int concurrency,
            long runId) throws Exception {
        String selector = engine.fleet(group, count, "sk-old-benchmark");
        TargetSpec target = new TargetSpec(0, "benchmark-" + group, DockerDriver.ID,
                Map.of("host", RealDockerEngine.host(), "labelSelector", selector), Map.of());
        RestartOrder order = new RestartOrder(runId, 1, Map.of("LLM_API_KEY", "sk-new-benchmark-" + group,
                "LLM_PROVIDER", "openai"), MANAGED, Instant.now().plusSeconds(600));
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        try {
            long start = System.nanoTime();
            List<Future<?>> restarts = new ArrayList<>();
            for (String runtime : driver.discover(target)) {
                restarts.add(workers.submit(() -> {
                    driver.restart(target, runtime, order);
                    return null;
                }));
            }
            for (Future<?> restart : restarts) {
                restart.get();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(restarts).hasSize(count);
            for (int i = 1; i <= count; i++) {
                assertThat(RealDockerEngine.env(engine.inspect(engine.name(group + "-" + i)), "LLM_API_KEY"))
                        .isEqualTo("sk-new-benchmark-" + group);
            }
            return took;
        } finally {
            workers.shutdownNow();
        }
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
