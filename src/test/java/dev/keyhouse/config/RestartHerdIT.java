package dev.keyhouse.config;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.restassured.http.ContentType;

/**
 * The fleet's thundering herd right after a restart (issue 17): the packaged jar is restarted on a database holding
 * every provider setting, and at once far more first calls than the pool has connections (Agroal's default, 20) arrive
 * together at runtime-config (named and unnamed), the sign-in endpoint, the settings page and the settings API. Each
 * answers 200 within a bounded time, nothing in the log says a connection could not be acquired, and a single call
 * afterwards is answered at once. The first process's graceful stop, right after 50 named fetches, writes their
 * acknowledgements before its embedded database stops. Before the fix a request held a pooled connection while the first use of the
 * fingerprint key waited, under a lock, for a second one: 0 of 32 completed.
 */
class RestartHerdIT {

    private static final String ADMIN_PASSWORD = "restart-herd-test-admin-password";
    private static final String ENCRYPTION_KEY = "cmVzdGFydC1oZXJkLXRlc3Qta2V5LTMyLWJ5dGVzLSE=";
    private static final String JWT_KEY = "cmVzdGFydC1oZXJkLWp3dC1rZXktMzItYnl0ZXMtISE=";
    private static final String RUNTIME_TOKEN = "restart-herd-runtime-token-4c1d";
    /** Callers per endpoint kind: 40 each (runtime-config twice: named and not), 176 at once, nine times the pool. */
    private static final int PER_KIND = 40;
    /** Sign-ins among them: each is ~0.3 s of bcrypt CPU (cost 12), so fewer, or 2 cores take minutes. */
    private static final int SIGN_INS = 16;
    /** Named fetches just before the first process is stopped. */
    private static final int ACKED_AT_STOP = 50;
    /** The bound each call must answer in; bcrypt sign-ins on 2 busy cores are the slowest. */
    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    private KeyhouseHome home;

    @BeforeEach
    void install() throws Exception {
        home = new KeyhouseHome(temp);
    }

    @AfterEach
    void stop() throws Exception {
        home.close();
    }

