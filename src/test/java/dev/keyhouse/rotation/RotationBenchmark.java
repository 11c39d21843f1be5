package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static dev.keyhouse.Profiles.ROTATION_OLD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;

import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;
import dev.keyhouse.crypto.CredentialCipher;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark verify -Dtest=RotationBenchmark} runs it (normal builds leave
 * {@code *Benchmark} out; {@code -Pbenchmark test} skips packaging the jar afterwards).
 *
 * <p>On the embedded PostgreSQL with production durability (fsync and synchronous_commit on), it seeds 10,000 and
 * then 100,000 values and, on the same rows, measures in rounds:
 * <ul>
 * <li>the database's floor: the job's keyset {@code SELECT ... FOR UPDATE SKIP LOCKED} and the ciphertext written
 * back unchanged, one transaction per batch, as a JDBC batch of one {@code UPDATE} per row (the floor issue 17's
 * figures are measured against) and as one {@code UPDATE ... FROM unnest(...)} per batch (the floor of the way the job
 * now writes);
 * <li>the real {@link RotationWalker} (open, seal under the other key, write, counters) as it writes a batch now
 * ({@link RotationWalker.Writes#ONE_STATEMENT}) and as it did before ({@link RotationWalker.Writes#JDBC_BATCH}).
 * Each job run re-encrypts every value, alternately from OLD to NEW and back.
 * </ul>
 * It prints each phase's median values per second over the rounds, the ratios job/floor, and the job's heap: live
 * after a full collection before and after the job, and the high-water marks while it ran.
 */
class RotationBenchmark {

    private static final int BATCH = 500;
    private static final String PURPOSE = "benchmark/llm/api_key";
    private static final String SELECT_FIRST = "SELECT s.id, s.purpose, s.key_id, s.ciphertext FROM sealed_values s"
            + " ORDER BY s.id LIMIT ? FOR UPDATE OF s SKIP LOCKED";
    private static final String SELECT_NEXT = "SELECT s.id, s.purpose, s.key_id, s.ciphertext FROM sealed_values s"
            + " WHERE s.id > ? ORDER BY s.id LIMIT ? FOR UPDATE OF s SKIP LOCKED";

    /** The ways a batch's writes can reach the database, as the floor writes them back unchanged. */
    private enum Floor {
        JDBC_BATCH, ONE_STATEMENT
    }

    @Test
    void rotationThroughputAgainstTheDatabaseFloor() throws Exception {
        String url = EmbeddedDatabase.jdbcUrl(Path.of("target/benchmark-postgres"), new EmbeddedDatabase.Options(true, true))
                + "?reWriteBatchedInserts=true";
        Flyway.configure().dataSource(url, EmbeddedDatabase.USER, "").locations("filesystem:migrations").load().migrate();
        CredentialCipher toNew = SealedRows.cipher(ROTATION_NEW_KEY, ROTATION_OLD_KEY);
        CredentialCipher toOld = SealedRows.cipher(ROTATION_OLD_KEY, ROTATION_NEW_KEY);
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "%nRotation benchmark: embedded PostgreSQL (fsync, synchronous_commit on), batch size %d, max heap %d MiB,"
                        + " %d CPUs; medians of the rounds%n", BATCH, Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors()));
        try (Connection db = DriverManager.getConnection(url, EmbeddedDatabase.USER, "")) {
            Rings rings = new Rings(toNew, toOld);
            seed(db, 2_000); // warm-up: JIT, Tink, server-side prepared statements; not reported
            for (int i = 0; i < 2; i++) {
                floor(db, Floor.JDBC_BATCH);
                floor(db, Floor.ONE_STATEMENT);
                job(db, rings.next(), RotationWalker.Writes.JDBC_BATCH);
                job(db, rings.next(), RotationWalker.Writes.ONE_STATEMENT);
            }
            for (int values : List.of(10_000, 100_000)) {
                int rounds = values >= 100_000 ? 3 : 5;
                seed(db, values);
                List<Figures> floorBatch = new ArrayList<>();
                List<Figures> floorOne = new ArrayList<>();
                List<Figures> jobBefore = new ArrayList<>();
                List<Figures> jobNow = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    floorBatch.add(measure(db, () -> floor(db, Floor.JDBC_BATCH)));
                    floorOne.add(measure(db, () -> floor(db, Floor.ONE_STATEMENT)));
                    jobBefore.add(measureJob(db, rings.next(), RotationWalker.Writes.JDBC_BATCH));
                    jobNow.add(measureJob(db, rings.next(), RotationWalker.Writes.ONE_STATEMENT));
                }
                double floorJdbc = median(floorBatch);
                double floorUnnest = median(floorOne);
                double before = median(jobBefore);
                double now = median(jobNow);
                report.append(String.format(Locale.ROOT, "%,7d values, %d rounds: floor %,7.0f values/s (JDBC batch),"
                        + " %,7.0f values/s (one statement)%n", values, rounds, values / floorJdbc, values / floorUnnest));
                report.append(String.format(Locale.ROOT, "    job now (one statement) %,7.0f values/s | job/floor %.2f"
                        + " (JDBC-batch floor), %.2f (one-statement floor)%n", values / now, floorJdbc / now,
                        floorUnnest / now));
                report.append(String.format(Locale.ROOT, "    job before (JDBC batch) %,7.0f values/s | job/floor %.2f"
                        + " (JDBC-batch floor), %.2f (one-statement floor)%n", values / before, floorJdbc / before,
                        floorUnnest / before));
                report.append("    job now heap: ").append(heap(jobNow)).append('\n');
                report.append("    job before heap: ").append(heap(jobBefore)).append('\n');
            }
        }
        System.out.println(report);
    }

    /** Alternates the direction: every job run has every value to re-encrypt. */
    private static final class Rings {

        private final CredentialCipher[] rings;
        private int next;

        Rings(CredentialCipher... rings) {
            this.rings = rings;
        }

        CredentialCipher next() {
            return rings[next++ % rings.length];
        }
    }

    /** The database's floor: the same keyset batches and row locks, the ciphertext written back unchanged. */
    private static long floor(Connection db, Floor writes) throws SQLException {
        db.setAutoCommit(false);
        long rows = 0;
        try (PreparedStatement first = db.prepareStatement(SELECT_FIRST);
                PreparedStatement next = db.prepareStatement(SELECT_NEXT);
                PreparedStatement update = db.prepareStatement(writes == Floor.JDBC_BATCH
                        ? "UPDATE sealed_values SET ciphertext = ? WHERE id = ?"
                        : "UPDATE sealed_values s SET ciphertext = u.ciphertext FROM unnest(?::uuid[], ?::bytea[])"
                                + " AS u(id, ciphertext) WHERE s.id = u.id")) {
            UUID after = null;
            while (true) {
                PreparedStatement select = after == null ? first : next;
                int i = 1;
                if (after != null) {
                    select.setObject(i++, after);
                }
                select.setInt(i, BATCH);
                List<UUID> ids = new ArrayList<>(BATCH);
                List<byte[]> ciphertexts = new ArrayList<>(BATCH);
                try (ResultSet result = select.executeQuery()) {
                    while (result.next()) {
                        after = result.getObject(1, UUID.class);
                        ids.add(after);
                        ciphertexts.add(result.getBytes(4));
                    }
                }
                int batch = ids.size();
                if (batch > 0 && writes == Floor.JDBC_BATCH) {
                    for (int row = 0; row < batch; row++) {
                        update.setBytes(1, ciphertexts.get(row));
                        update.setObject(2, ids.get(row));
                        update.addBatch();
                    }
                    update.executeBatch();
                } else if (batch > 0) {
                    update.setArray(1, db.createArrayOf("uuid", ids.toArray()));
                    update.setObject(2, ciphertexts.toArray(new byte[0][]));
                    assertThat(update.executeUpdate()).isEqualTo(batch);
                }
                db.commit();
                rows += batch;
                if (batch < BATCH) {
                    break;
                }
            }
        } finally {
            db.setAutoCommit(true);
        }
        return rows;
    }

    /** Measures one job run, then checks that it left every value under the ring's current key. */
    private static Figures measureJob(Connection db, CredentialCipher ring, RotationWalker.Writes writes)
            throws Exception {
        Figures figures = measure(db, () -> job(db, ring, writes));
        assertThat(count(db, "SELECT count(*) FROM sealed_values WHERE key_id <> " + ring.keyRing().currentKeyId()))
                .isZero();
        return figures;
    }

    /** The job's own code, as the application runs it, on one connection; returns how many values it rewrote. */
    private static long job(Connection db, CredentialCipher ring, RotationWalker.Writes writes) throws SQLException {
        long id;
        try (Statement statement = db.createStatement(); ResultSet row = statement.executeQuery("INSERT INTO rotation_jobs"
                + " (state, started_by, target_key_id) VALUES ('running', 'benchmark', " + ring.keyRing().currentKeyId()
                + ") RETURNING id")) {
            row.next();
            id = row.getLong(1);
        }
        RotationWalker.Result result = new RotationWalker(ring, BATCH, RotationWalker.Listener.NONE, writes)
                .walk(db, id, null, () -> false);
        try (Statement statement = db.createStatement()) {
            statement.executeUpdate("UPDATE rotation_jobs SET state = 'succeeded', finished_at = now() WHERE id = " + id);
        }
        assertThat(result.counts().failed()).isZero();
        assertThat(result.counts().alreadyCurrent()).as("every value had to be re-encrypted").isZero();
        return result.counts().rewritten();
    }

    private static void seed(Connection db, int values) throws SQLException {
        try (Statement statement = db.createStatement()) {
            // CASCADE: provider settings reference sealed values; the benchmark database holds none
            statement.execute("TRUNCATE sealed_values, rotation_failures, rotation_jobs CASCADE");
        }
        db.setAutoCommit(false);
        try {
            SealedRows.seed(db, SealedRows.cipher(ROTATION_OLD_KEY), PURPOSE, values);
            db.commit();
        } finally {
            db.setAutoCommit(true);
        }
    }

    private static void vacuum(Connection db) throws SQLException {
        try (Statement statement = db.createStatement()) {
            statement.execute("VACUUM ANALYZE sealed_values");
        }
    }

    private static long count(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    /**
     * A phase's wall time and heap: the peak of used heap (sampled; includes garbage not yet collected), the high-water
     * mark of heap still used right after each collection (what the phase keeps alive), and the old generation's peak.
     */
    private record Figures(double seconds, long liveBefore, long liveAfter, long usedPeak, long liveHighWater,
            long oldGenPeak) {
    }

    private static double median(List<Figures> figures) {
        double[] seconds = figures.stream().mapToDouble(Figures::seconds).sorted().toArray();
        return seconds[seconds.length / 2];
    }

    /** The heap over a phase's rounds: live before and after each run (lowest-highest), then the peaks' highest. */
    private static String heap(List<Figures> figures) {
        return String.format(Locale.ROOT, "live before %s MiB, after %s MiB; live high-water %d MiB, old gen peak"
                + " %d MiB, used peak %d MiB (with garbage not yet collected)",
                range(figures, Figures::liveBefore), range(figures, Figures::liveAfter),
                max(figures, Figures::liveHighWater), max(figures, Figures::oldGenPeak), max(figures, Figures::usedPeak));
    }

    private static String range(List<Figures> figures, ToLongFunction<Figures> bytes) {
        long low = figures.stream().mapToLong(bytes).min().orElseThrow() >> 20;
        long high = max(figures, bytes);
        return low == high ? String.valueOf(low) : low + "-" + high;
    }

    private static long max(List<Figures> figures, ToLongFunction<Figures> bytes) {
        return figures.stream().mapToLong(bytes).max().orElseThrow() >> 20;
    }

    private interface Phase {
        long run() throws Exception;
    }

    /** Vacuums first, so every phase starts on a table without the previous phase's dead rows. */
    private static Figures measure(Connection db, Phase phase) throws Exception {
        vacuum(db);
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        List<String> heapPools = heap.stream().map(MemoryPoolMXBean::getName).toList();
        System.gc();
        long liveBefore = used(heap);
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        AtomicLong live = new AtomicLong(liveBefore);
        NotificationListener afterGc = (notification, handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                GcInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
                long after = info.getMemoryUsageAfterGc().entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
                        .mapToLong(e -> e.getValue().getUsed()).sum();
                live.accumulateAndGet(after, Math::max);
            }
        };
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        collectors.forEach(c -> ((NotificationEmitter) c).addNotificationListener(afterGc, null, null));
        AtomicLong sampled = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                sampled.accumulateAndGet(used(heap), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        long started = System.nanoTime();
        phase.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        running.set(false);
        sampler.join();
        for (GarbageCollectorMXBean collector : collectors) {
            ((NotificationEmitter) collector).removeNotificationListener(afterGc);
        }
        long oldGen = heap.stream().filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.gc();
        return new Figures(seconds, liveBefore, used(heap), sampled.get(), live.get(), oldGen);
    }

    private static long used(List<MemoryPoolMXBean> heap) {
        return heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }
}
