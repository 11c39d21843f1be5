package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.settings.ProviderEnvironment;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.inject.Vetoed;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Issue 17: acknowledgements off the request path ({@link RuntimeAcks}). Sightings are batched in memory and written
 * in one statement per flush on the real database, stamped on the database's clock at the time they were served.
 * Most cases drive their own {@link RuntimeAcks} (a second "replica" on the same database, with a one-hour interval so
 * only the test flushes it); the fleet case goes through the application's endpoint and bean.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RuntimeAcksTest {

    private static final String URL = "/api/v1/internal/runtime-config";
    private static final Duration NEVER = Duration.ofHours(1);

    @Inject
    DataSource db;
    @Inject
    EntityManager em;
    @Inject
    RuntimeAcks acks;
    @Inject
    ProviderEnvironment environment;
    @ConfigProperty(name = "quarkus.datasource.jdbc.max-size", defaultValue = "20")
    int poolSize;
    @TestHTTPResource(URL)
    URI endpoint;

    private String tag;
    private final List<RuntimeAcks> replicas = new ArrayList<>();

    @BeforeEach
    void tag() {
        tag = "acks-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    @AfterEach
    void cleanUp() throws SQLException {
        replicas.forEach(r -> r.stop(null));
        update("DELETE FROM runtime_acks WHERE runtime LIKE ?", tag + "%");
    }

    /** A replica of the acks on the same database whose flusher only the test (or a failure's retry) runs. */
    private RuntimeAcks replica(Duration interval) {
        RuntimeAcks replica = new CountingAcks(em, db, interval);
        replica.flush(); // nothing pending: starts its interval now, so no sighting flushes by itself
        replicas.add(replica);
        return replica;
    }

    /** Counts the statements written; fails the next {@code failures} ones with a connection error. */
    @Vetoed
    static class CountingAcks extends RuntimeAcks {

        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        CountingAcks(EntityManager em, DataSource db, Duration interval) {
            super(em, db, interval);
        }

        @Override
        void write(Map<String, Sighting> sightings) throws SQLException {
            writes.incrementAndGet();
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SQLException("connection to sk-never-logged-4f1c refused", "08001");
            }
            super.write(sightings);
        }
    }

    @Test
    void sightingsOfOneRuntimeWithinAnIntervalAreOneUpsertAndTheLatestWins() throws Exception {
        CountingAcks replica = (CountingAcks) replica(NEVER);
        String runtime = tag + "voice-1";
        for (int version = 1; version <= 5; version++) {
            replica.sighted(runtime, new RuntimeAcks.Sighting(version, "fp-" + version, System.nanoTime()));
        }
        // a sighting that arrives late but was served earlier (another request thread) does not win
        replica.sighted(runtime, new RuntimeAcks.Sighting(99, "fp-stale", System.nanoTime() - 1_000_000_000L));
        assertThat(replica.pendingCount()).isEqualTo(1);
        assertThat(row(runtime)).isNull();

        assertThat(replica.flush()).isEqualTo(1);
        assertThat(replica.writes.get()).as("statements").isEqualTo(1);
        assertThat(row(runtime)).isEqualTo("5 fp-5");
        assertThat(count(tag + "%")).isEqualTo(1);
        assertThat(replica.flush()).as("nothing left").isZero();
    }

    @Test
    void manyRuntimesAreWrittenInOneStatement() throws Exception {
        CountingAcks replica = (CountingAcks) replica(NEVER);
        for (int i = 0; i < 300; i++) {
            replica.sighted(tag + "fleet-" + i, new RuntimeAcks.Sighting(7, i % 2 == 0 ? null : "fp-" + i, System.nanoTime()));
        }
        assertThat(replica.flush()).isEqualTo(300);
        assertThat(replica.writes.get()).isEqualTo(1);
        assertThat(count(tag + "fleet-%")).isEqualTo(300);
        assertThat(row(tag + "fleet-0")).isEqualTo("7 null");
        assertThat(row(tag + "fleet-299")).isEqualTo("7 fp-299");
    }

    @Test
    void twoReplicasFlushingOutOfOrderNeverMoveAnAckBackwards() throws Exception {
        RuntimeAcks first = replica(NEVER);
        RuntimeAcks second = replica(NEVER);
        String runtime = tag + "chat-1";
        first.sighted(runtime, new RuntimeAcks.Sighting(1, "fp-old", System.nanoTime()));
        Thread.sleep(20);
        second.sighted(runtime, new RuntimeAcks.Sighting(2, "fp-new", System.nanoTime()));
        // the later fetch is written first, the earlier one after it
        assertThat(second.flush()).isEqualTo(1);
        Instant written = ackedAt(runtime);
        assertThat(first.flush()).isEqualTo(1);
        assertThat(row(runtime)).isEqualTo("2 fp-new");
        assertThat(ackedAt(runtime)).isEqualTo(written);

        // in order, it moves forward
        Thread.sleep(20);
        first.sighted(runtime, new RuntimeAcks.Sighting(3, "fp-newest", System.nanoTime()));
        first.flush();
        assertThat(row(runtime)).isEqualTo("3 fp-newest");
        assertThat(ackedAt(runtime)).isAfter(written);
    }

    /**
     * The ordering restart runs depend on: {@code restart_results.started_at} is the database's {@code now()}; a fetch
     * served before it does not count, one served after it does, although both are written well after both.
     */
    @Test
    void aFetchAfterTheRestartBeganCountsAndOneBeforeDoesNotEvenWhenWrittenLater() throws Exception {
        RuntimeAcks replica = replica(NEVER);
        String before = tag + "before";
        String after = tag + "after";
        replica.sighted(before, new RuntimeAcks.Sighting(4, "fp", System.nanoTime()));
        Thread.sleep(30);
        Instant started = dbNow(); // what RestartQueue's claim writes as started_at
        Thread.sleep(30);
        replica.sighted(after, new RuntimeAcks.Sighting(4, "fp", System.nanoTime()));

        // not yet written: readers of this replica already see them, stamped as the flush will stamp them
        assertThat(QuarkusTransaction.requiringNew().call(() -> replica.since(started)).stream()
                .map(RuntimeAcks.Ack::runtime).filter(r -> r.startsWith(tag))).containsExactly(after);

        Thread.sleep(500);
        Instant flushStarted = dbNow();
        replica.flush();
        assertThat(ackedAt(before)).isBefore(started);
        assertThat(ackedAt(after)).isAfterOrEqualTo(started).isBefore(flushStarted.minusMillis(400));
        assertThat(QuarkusTransaction.requiringNew().call(() -> replica.since(started)).stream()
                .map(RuntimeAcks.Ack::runtime).filter(r -> r.startsWith(tag))).containsExactly(after);
    }

    @Test
    void aFailedFlushKeepsItsSightingsMergesNewerOnesAndIsRetriedLoggingOnce() throws Exception {
        CountingAcks replica = (CountingAcks) replica(Duration.ofMillis(300));
        String runtime = tag + "retry-1";
        replica.failures.set(3);
        try (LogCapture log = LogCapture.install()) {
            replica.sighted(runtime, new RuntimeAcks.Sighting(1, "fp-1", System.nanoTime()));
            assertThat(replica.flush()).isEqualTo(-1);
            assertThat(replica.pendingCount()).isEqualTo(1);
            replica.sighted(runtime, new RuntimeAcks.Sighting(2, "fp-2", System.nanoTime()));
            assertThat(replica.flush()).isEqualTo(-1);
            assertThat(replica.pendingCount()).as("merged, newer wins").isEqualTo(1);
            // no further sighting: the flusher tries again by itself (300 ms after the first sighting), fails once
            // more, then writes
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (row(runtime) == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(row(runtime)).isEqualTo("2 fp-2");
            assertThat(replica.writes.get()).isEqualTo(4);
            assertThat(replica.pendingCount()).isZero();
            String text = log.text();
            assertThat(text.lines().filter(l -> l.contains("RuntimeAcks WARN"))).hasSize(1)
                    .allMatch(l -> l.contains("SQLException (SQLState 08001)"));
            assertThat(text).contains("runtime acknowledgements are written again")
                    .doesNotContain("sk-never-logged", runtime, "fp-2");
        }
    }

    @Test
    void shutdownFlushesWhatIsPending() throws Exception {
        RuntimeAcks replica = replica(NEVER);
        replica.sighted(tag + "last-1", new RuntimeAcks.Sighting(3, "fp", System.nanoTime()));
        replica.sighted(tag + "last-2", new RuntimeAcks.Sighting(3, "fp", System.nanoTime()));
        replica.stop(null);
        assertThat(count(tag + "last-%")).isEqualTo(2);
        assertThat(replica.pendingCount()).isZero();
        // a fetch still answered while the application stops is written at once
        replica.sighted(tag + "last-3", new RuntimeAcks.Sighting(3, "fp", System.nanoTime()));
        assertThat(count(tag + "last-%")).isEqualTo(3);
    }

    @Test
    void pastTheCapSightingsOfNewRuntimesAreDroppedAndWaitingOnesStillUpdated() throws Exception {
        RuntimeAcks replica = replica(NEVER);
        for (int i = 0; i < RuntimeAcks.MAX_PENDING; i++) {
            replica.sighted(tag + "big-" + i, new RuntimeAcks.Sighting(1, null, System.nanoTime()));
        }
        replica.sighted(tag + "one-too-many", new RuntimeAcks.Sighting(1, null, System.nanoTime()));
        replica.sighted(tag + "big-0", new RuntimeAcks.Sighting(2, null, System.nanoTime()));
        assertThat(replica.pendingCount()).isEqualTo(RuntimeAcks.MAX_PENDING);
        try (LogCapture log = LogCapture.install()) {
            assertThat(replica.flush()).isEqualTo(RuntimeAcks.MAX_PENDING);
            assertThat(log.text()).contains("1 fetches of new runtimes not recorded");
        }
        assertThat(row(tag + "big-0")).isEqualTo("2 null");
        assertThat(count(tag + "one-too-many")).isZero();
        // room again: its next fetch is recorded
        replica.sighted(tag + "one-too-many", new RuntimeAcks.Sighting(1, null, System.nanoTime()));
        replica.flush();
        assertThat(count(tag + "one-too-many")).isEqualTo(1);
    }

    /**
     * Ten times more concurrent named fetches than pooled connections: every one answers 200 in bounded time (no
     * fetch waits for a second connection), and once flushed every runtime's ack is there, stamped when it was served.
     */
    @Test
    void aFleetFetchingAtOnceAnswersAndEveryAckLands() throws Exception {
        int fetches = poolSize * 10;
        long version = environment.current().version();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Instant before = dbNow();
        long started = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < fetches; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TestSettings.RUNTIME_CONFIG_TOKEN)
                    .header("X-Keyhouse-Runtime", tag + "herd-" + i).build(), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        Instant after = dbNow();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertThat(answer.get().statusCode()).as(answer.get().body()).isEqualTo(200);
        }
        assertThat(took).as(fetches + " fetches against a pool of " + poolSize).isLessThan(Duration.ofSeconds(15));

        acks.flush();
        Map<String, Instant> stamped = new HashMap<>();
        try (Connection connection = db.getConnection(); PreparedStatement query = connection.prepareStatement(
                "SELECT runtime, settings_version, acked_at FROM runtime_acks WHERE runtime LIKE ?")) {
            query.setString(1, tag + "herd-%");
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    assertThat(rows.getLong(2)).isEqualTo(version);
                    stamped.put(rows.getString(1), rows.getTimestamp(3).toInstant());
                }
            }
        }
        assertThat(stamped).hasSize(fetches);
        assertThat(stamped.values()).allMatch(at -> !at.isBefore(before) && !at.isAfter(after));
    }

    /**
     * Issue 19 (K): a workload's pods are matched as Kubernetes names them, never by a name that only starts like the
     * workload's ({@code Deployment/voice} took the pods of {@code Deployment/voice-eu} and a target {@code voice-eu}),
     * and {@link RuntimeAcks#matches} and {@link RuntimeAcks#matchesSql} (PostgreSQL) agree on every name.
     */
    @Test
    void podsMatchTheirOwnWorkloadOnlyAndJavaAndSqlAgree() throws SQLException {
        String long50 = "voice-" + "l".repeat(44);
        String long60 = "v".repeat(60);
        Object[][] table = {
                { "Deployment/voice", "voice-7d9f8c6b5-x2x9q", true },
                { "Deployment/voice", "voice-5d8f7c-x2x9q", true },
                { "Deployment/voice", "voice-b-x2x9q", true },
                { "Deployment/voice", "voice-eu-7d9f8c6b5-x2x9q", false },
                { "Deployment/voice", "voice-db-x2x9q", true }, // as a ReplicaSet voice-db's pod would be named
                { "Deployment/voice", "voice-eu", false },
                { "Deployment/voice", "voice-x2x9q", false },
                { "Deployment/voice", "voice-7d9f8c6b5-x2x9", false },
                { "Deployment/voice", "voice-7d9f8c6b5-x2x9qq", false },
                { "Deployment/voice", "voice-7d9f8c6b5-X2X9Q", false },
                { "Deployment/voice", "voice-7a9f8c6b5-x2x9q", false },
                { "Deployment/voice", "voice-7d9f8c6b5d2-x2x9q", false },
                { "Deployment/voice", "voice", false },
                { "Deployment/voice", "voice-0", false },
                { "Deployment/voice", "Deployment/voice", true },
                { "Deployment/voice", "x-voice-7d9f8c6b5-x2x9q", false },
                { "Deployment/voice.v2", "voice.v2-5d8f7c-x2x9q", true },
                { "Deployment/voice.v2", "voiceXv2-5d8f7c-x2x9q", false },
                // a generated name keeps 58 characters of its prefix: a long Deployment's hash is cut short
                { "Deployment/" + long50, long50 + "-7d9f8c6" + "x2x9q", true },
                { "Deployment/" + long50, long50 + "-7d9f8c6b5d-x2x9q", false },
                { "Deployment/" + long50, long50 + "-7d9f8c" + "x2x9q", false },
                { "Deployment/" + long60, long60.substring(0, 58) + "x2x9q", true },
                { "Deployment/" + long60, long60 + "-x2x9q", false },
                { "DaemonSet/agent", "agent-x2x9q", true },
                { "DaemonSet/agent", "agent-eu-x2x9q", false },
                { "DaemonSet/agent", "agent-7d9f8c6b5-x2x9q", false },
                { "DaemonSet/agent", "agent-0", false },
                { "DaemonSet/" + long60, long60.substring(0, 58) + "x2x9q", true },
                { "StatefulSet/db", "db-0", true },
                { "StatefulSet/db", "db-12", true },
                { "StatefulSet/db", "db-01", false },
                { "StatefulSet/db", "db-", false },
                { "StatefulSet/db", "db-eu-0", false },
                { "StatefulSet/db", "db-x2x9q", false },
                { "Job/voice", "voice-x2x9q", false },
                { "voice", "voice-eu", false },
                { "voice", "voice-7d9f8c6b5-x2x9q", false },
                { "voice-eu", "voice-eu", true },
                { "voice-eu/x", "x-b-x2x9q", false },
        };
        String[] results = new String[table.length];
        String[] acks = new String[table.length];
        for (int i = 0; i < table.length; i++) {
            results[i] = (String) table[i][0];
            acks[i] = (String) table[i][1];
            assertThat(RuntimeAcks.matches(results[i], acks[i])).as("Java: %s ← %s", results[i], acks[i])
                    .isEqualTo(table[i][2]);
        }
        Map<String, Boolean> bySql = new HashMap<>();
        try (Connection connection = db.getConnection(); PreparedStatement query = connection.prepareStatement(
                "SELECT t.r, t.a, COALESCE(" + RuntimeAcks.matchesSql("t.r", "t.a") + ", false)"
                        + " FROM unnest(?::text[], ?::text[]) AS t(r, a)")) {
            query.setArray(1, connection.createArrayOf("text", results));
            query.setArray(2, connection.createArrayOf("text", acks));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    bySql.put(rows.getString(1) + " ← " + rows.getString(2), rows.getBoolean(3));
                }
            }
        }
        for (Object[] row : table) {
            assertThat(bySql.get(row[0] + " ← " + row[1])).as("SQL: %s ← %s", row[0], row[1]).isEqualTo(row[2]);
        }
    }

    private String row(String runtime) throws SQLException {
        try (Connection connection = db.getConnection(); PreparedStatement query = connection.prepareStatement(
                "SELECT settings_version || ' ' || coalesce(llm_fingerprint, 'null') FROM runtime_acks WHERE runtime = ?")) {
            query.setString(1, runtime);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    private Instant ackedAt(String runtime) throws SQLException {
        try (Connection connection = db.getConnection(); PreparedStatement query = connection.prepareStatement(
                "SELECT acked_at FROM runtime_acks WHERE runtime = ?")) {
            query.setString(1, runtime);
            try (ResultSet rows = query.executeQuery()) {
                assertThat(rows.next()).as("an ack of " + runtime).isTrue();
                return rows.getTimestamp(1).toInstant();
            }
        }
    }

    private long count(String like) throws SQLException {
        try (Connection connection = db.getConnection(); PreparedStatement query = connection.prepareStatement(
                "SELECT count(*) FROM runtime_acks WHERE runtime LIKE ?")) {
            query.setString(1, like);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** The database's {@code now()} in a transaction of its own, as a claim stamps {@code started_at}. */
    private Instant dbNow() throws SQLException {
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT now()")) {
            rows.next();
            return rows.getTimestamp(1).toInstant();
        }
    }

    private void update(String sql, Object... parameters) throws SQLException {
        try (Connection connection = db.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        }
    }
}
