package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.settings.RuntimeConfigServed;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark test -Dtest=RuntimeAcksBenchmark} runs it (normal builds leave
 * {@code *Benchmark} out). Issue 17, acknowledgements off the request path.
 *
 * <p>The whole application ({@link Profiles.AckBenchmark}), {@value #CLIENTS} clients on loopback each sending
 * {@code GET /api/v1/internal/runtime-config} back to back for {@value #SECONDS} s after a {@value #WARM_UP} s
 * warm-up: without {@code X-Keyhouse-Runtime}; with it, {@value #RUNTIMES} runtime names in turn, acks batched
 * ({@link RuntimeAcks}, what ships); and with it again with the old synchronous upsert in a transaction of its own
 * per fetch switched on ({@link SynchronousAcks}, the code before issue 17, kept here only). Prints requests per
 * second, p50 and p99 of each, and each with-header figure ÷ the without-header one.
 */
@QuarkusTest
@TestProfile(Profiles.AckBenchmark.class)
class RuntimeAcksBenchmark {

    private static final int CLIENTS = 32;
    private static final int RUNTIMES = 200;
    private static final int WARM_UP = 3;
    private static final int SECONDS = 8;

    @TestHTTPResource("/api/v1/internal/runtime-config")
    URI endpoint;
    @Inject
    RuntimeAcks acks;

    /** The acknowledgement as written before issue 17: one upsert per fetch, in a new transaction, on the request. */
    @ApplicationScoped
    @IfBuildProperty(name = "keyhouse.benchmark.synchronous-acks", stringValue = "true")
    static class SynchronousAcks {

        static final AtomicBoolean ON = new AtomicBoolean();

        @Inject
        EntityManager em;

        void onServed(@Observes RuntimeConfigServed served) {
            if (!ON.get()) {
                return;
            }
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                            "INSERT INTO runtime_acks (runtime, settings_version, llm_fingerprint, acked_at)"
                                    + " VALUES (:runtime, :version, :fingerprint, now())"
                                    + " ON CONFLICT (runtime) DO UPDATE SET settings_version = excluded.settings_version,"
                                    + " llm_fingerprint = excluded.llm_fingerprint, acked_at = excluded.acked_at")
                    .setParameter("runtime", served.runtime()).setParameter("version", served.version())
                    .setParameter("fingerprint", served.llmKeyFingerprint()).executeUpdate());
        }
    }

    private record Figures(double perSecond, double p50Millis, double p99Millis) {
    }

    @Test
    void runtimeConfigWithAndWithoutTheRuntimeHeader() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Figures unnamed = measure(client, false);
        Figures batched = measure(client, true);
        SynchronousAcks.ON.set(true);
        Figures synchronous;
        try {
            synchronous = measure(client, true);
        } finally {
            SynchronousAcks.ON.set(false);
        }
        acks.flush();
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "%nruntime-config benchmark: whole"
                + " application, %d clients on loopback, %d s each after %d s warm-up, %d runtime names, %d CPUs%n",
                CLIENTS, SECONDS, WARM_UP, RUNTIMES, Runtime.getRuntime().availableProcessors()));
        report.append(line("without X-Keyhouse-Runtime", unnamed, unnamed));
        report.append(line("with it, acks batched (issue 17)", batched, unnamed));
        report.append(line("with it, synchronous upsert (before)", synchronous, unnamed));
        System.out.println(report);
        assertThat(batched.perSecond()).isPositive();
    }

    private static String line(String what, Figures figures, Figures unnamed) {
        return String.format(Locale.ROOT, "  %-40s %,8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  ÷ without %.2f%n", what,
                figures.perSecond(), figures.p50Millis(), figures.p99Millis(), figures.perSecond() / unnamed.perSecond());
    }

    private Figures measure(HttpClient client, boolean named) throws Exception {
        run(client, named, WARM_UP);
        List<long[]> latencies = run(client, named, SECONDS);
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Figures(all.length / (double) SECONDS, all[all.length / 2] / 1e6,
                all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6);
    }

    /** Each client's latencies (ns) over {@code seconds}; fails on an answer other than 200. */
    private List<long[]> run(HttpClient client, boolean named, int seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Future<long[]>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int id = c;
            clients.add(pool.submit(() -> {
                long[] took = new long[1 << 16];
                int n = 0;
                for (int i = 0; System.nanoTime() < end; i++) {
                    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + TestSettings.RUNTIME_CONFIG_TOKEN);
                    if (named) {
                        request.header("X-Keyhouse-Runtime", "bench-" + ((id * 7919 + i) % RUNTIMES));
                    }
                    long start = System.nanoTime();
                    HttpResponse<Void> answer = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
                    long elapsed = System.nanoTime() - start;
                    if (answer.statusCode() != 200) {
                        throw new IllegalStateException("runtime-config answered " + answer.statusCode());
                    }
                    if (n == took.length) {
                        took = Arrays.copyOf(took, n * 2);
                    }
                    took[n++] = elapsed;
                }
                return Arrays.copyOf(took, n);
            }));
        }
        List<long[]> latencies = new ArrayList<>();
        for (Future<long[]> each : clients) {
            latencies.add(each.get());
        }
        pool.shutdown();
        return latencies;
    }
}
