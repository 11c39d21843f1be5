package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static dev.keyhouse.Profiles.ROTATION_OLD_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.KeyhouseHome;
import dev.keyhouse.config.KeyhouseProcess;
import dev.keyhouse.settings.EnvironmentListener;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Issue 17, two replicas on one database: the packaged jar started twice, A on its embedded PostgreSQL and B on
 * A's database through {@code SYSTEM_DATABASE_URL} (via a {@link ListenerRelay} on loopback). Each of 20 saves on A
 * is answered by B's very next runtime-config call, made at once (A's answer waits for B's acknowledgement of the
 * change: {@code settings.ReplicaBarrier}; A's save latency alone and with B is printed); with B's listener silenced
 * (the relay holds back what PostgreSQL sends it) a save on A waits until B can no longer trust its cache, so B's
 * next call still answers the new key (before the barrier it answered the previous one); with the listener connections
 * killed ({@code pg_terminate_backend}, found by {@code application_name}), B's next call after a save on A still
 * answers the new key (it revalidates), and B reconnects ({@code keyhouse_runtime_config_listener_up} back to 1);
 * both asked at once to start a rotation job, one starts it and the other answers 409 naming it.
 */
class TwoReplicasIT {

    private static final String ADMIN_PASSWORD = "two-replicas-test-admin-password";
    private static final String RUNTIME_TOKEN = "two-replicas-runtime-token-" + UUID.randomUUID();
    private static final String URL = "/api/v1/internal/runtime-config";
    private static final String UP = "keyhouse_runtime_config_listener_up";

    @TempDir
    Path temp;

    private KeyhouseHome home;
    private KeyhouseProcess b;
    private ListenerRelay relay;

