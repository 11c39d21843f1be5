package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/**
 * Issue 17, runtime-config from memory: what {@link ProviderEnvironment} keeps while the {@link EnvironmentListener}
 * listens, and that it is never served older than the last change: a build a change overtook is not kept, without
 * the listener every call revalidates, and a rollout's pins are answered from memory and dropped with the run.
 */
@QuarkusTest
class RuntimeConfigMemoryTest {

    private static final String URL = "/api/v1/internal/runtime-config";

    @Inject
    ProviderEnvironment environment;
    @Inject
    EnvironmentListener listener;
    @Inject
    ReplicaBarrier barrier;
    @Inject
    DataSource db;
    @Inject
    dev.keyhouse.config.PoolHolds holds;

    /**
     * A save that commits while a snapshot is being built (after its reads, before it is stored) makes that build
     * unusable: it is not kept, so the next call answers the new key, not the key the build read.
     */
    @Test
    void aSaveDuringABuildKeepsThatBuildOutOfMemory() {
        awaitListening();
        String before = key("sk-memory-before-");
        String after = "sk-memory-after-" + UUID.randomUUID();
        saveLlm(before);
        ProviderEnvironment.Snapshot built = QuarkusTransaction.requiringNew()
                .call(() -> environment.snapshot(() -> saveLlm(after)));
        assertThat(built.current().env().get("LLM_API_KEY")).as("the build read the key before the save")
                .isEqualTo(before);
        ProviderEnvironment.RuntimeEnvironment remembered = environment.fromMemory(null);
        assertThat(remembered == null ? after : remembered.env().get("LLM_API_KEY")).isEqualTo(after);
        assertThat(fetch(null)).isEqualTo(after);
        assertThat(remembered(null).env().get("LLM_API_KEY")).isEqualTo(after);

        // the same for a change made by another replica (here plain SQL): only its notification tells this one
        long version = llmVersion();
        ProviderEnvironment.Snapshot overtaken = QuarkusTransaction.requiringNew().call(() -> environment.snapshot(
                () -> {
                    // on a thread of its own: in this transaction it would commit only after the build
                    java.util.concurrent.CompletableFuture.runAsync(() -> Rows.update(db,
                            "UPDATE provider_settings SET model = 'gpt-memory-race' WHERE kind = 'llm'")).join();
                    await("the notification of the other replica's commit",
                            () -> environment.fromMemory(null) == null);
                }));
        assertThat(overtaken.current().env().get("LLM_MODEL")).isNotEqualTo("gpt-memory-race");
        assertThat(environment.fromMemory(null)).as("a build older than the notification is not kept").isNull();
        assertThat(given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get(URL).jsonPath()
                .getString("env.LLM_MODEL")).isEqualTo("gpt-memory-race");
        assertThat(llmVersion()).isEqualTo(version);
    }

    /**
     * While the listener is stopped (as when its connection is lost), nothing is served from memory and every call
     * revalidates: a change no notification reaches (plain SQL, no listener) is served by the next call.
     */
    @Test
    void withoutTheListenerEveryCallRevalidates() {
        awaitListening();
        saveLlm(key("sk-memory-fallback-"));
        assertThat(fetch(null)).startsWith("sk-memory-fallback-");
        listener.onStop(null);
        try {
            assertThat(environment.listening()).isFalse();
            assertThat(environment.fromMemory(null)).isNull();
            assertEveryCallRevalidates("gpt-fallback-1", "gpt-fallback-2");
        } finally {
            listener.onStart(null);
        }
        awaitListening();
        assertThat(given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get(URL).jsonPath()
                .getString("env.LLM_MODEL")).isEqualTo("gpt-fallback-2");
        assertThat(remembered(null).env().get("LLM_MODEL")).as("listening again: served from memory")
                .isEqualTo("gpt-fallback-2");
    }

    /**
     * A LISTEN that "succeeds" but delivers nothing (what a pooler in transaction mode does: the LISTEN lands on a
     * server connection this client does not keep), stood in for by listening on another channel: the listener's own
     * pings never come back, so nothing is ever served from memory and every call sees a change made behind its back.
     */
    @Test
    void aListenThatDeliversNothingIsNeverTrusted() throws InterruptedException {
        awaitListening();
        listener.onStop(null);
        listener.listenOn("keyhouse_delivers_nothing");
        try {
            listener.onStart(null);
            long until = System.nanoTime() + ProviderEnvironment.ALIVE_NANOS * 2;
            while (System.nanoTime() < until) {
                assertThat(environment.listening()).as("never trusted").isFalse();
                Thread.sleep(50);
            }
            assertEveryCallRevalidates("gpt-silent-1", "gpt-silent-2");
        } finally {
            listener.onStop(null);
            listener.listenOn(EnvironmentListener.CHANNEL);
            listener.onStart(null);
        }
        awaitListening();
        assertThat(given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get(URL).jsonPath()
                .getString("env.LLM_MODEL")).isEqualTo("gpt-silent-2");
    }

