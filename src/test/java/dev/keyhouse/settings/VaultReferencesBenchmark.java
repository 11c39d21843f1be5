package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.vault.VaultStandInResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark test -Dtest=VaultReferencesBenchmark} runs it (normal builds leave
 * {@code *Benchmark} out). Issue 18: what a {@code vault:} reference costs runtime-config.
 *
 * <p>The whole application ({@link Profiles.LoggedToFile}: a {@code VaultStandIn} as VAULT_ADDR,
 * {@code VAULT_CACHE_SECONDS=1}). {@value #CLIENTS} clients on loopback send {@code GET
 * /api/v1/internal/runtime-config} back to back, {@value #ROUNDS} rounds of {@value #SECONDS} s each way, interleaved
 * (which goes first alternates) after a warm-up: with the LLM key stored as a value, and as a reference (the value
 * cached; the snapshot rebuilt once a second as the cache's TTL runs out, so the figure includes the re-reads). Prints the median round's
 * requests per second of each and their ratio; and the median time of a single fetch that must read Vault (TTL just
 * run out) against one that need not.
 */
@QuarkusTest
@TestProfile(Profiles.LoggedToFile.class)
class VaultReferencesBenchmark {

    private static final int CLIENTS = 16;
    private static final int SECONDS = 3;
    private static final int ROUNDS = 4;
    private static final int COLD_SAMPLES = 15;

    @TestHTTPResource("/api/v1/internal/runtime-config")
    URI endpoint;

    private final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    static void plainAgain() {
        // the test database outlives this profile: the next one has no VAULT_ADDR (no HTTP port is set here)
        VaultReferencesServedTest.replaceReferences();
    }

    private void saveLlm(String apiKey) {
        Clients.put("llm", Clients.version("llm"), Map.of("provider", "openai", "model", "gpt-4o-mini",
                "apiKey", apiKey)).then().statusCode(200);
    }

    private String fetch() throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(endpoint)
                .header("Authorization", "Bearer " + TestSettings.RUNTIME_CONFIG_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new AssertionError("runtime-config answered " + answer.statusCode());
        }
        return answer.body();
    }

    private double requestsPerSecond() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<Long>> counts = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            counts.add(pool.submit(() -> {
                long n = 0;
                while (!stop.get()) {
                    fetch();
                    n++;
                }
                return n;
            }));
        }
        long start = System.nanoTime();
        Thread.sleep(SECONDS * 1000L);
        stop.set(true);
        long total = 0;
        for (Future<Long> count : counts) {
            total += count.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return total / seconds;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    @Test
    void whatAReferenceCostsRuntimeConfig() throws Exception {
        String plain = "sk-benchmark-plain-" + System.nanoTime();
        String held = "sk-benchmark-vault-" + System.nanoTime();
        VaultStandInResource.vault().put("secret", "benchmark/llm", Map.of("openai_key", held));
        String reference = "vault:secret/benchmark/llm#openai_key";
        List<Double> plainRates = new ArrayList<>();
        List<Double> referenceRates = new ArrayList<>();
        saveLlm(plain);
        requestsPerSecond(); // warm-up
        saveLlm(reference);
        requestsPerSecond();
        for (int round = 0; round < ROUNDS; round++) {
            // which goes first alternates, so neither gains from running after the other (JIT, a run's tail)
            for (boolean asReference : round % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                saveLlm(asReference ? reference : plain);
                assertThat(fetch()).contains(asReference ? held : plain);
                (asReference ? referenceRates : plainRates).add(requestsPerSecond());
            }
        }
        saveLlm(reference); // the cold fetches read the reference
        assertThat(fetch()).contains(held);
        List<Double> cold = new ArrayList<>();
        List<Double> warm = new ArrayList<>();
        int vaultReadsBefore = VaultStandInResource.vault().count("GET", "/v1/secret/data/benchmark/llm");
        for (int i = 0; i < COLD_SAMPLES; i++) {
            Thread.sleep(1_100); // VAULT_CACHE_SECONDS=1 in this profile: the value and the snapshot are due again
            long t0 = System.nanoTime();
            fetch();
            cold.add((System.nanoTime() - t0) / 1e6);
            long t1 = System.nanoTime();
            fetch();
            warm.add((System.nanoTime() - t1) / 1e6);
        }
        int vaultReads = VaultStandInResource.vault().count("GET", "/v1/secret/data/benchmark/llm") - vaultReadsBefore;
        System.out.printf("VaultReferencesBenchmark: %d clients, median of %d rounds of %d s%n", CLIENTS, ROUNDS, SECONDS);
        System.out.printf("  runtime-config, LLM key stored as a value:       %8.0f req/s%n", median(plainRates));
        System.out.printf("  runtime-config, LLM key as a vault: reference:   %8.0f req/s (%.2f of the value's)%n",
                median(referenceRates), median(referenceRates) / median(plainRates));
        System.out.printf("  one fetch that reads Vault (TTL run out): median %.2f ms; the next one: %.2f ms"
                + " (%d Vault reads for %d due fetches)%n", median(cold), median(warm), vaultReads, COLD_SAMPLES);
        assertThat(vaultReads).as("each due fetch read Vault once").isBetween(COLD_SAMPLES, COLD_SAMPLES * 2);
    }
}