    @AfterEach
    void stopEverything() throws Exception {
        if (b != null) {
            b.close();
        }
        if (home != null) {
            home.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void bothReplicasServeTheNewKeyOnTheNextCallAndShareTheRotationLock() throws Exception {
        home = new KeyhouseHome(temp);
        Map<String, String> environment = new HashMap<>(Map.of(
                EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, ROTATION_NEW_KEY,
                EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, ROTATION_OLD_KEY,
                EnvCatalog.JWT_SECRET_KEY, "dHdvLXJlcGxpY2FzLWp3dC1rZXktMzItYnl0ZXMhISE=",
                EnvCatalog.SYSTEM_ADMIN_PASSWORD, ADMIN_PASSWORD,
                "PROVISIONER_INTERNAL_TOKEN", RUNTIME_TOKEN,
                "ROTATION_BATCH_SIZE", "5"));
        KeyhouseProcess a = home.start("a.log", environment);
        int port;
        try (Connection db = home.connect(); Statement s = db.createStatement();
                ResultSet r = s.executeQuery("SELECT inet_server_port()")) {
            r.next();
            port = r.getInt(1);
        }
        awaitListening(a);
        String admin = token(a);
        // A alone: what a save costs when no other replica has to acknowledge it
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Long> alone = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            alone.add(keptAliveSave(http, a, admin, "sk-alone-" + i + "-" + UUID.randomUUID()));
        }

        // B reaches the database through a relay on loopback that can hold back what PostgreSQL sends B's listener
        relay = new ListenerRelay(port);
        environment.put("SYSTEM_DATABASE_URL", "postgresql://keyhouse@127.0.0.1:" + relay.port() + "/keyhouse");
        Path bDir = Files.createDirectory(temp.resolve("b"));
        b = KeyhouseProcess.start(bDir, null, "b.log", environment).awaitReady();
        awaitListening(b);
        awaitListening(a);

        // a save on A, then B at once (no sleep, no retry; kept-alive connections, as a breaker's client, so B's call
        // leaves within a millisecond of A's answer), 20 times: B's first call answers the new key every time
        List<Long> paired = new ArrayList<>();
        List<Integer> stale = new ArrayList<>();
        keptAliveKey(http, b);
        for (int i = 0; i < 20; i++) {
            String key = "sk-replica-" + i + "-" + UUID.randomUUID();
            paired.add(keptAliveSave(http, a, admin, key));
            if (!key.equals(keptAliveKey(http, b))) {
                stale.add(i);
            }
        }
        System.out.printf("two replicas: save on A answered in %s ms alone (median %d), %s ms with B (median %d);"
                + " B's first call after the save stale in %d of 20: %s%n", alone, median(alone), paired,
                median(paired), stale.size(), stale);
        assertThat(stale).as("saves after which B's very next call served the previous key").isEmpty();
        String last = "sk-replica-last-" + UUID.randomUUID();
        save(a, admin, last);
        assertThat(llmKey(b)).isEqualTo(last);
        assertThat(llmKey(a)).isEqualTo(last);

        // B's listener silenced (its pings still reach the database, nothing comes back to it): A's save waits for
        // B until B can no longer trust its cache, so B's next call still answers the new key
        assertThat(relay.listeners()).as("B's listener connection goes through the relay").isPositive();
        String silenced = "sk-replica-silenced-" + UUID.randomUUID();
        long silencedMillis;
        relay.stall(true);
        try {
            silencedMillis = save(a, admin, silenced);
            assertThat(llmKey(b)).as("B's next call while its listener hears nothing").isEqualTo(silenced);
        } finally {
            relay.stall(false);
        }
        System.out.printf("two replicas: save on A with B's listener silenced answered in %d ms%n", silencedMillis);
        awaitLog(a, "did not acknowledge a settings change within 1750 ms");
        assertThat(llmKey(b)).isEqualTo(silenced);
        // the WARN names B as B's own INFO line named its listener (pid@host.<8 hex>), so an operator can find it
        // (the channel's name is not matched: the packaged app's log mask hides the database user, keyhouse, in it)
        java.util.regex.Matcher listening = java.util.regex.Pattern
                .compile("served from memory: listening on \\S+ as (\\S+)@(\\S+)\\.([0-9a-f]{8})").matcher(b.logText());
        assertThat(listening.find()).as("B logs its listener id").isTrue();
        String bProcess = listening.group(1) + "@" + listening.group(2);
        assertThat(a.logText()).contains("runtime-config barrier: replica " + bProcess + " (listener " + bProcess + ".");

        // the listeners killed (found by application_name; both, as nothing tells A's from B's): B revalidates
        // until it is back, and never serves the key before the save
        int killed;
        try (Connection db = home.connect(); Statement s = db.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                        + " FROM pg_stat_activity WHERE application_name = '" + EnvironmentListener.APPLICATION_NAME
                        + "'")) {
            r.next();
            killed = r.getInt(1);
        }
        assertThat(killed).as("A's and B's listeners were terminated").isEqualTo(2);
        String afterKill = "sk-replica-after-kill-" + UUID.randomUUID();
        save(a, admin, afterKill);
        assertThat(llmKey(b)).as("B's next call with its listener gone").isEqualTo(afterKill);
        awaitLog(b, "lost (PSQLException, SQL state 57P01): every call revalidates");
        awaitListening(b);
        assertThat(b.logText().split("runtime-config is served from memory: listening", -1)).as("B reconnected")
                .hasSize(3);
        String reconnected = "sk-replica-reconnected-" + UUID.randomUUID();
        save(a, admin, reconnected);
        assertThat(llmKey(b)).isEqualTo(reconnected);

        // the rotation lock holds across replicas: both asked at once, one job runs
        try (Connection db = home.connect()) {
            SealedRows.seed(db, SealedRows.cipher(ROTATION_OLD_KEY), "two-replicas/llm/api_key", 2000);
        }
        CompletableFuture<Response> onA = CompletableFuture.supplyAsync(() -> startJob(a, admin));
        CompletableFuture<Response> onB = CompletableFuture.supplyAsync(() -> startJob(b, admin));
        int[] statuses = { onA.join().statusCode(), onB.join().statusCode() };
        Arrays.sort(statuses);
        assertThat(statuses).containsExactly(202, 409);
        Response refused = onA.join().statusCode() == 409 ? onA.join() : onB.join();
        Response startedJob = onA.join().statusCode() == 202 ? onA.join() : onB.join();
        long job = startedJob.jsonPath().getLong("id");
        assertThat(refused.jsonPath().getLong("runningJob")).isEqualTo(job);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!"succeeded".equals(jobState(job))) {
            assertThat(System.nanoTime()).as("job " + job + " ends").isLessThan(deadline);
            Thread.sleep(200);
        }
        try (Connection db = home.connect(); Statement s = db.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM rotation_jobs")) {
            r.next();
            assertThat(r.getLong(1)).as("one job").isEqualTo(1);
        }
        // the job rewrote sealed values: both still serve the key, from memory again
        assertThat(llmKey(b)).isEqualTo(reconnected);
        assertThat(llmKey(a)).isEqualTo(reconnected);
        for (KeyhouseProcess keyhouse : List.of(a, b)) {
            assertThat(keyhouse.logText()).doesNotContain(reconnected).doesNotContain(afterKill)
                    .doesNotContain(RUNTIME_TOKEN).doesNotContain(ADMIN_PASSWORD);
        }
    }

    private String jobState(long job) throws Exception {
        try (Connection db = home.connect(); Statement s = db.createStatement();
                ResultSet r = s.executeQuery("SELECT state FROM rotation_jobs WHERE id = " + job)) {
            return r.next() ? r.getString(1) : null;
        }
    }

    private static Response startJob(KeyhouseProcess keyhouse, String admin) {
        return given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON).post(Jobs.API);
    }

    private static String token(KeyhouseProcess keyhouse) {
        return given().baseUri(keyhouse.baseUrl()).contentType(ContentType.JSON)
                .body("{\"email\":\"admin@keyhouse.local\",\"password\":\"" + ADMIN_PASSWORD + "\"}")
                .post("/api/v1/auth/token").then().statusCode(200).extract().path("access_token");
    }

    /** Saves {@code key} as the LLM key on {@code keyhouse}; returns how long the PUT took to answer, in ms. */
    private static long save(KeyhouseProcess keyhouse, String admin, String key) {
        String etag = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/settings/llm").then()
                .statusCode(200).extract().header("ETag");
        long start = System.nanoTime();
        given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", key))
                .put("/api/v1/settings/llm").then().statusCode(200);
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** Saves {@code key} on {@code keyhouse} over {@code http}'s kept-alive connection; returns the PUT's time, ms. */
    private static long keptAliveSave(HttpClient http, KeyhouseProcess keyhouse, String admin, String key)
            throws Exception {
        String etag = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/settings/llm").then()
                .statusCode(200).extract().header("ETag");
        long start = System.nanoTime();
        HttpResponse<String> saved = http.send(HttpRequest.newBuilder(URI.create(keyhouse.baseUrl()
                + "/api/v1/settings/llm")).header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/json").header("If-Match", etag)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
                        + "\"apiKey\":\"" + key + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(saved.statusCode()).as("the save's status").isEqualTo(200);
        return millis;
    }

    /** The runtime-config LLM key over {@code http}'s kept-alive connection. */
    private static String keptAliveKey(HttpClient http, KeyhouseProcess keyhouse) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(keyhouse.baseUrl() + URL))
                .header("Authorization", "Bearer " + RUNTIME_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        return io.restassured.path.json.JsonPath.from(answer.body()).getString("env.LLM_API_KEY");
    }

    private static String llmKey(KeyhouseProcess keyhouse) {
        Response answer = given().baseUri(keyhouse.baseUrl()).auth().oauth2(RUNTIME_TOKEN).get(URL);
        answer.then().statusCode(200);
        return answer.jsonPath().getString("env.LLM_API_KEY");
    }

    private static void awaitListening(KeyhouseProcess keyhouse) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!given().baseUri(keyhouse.managementUrl()).get("/q/metrics").asString().contains(UP + " 1.0")) {
            assertThat(System.nanoTime()).as(UP + " is 1").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void awaitLog(KeyhouseProcess keyhouse, String line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!keyhouse.logText().contains(line)) {
            assertThat(System.nanoTime()).as("log line: " + line + " in\n" + keyhouse.logText()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