    /**
     * The barrier end to end on this replica, with another replica stood in for by plain SQL on a connection of the
     * test's own (pings as its listener sends them, an acknowledgement for each barrier it hears): a save answers
     * once that replica acknowledged; a replica that pings but does not acknowledge holds the save's answer until
     * the deadline (1.75 s after the commit) and never longer; one that stopped pinging is not waited for.
     */
    @Test
    void aSaveAnswersOnceEveryOtherReplicaAcknowledged() throws Exception {
        awaitListening();
        String other = UUID.randomUUID().toString();
        java.util.concurrent.atomic.AtomicBoolean pinging = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicBoolean acking = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.List<String> barriers = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread replica = new Thread(() -> {
            try (java.sql.Connection c = db.getConnection(); java.sql.Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                s.execute("LISTEN " + EnvironmentListener.CHANNEL);
                org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
                long n = 0;
                while (!stop.get()) {
                    if (pinging.get()) {
                        notify(c, "ping:" + other + ":" + ++n);
                    }
                    org.postgresql.PGNotification[] heard = pg.getNotifications(100);
                    for (org.postgresql.PGNotification notification : heard == null
                            ? new org.postgresql.PGNotification[0] : heard) {
                        String payload = notification.getParameter();
                        if (payload.startsWith(ReplicaBarrier.BARRIER)) {
                            barriers.add(payload);
                            if (acking.get()) {
                                notify(c, ReplicaBarrier.ACK + other + ":" + payload);
                            }
                        }
                    }
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }, "other-replica");
        replica.start();
        try {
            // this replica's listener must have LISTENed and heard the other's pings for a whole window: waited
            // for on the barrier's own bookkeeping (a fixed sleep fell short on a loaded machine)
            await("the listener expecting the other replica", () -> barrier.book().wouldExpect(other, System.nanoTime()));
            long acknowledged = saveLlm(key("sk-barrier-acked-"));
            assertThat(barriers).as("the save sent a barrier").hasSize(1);
            assertThat(acknowledged).as("answered on the acknowledgement, ms").isLessThan(1000);

            acking.set(false);
            // while the save's answer waits, the thread that saved holds no pooled connection (issue 17's
            // hold-and-wait: a wait of up to 1.75 s on a pooled connection would starve the pool)
            holds.watch("ProviderSettings.save");
            java.util.concurrent.CompletableFuture<Long> waiting = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> saveLlm(key("sk-barrier-silent-")));
            await("the save's transaction", () -> !holds.takers().isEmpty());
            await("the save's commit", () -> holds.takers().stream().noneMatch(holds.holders()::contains));
            Thread.sleep(500);
            assertThat(waiting).as("the save's answer is still waiting for the other replica").isNotDone();
            assertThat(holds.holders()).as("threads holding a pooled connection while the save's answer waits")
                    .doesNotContainAnyElementsOf(holds.takers());
            holds.watch(null);
            long unacknowledged = waiting.join();
            assertThat(barriers).hasSize(2);
            long bound = TimeUnit.NANOSECONDS.toMillis(ReplicaBarrier.BOUND_NANOS);
            assertThat(unacknowledged).as("held until the deadline, never much past it, ms")
                    .isBetween(bound - 300, bound + 1500);
            // the other paths that change what runtime-config serves: a rollback over the API, one on the page
            String etag = "\"" + Clients.version("llm") + "\"";
            long start = System.nanoTime();
            given().auth().oauth2(Clients.admin()).header("If-Match", etag).post("/api/v1/settings/llm/rollback")
                    .then().statusCode(200);
            long apiRollback = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            String session = Clients.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            io.restassured.response.Response form = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE,
                    session).get("/admin/settings/llm");
            start = System.nanoTime();
            given().redirects().follow(false).cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session)
                    .cookies(form.getCookies()).contentType(ContentType.URLENC)
                    .formParam("csrf-token", form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value"))
                    .formParam("version", form.htmlPath().getString("**.find { it.@name == 'version' }.@value"))
                    .formParam("confirmed", "yes").post("/admin/settings/llm/rollback").then().statusCode(303);
            long pageRollback = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(barriers).as("each rollback sent a barrier").hasSize(4);
            assertThat(List.of(apiRollback, pageRollback)).as("rollbacks (API, page) held until the deadline, ms")
                    .allSatisfy(ms -> assertThat(ms).isBetween(bound - 300, bound + 1500));

            pinging.set(false);
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(ReplicaBarrier.WINDOW_NANOS) + 200);
            long gone = saveLlm(key("sk-barrier-gone-"));
            assertThat(gone).as("a replica that stopped pinging is not waited for, ms").isLessThan(1000);
            assertThat(barriers).hasSize(5);
            System.out.printf("barrier: save answered in %d ms acknowledged, %d ms unacknowledged (rollbacks: API"
                    + " %d ms, page %d ms), %d ms alone%n", acknowledged, unacknowledged, apiRollback, pageRollback,
                    gone);
        } finally {
            stop.set(true);
            replica.join(5000);
        }
    }

    private static void notify(java.sql.Connection c, String payload) throws java.sql.SQLException {
        try (java.sql.PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            s.setString(1, EnvironmentListener.CHANNEL);
            s.setString(2, payload);
            s.execute();
        }
    }


    /**
     * During a rollout, a runtime whose wave has not come, a pod of a waiting Deployment and an unpinned runtime are
     * answered from memory (no transaction, no query: {@code fromMemory} is called here on the test's thread) with
     * the key each must get, after one fetch built the pinned set; when the run ends its notification drops them.
     */
    @Test
    void aRolloutsPinsAreServedFromMemoryAndDroppedWhenItEnds() {
        awaitListening();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String oldKey = "sk-memory-pin-old-" + tag;
        String newKey = "sk-memory-pin-new-" + tag;
        saveLlm(oldKey);
        long previous = llmVersion();
        saveLlm(newKey);
        long run = Long.parseLong(Rows.column(db, "INSERT INTO restart_runs (state, cause, kind, settings_version,"
                + " created_by, rollout, current_wave, wave_count, previous_version) VALUES ('waiting_approval', 'save',"
                + " 'llm', ?, 'memory-test', true, 1, 2, ?) RETURNING id", llmVersion(), previous).get(0));
        try {
            for (String runtime : new String[] { "chat-2-" + tag, "Deployment/voice" + tag }) {
                Rows.update(db, "INSERT INTO restart_results (run_id, target_name, driver, runtime, state, wave)"
                        + " VALUES (?, ?, 'command', ?, 'waiting', 2)", run, "memory-" + tag, runtime);
            }
            await("the rollout's notification", () -> environment.fromMemory("chat-2-" + tag) == null);
            assertThat(fetch("chat-2-" + tag)).isEqualTo(oldKey);
            for (String runtime : new String[] { "chat-2-" + tag, "voice" + tag + "-5d8f7c-x2x9q" }) {
                assertThat(remembered(runtime).env().get("LLM_API_KEY")).as(runtime).isEqualTo(oldKey);
                assertThat(fetch(runtime)).isEqualTo(oldKey);
            }
            for (String runtime : new String[] { "chat-3-" + tag, "voice" + tag, "x-chat-2-" + tag }) {
                assertThat(remembered(runtime).env().get("LLM_API_KEY")).as(runtime).isEqualTo(newKey);
            }
            assertThat(remembered(null).env().get("LLM_API_KEY")).isEqualTo(newKey);
        } finally {
            Rows.update(db, "UPDATE restart_runs SET state = 'aborted', finished_at = now() WHERE id = ?", run);
        }
        await("the run's end", () -> environment.fromMemory("chat-2-" + tag) == null);
        assertThat(fetch("chat-2-" + tag)).isEqualTo(newKey);
        assertThat(remembered("chat-2-" + tag).env().get("LLM_API_KEY")).isEqualTo(newKey);
    }

    /**
     * What memory answers for a runtime; when a background change (another test's rows, a job) dropped the snapshot
     * in between, one fetch builds it again (a few tries): never a database read here.
     */
    private ProviderEnvironment.RuntimeEnvironment remembered(String runtime) {
        long generation = environment.generation();
        for (int attempt = 0; attempt < 5; attempt++) {
            ProviderEnvironment.RuntimeEnvironment remembered = environment.fromMemory(runtime);
            if (remembered != null) {
                return remembered;
            }
            fetch(runtime);
        }
        throw new AssertionError("never answered from memory for " + runtime + " (listening " + environment.listening()
                + ", dropped " + (environment.generation() - generation) + " times meanwhile)");
    }

    /** Each model written behind the cache's back (plain SQL) is what the next call answers; none from memory. */
    private void assertEveryCallRevalidates(String... models) {
        for (String model : models) {
            Rows.update(db, "UPDATE provider_settings SET model = ?, updated_at = now() WHERE kind = 'llm'", model);
            assertThat(given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get(URL).jsonPath()
                    .getString("env.LLM_MODEL")).isEqualTo(model);
            assertThat(environment.fromMemory(null)).as("nothing is served from memory").isNull();
        }
    }

    private void awaitListening() {
        await("the listener", environment::listening);
    }

    /** Waits up to 20 s for {@code condition} (VaultReferencesServedTest waits with it too). */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static String key(String prefix) {
        return prefix + UUID.randomUUID();
    }

    private static String fetch(String runtime) {
        var request = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN);
        if (runtime != null) {
            request = request.header(RuntimeConfigResource.RUNTIME_HEADER, runtime);
        }
        var answer = request.get(URL);
        answer.then().statusCode(200);
        return answer.jsonPath().getString("env.LLM_API_KEY");
    }

    private long llmVersion() {
        return Long.parseLong(Rows.column(db, "SELECT version FROM provider_settings WHERE kind = 'llm'").get(0));
    }

    /** Saves {@code key} as the LLM key over the API; returns how long the PUT took to answer, in ms. */
    private static long saveLlm(String key) {
        String admin = ApiClient.adminToken();
        String etag = given().auth().oauth2(admin).get("/api/v1/settings/llm").then().statusCode(200)
                .extract().header("ETag");
        long start = System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", key))
                .put("/api/v1/settings/llm").then().statusCode(200);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
