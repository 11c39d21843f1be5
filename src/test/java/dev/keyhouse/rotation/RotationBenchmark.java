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
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;

import dev.keyhouse.config.EmbeddedDatabase;
import dev.keyhouse.crypto.CredentialCipher;

/**
 * Not a unit test: {@code ./mvnw -Pbenchmark verify} runs it (normal builds leave {@code *Benchmark} out).
 *
 * <p>On the embedded PostgreSQL with production durability (fsync and synchronous_commit on), it seeds 10,000 and
 * then 100,000 values under OLD and, on the same rows, measures the database's floor (the job's keyset
 * {@code SELECT ... FOR UPDATE SKIP LOCKED} and a JDBC batch {@code UPDATE} writing the ciphertext back unchanged,
 * one transaction per batch) and the real {@link RotationWalker} (open, seal under NEW, batch update, counters).
 * It prints values per second, the ratio job/floor and the heap high-water mark of each phase.
 */
class RotationBenchmark {

    private static final int BATCH = 500;
    private static final String PURPOSE = "benchmark/llm/api_key";

    @Test
    void rotationThroughputAgainstTheDatabaseFloor() throws Exception {
        String url = EmbeddedDatabase.jdbcUrl(Path.of("target/benchmark-postgres"), new EmbeddedDatabase.Options(true, true))
                + "?reWriteBatchedInserts=true";
        Flyway.configure().dataSource(url, EmbeddedDatabase.USER, "").locations("filesystem:migrations").load().migrate();
        CredentialCipher ring = SealedRows.cipher(ROTATION_NEW_KEY, ROTATION_OLD_KEY);
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "%nRotation benchmark: embedded PostgreSQL (fsync, synchronous_commit on), batch size %d, max heap %d MiB,"
                        + " %d CPUs%n", BATCH, Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors()));
        try (Connection db = DriverManager.getConnection(url, EmbeddedDatabase.USER, "")) {
            run(db, ring, 2_000); // warm-up: JIT, Tink, server-side prepared statements; not reported
            for (int values : List.of(10_000, 100_000)) {
                Figures floor;
                Figures job;
                seed(db, values);
                vacuum(db);
                floor = measure(() -> floor(db));
                vacuum(db);
                job = measure(() -> job(db, ring));
                assertThat(count(db, "SELECT count(*) FROM sealed_values WHERE key_id <> "
                        + ring.keyRing().currentKeyId())).isZero();
                report.append(String.format(Locale.ROOT,
                        "%,7d values: floor %,7.0f values/s | job %,7.0f values/s | job/floor %.2f | job heap: live"
                                + " high-water %3d MiB, old gen peak %3d MiB, used peak %3d MiB (floor: %3d / %3d / %3d)%n",
                        values, values / floor.seconds, values / job.seconds, floor.seconds / job.seconds,
                        job.liveHighWater >> 20, job.oldGenPeak >> 20, job.usedPeak >> 20,
                        floor.liveHighWater >> 20, floor.oldGenPeak >> 20, floor.usedPeak >> 20));
            }
        }
        System.out.println(report);
    }

    private static void run(Connection db, CredentialCipher ring, int values) throws Exception {
        seed(db, values);
        floor(db);
        job(db, ring);
    }

    /** The database's floor: the same keyset batches and row locks, the ciphertext written back unchanged. */
    private static long floor(Connection db) throws SQLException {
        db.setAutoCommit(false);
        long rows = 0;
        try (PreparedStatement first = db.prepareStatement("SELECT s.id, s.purpose, s.key_id, s.ciphertext FROM"
                + " sealed_values s ORDER BY s.id LIMIT ? FOR UPDATE OF s SKIP LOCKED");
                PreparedStatement next = db.prepareStatement("SELECT s.id, s.purpose, s.key_id, s.ciphertext FROM"
                        + " sealed_values s WHERE s.id > ? ORDER BY s.id LIMIT ? FOR UPDATE OF s SKIP LOCKED");
                PreparedStatement update = db.prepareStatement("UPDATE sealed_values SET ciphertext = ? WHERE id = ?")) {
            UUID after = null;
            while (true) {
                PreparedStatement select = after == null ? first : next;
                int i = 1;
                if (after != null) {
                    select.setObject(i++, after);
                }
                select.setInt(i, BATCH);
                int batch = 0;
                try (ResultSet result = select.executeQuery()) {
                    while (result.next()) {
                        after = result.getObject(1, UUID.class);
                        update.setBytes(1, result.getBytes(4));
                        update.setObject(2, after);
                        update.addBatch();
                        batch++;
                    }
                }
                if (batch > 0) {
                    update.executeBatch();
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

    /** The job's own code, as the application runs it, on one connection. */
    private static long job(Connection db, CredentialCipher ring) throws SQLException {
        long id;
        try (Statement statement = db.createStatement(); ResultSet row = statement.executeQuery("INSERT INTO rotation_jobs"
                + " (state, started_by, target_key_id) VALUES ('running', 'benchmark', " + ring.keyRing().currentKeyId()
                + ") RETURNING id")) {
            row.next();
            id = row.getLong(1);
        }
        RotationWalker.Result result = new RotationWalker(ring, BATCH, RotationWalker.Listener.NONE).walk(db, id, null, () -> false);
        try (Statement statement = db.createStatement()) {
            statement.executeUpdate("UPDATE rotation_jobs SET state = 'succeeded', finished_at = now() WHERE id = " + id);
        }
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
    private record Figures(double seconds, long usedPeak, long liveHighWater, long oldGenPeak) {
    }

    private interface Phase {
        long run() throws Exception;
    }

    private static Figures measure(Phase phase) throws Exception {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        List<String> heapPools = heap.stream().map(MemoryPoolMXBean::getName).toList();
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        AtomicLong live = new AtomicLong(used(heap));
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
        return new Figures(seconds, sampled.get(), live.get(), oldGen);
    }

    private static long used(List<MemoryPoolMXBean> heap) {
        return heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }
}