    @Test
    void farMoreFirstCallsThanPooledConnectionsAllAnswerRightAfterARestart() throws Exception {
        KeyhouseProcess first = start("first.log");
        String admin = token(first);
        save(first, admin, "llm", Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", "sk-herd-llm-8d2f61a0c4"));
        save(first, admin, "stt", Map.of("provider", "deepgram", "model", "nova-3", "language", "en-US",
                "apiKey", "dg-herd-stt-5e1b77c2"));
        save(first, admin, "tts", Map.of("provider", "elevenlabs", "voice", "Rachel", "apiKey", "el-herd-tts-93aa04"));
        // fetches acknowledged in memory just before a graceful stop are written before the embedded database stops
        HttpClient fetcher = HttpClient.newHttpClient();
        for (int i = 0; i < ACKED_AT_STOP; i++) {
            assertThat(fetcher.send(get(first, "/api/v1/internal/runtime-config").header("Authorization", "Bearer "
                    + RUNTIME_TOKEN).header("X-Keyhouse-Runtime", "acked-at-stop-" + i).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        }
        assertThat(first.terminate(Duration.ofSeconds(30))).as("graceful stop").isTrue();

        KeyhouseProcess second = start("second.log");
        try (java.sql.Connection db = home.connect(); java.sql.Statement query = db.createStatement();
                java.sql.ResultSet count = query.executeQuery(
                        "SELECT count(*) FROM runtime_acks WHERE runtime LIKE 'acked-at-stop-%'")) {
            count.next();
            assertThat(count.getInt(1)).as("acknowledgements pending at SIGTERM, written before the database stopped")
                    .isEqualTo(ACKED_AT_STOP);
        }
        // the session JWT and bearer issued before the restart stay valid (same JWT_SECRET_KEY): no call below is the
        // process's second
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < PER_KIND; i++) {
            requests.add(get(second, "/api/v1/internal/runtime-config").header("Authorization", "Bearer " + RUNTIME_TOKEN)
                    .build());
            requests.add(get(second, "/api/v1/internal/runtime-config").header("Authorization", "Bearer " + RUNTIME_TOKEN)
                    .header("X-Keyhouse-Runtime", "herd-" + i).build());
            if (i < SIGN_INS) {
                requests.add(HttpRequest.newBuilder(URI.create(second.baseUrl() + "/api/v1/auth/token")).timeout(BOUND)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"admin@keyhouse.local\","
                                + "\"password\":\"" + ADMIN_PASSWORD + "\"}")).build());
            }
            requests.add(get(second, "/admin/settings").header("Cookie", "keyhouse_session=" + admin).build());
            requests.add(get(second, "/api/v1/settings").header("Authorization", "Bearer " + admin).build());
        }
        Map<String, Integer> answers = fire(client, requests);

        Map<String, Integer> expected = new TreeMap<>();
        expected.put("GET /api/v1/internal/runtime-config 200", PER_KIND * 2);
        expected.put("POST /api/v1/auth/token 200", SIGN_INS);
        expected.put("GET /admin/settings 200", PER_KIND);
        expected.put("GET /api/v1/settings 200", PER_KIND);
        assertThat(answers).as(() -> "every call answered 200 within " + BOUND.toSeconds() + " s; the log said:\n"
                + problems(second)).isEqualTo(expected);

        long before = System.nanoTime();
        HttpResponse<String> single = client.send(get(second, "/api/v1/internal/runtime-config")
                .header("Authorization", "Bearer " + RUNTIME_TOKEN).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(single.statusCode()).isEqualTo(200);
        assertThat(single.body()).contains("\"LLM_API_KEY\":\"sk-herd-llm-8d2f61a0c4\"");
        assertThat(Duration.ofNanos(System.nanoTime() - before)).as("a single call afterwards").isLessThan(
                Duration.ofSeconds(5));
        assertThat(second.logText()).doesNotContain("Unable to acquire JDBC Connection")
                .doesNotContain("acquisition timeout");
    }

    private static String problems(KeyhouseProcess keyhouse) {
        try {
            return keyhouse.logText().lines().filter(line -> line.contains("WARN") || line.contains("ERROR")).limit(40)
                    .collect(java.util.stream.Collectors.joining("\n"));
        } catch (java.io.IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Sends every request at once (one thread each, released together); counts "METHOD path status" answers. */
    private static Map<String, Integer> fire(HttpClient client, List<HttpRequest> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (HttpRequest request : requests) {
                answers.add(pool.submit(() -> {
                    go.await();
                    String call = request.method() + " " + request.uri().getPath();
                    try {
                        return call + " " + client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (java.net.http.HttpTimeoutException e) {
                        return call + " timed out";
                    }
                }));
            }
            go.countDown();
            Map<String, Integer> counts = new TreeMap<>();
            for (Future<String> answer : answers) {
                counts.merge(answer.get(BOUND.toSeconds() + 30, TimeUnit.SECONDS), 1, Integer::sum);
            }
            return counts;
        } finally {
            pool.shutdownNow();
        }
    }

    private static HttpRequest.Builder get(KeyhouseProcess keyhouse, String path) {
        return HttpRequest.newBuilder(URI.create(keyhouse.baseUrl() + path)).timeout(BOUND).GET();
    }

    private KeyhouseProcess start(String log) throws Exception {
        return home.start(log, Map.of(EnvCatalog.SYSTEM_ADMIN_PASSWORD, ADMIN_PASSWORD,
                EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, ENCRYPTION_KEY, EnvCatalog.JWT_SECRET_KEY, JWT_KEY,
                "PROVISIONER_INTERNAL_TOKEN", RUNTIME_TOKEN));
    }

    private static String token(KeyhouseProcess keyhouse) {
        return given().baseUri(keyhouse.baseUrl()).contentType(ContentType.JSON)
                .body(Map.of("email", "admin@keyhouse.local", "password", ADMIN_PASSWORD))
                .post("/api/v1/auth/token").then().statusCode(200).extract().path("access_token");
    }

    private static void save(KeyhouseProcess keyhouse, String admin, String kind, Map<String, String> body) {
        String etag = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/settings/" + kind)
                .then().statusCode(200).extract().header("ETag");
        given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body(body).put("/api/v1/settings/" + kind).then().statusCode(200);
    }
}
