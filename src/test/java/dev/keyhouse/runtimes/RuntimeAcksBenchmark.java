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
 * <p>The whole application ({@link Profiles.AckBenchmark}), three kinds of fetch: without
 * {@code X-Keyhouse-Runtime}; with it, {@value #RUNTIMES} runtime names in turn, acks batched ({@link RuntimeAcks},
 * what ships); and with it again with the old synchronous upsert in a transaction of its own per fetch switched on
 * ({@link SynchronousAcks}, the code before issue 17, kept here only; the batched sighting still happens too, a map
 * put). Prints:
 * <ul>
 * <li>what recording a named fetch costs its request thread: the mean time to fire {@value #EVENTS}
 * {@link RuntimeConfigServed} events from one thread, batched and synchronous;</li>
 * <li>{@value #CLIENTS} clients on loopback each sending {@code GET /api/v1/internal/runtime-config} back to back,
 * {@value #ROUNDS} rounds of {@value #SECONDS} s per kind interleaved after a {@value #WARM_UP} s warm-up of each:
 * the median round's requests per second, p50 and p99, and each with-header figure ÷ the without-header one.</li>
 * </ul>
 */
@QuarkusTest
@TestProfile(Profiles.AckBenchmark.class)
class RuntimeAcksBenchmark {

    private static final int CLIENTS = 32;
    private static final int RUNTIMES = 200;
    private static final int WARM_UP = 3;
    private static final int SECONDS = 4;
    private static final int ROUNDS = 3;
    private static final int EVENTS = 2_000;

    @TestHTTPResource("/api/v1/internal/runtime-config")
    URI endpoint;
    @Inject
    RuntimeAcks acks;
    @Inject
    jakarta.enterprise.event.Event<RuntimeConfigServed> served;

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
        // the cost a named fetch adds on its request thread: the observers of its event, one thread, no HTTP
        double batchedMicros = observerMicros(false);
        double synchronousMicros = observerMicros(true);
        // whole requests, the three kinds interleaved round after round (a shared machine drifts), median of each
        for (Mode mode : Mode.values()) {
            mode.run(this, client, WARM_UP);
        }
        java.util.Map<Mode, List<Figures>> rounds = new java.util.EnumMap<>(Mode.class);
        for (int round = 0; round < ROUNDS; round++) {
            for (Mode mode : Mode.values()) {
                rounds.computeIfAbsent(mode, m -> new ArrayList<>()).add(mode.run(this, client, SECONDS));
            }
        }
        acks.flush();
        Figures unnamed = median(rounds.get(Mode.UNNAMED));
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "%nruntime-config benchmark: whole"
                + " application, %d clients on loopback, %d rounds of %d s per kind (median), %d runtime names,"
                + " %d CPUs%n", CLIENTS, ROUNDS, SECONDS, RUNTIMES, Runtime.getRuntime().availableProcessors()));
        report.append(line("without X-Keyhouse-Runtime", unnamed, unnamed));
        report.append(line("with it, acks batched (issue 17)", median(rounds.get(Mode.BATCHED)), unnamed));
        report.append(line("with it, synchronous upsert (before)", median(rounds.get(Mode.SYNCHRONOUS)), unnamed));
        report.append(String.format(Locale.ROOT, "  recording one named fetch on its request thread: batched %.1f µs,"
                + " synchronous upsert %.1f µs (%d fetches each, one thread)%n", batchedMicros, synchronousMicros,
                EVENTS));
        System.out.println(report);
        assertThat(batchedMicros).isLessThan(synchronousMicros);
    }

    private enum Mode {
        UNNAMED, BATCHED, SYNCHRONOUS;

        Figures run(RuntimeAcksBenchmark benchmark, HttpClient client, int seconds) throws Exception {
            SynchronousAcks.ON.set(this == SYNCHRONOUS);
            try {
                return figures(benchmark.run(client, this != UNNAMED, seconds), seconds);
            } finally {
                SynchronousAcks.ON.set(false);
            }
        }
    }

    /** Mean microseconds to fire {@value #EVENTS} {@link RuntimeConfigServed} events, after as many unmeasured. */
    private double observerMicros(boolean synchronous) {
        SynchronousAcks.ON.set(synchronous);
        try {
            for (int i = 0; i < EVENTS; i++) {
                served.fire(new RuntimeConfigServed("bench-" + (i % RUNTIMES), 1, "fp"));
            }
            long start = System.nanoTime();
            for (int i = 0; i < EVENTS; i++) {
                served.fire(new RuntimeConfigServed("bench-" + (i % RUNTIMES), 1, "fp"));
            }
            return (System.nanoTime() - start) / 1e3 / EVENTS;
        } finally {
            SynchronousAcks.ON.set(false);
        }
    }

    private static Figures median(List<Figures> rounds) {
        List<Figures> sorted = rounds.stream().sorted(java.util.Comparator.comparingDouble(Figures::perSecond)).toList();
        return sorted.get(sorted.size() / 2);
    }

    private static String line(String what, Figures figures, Figures unnamed) {
        return String.format(Locale.ROOT, "  %-40s %,8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  ÷ without %.2f%n", what,
                figures.perSecond(), figures.p50Millis(), figures.p99Millis(), figures.perSecond() / unnamed.perSecond());
    }

    private static Figures figures(List<long[]> latencies, int seconds) {
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Figures(all.length / (double) seconds, all[all.length / 2] / 1e6,
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
