package dev.keyhouse.rotation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.Opened;

/**
 * The re-encryption walk over {@code sealed_values}: keyset batches by id, each its own short transaction, rows
 * locked {@code FOR UPDATE SKIP LOCKED}. A value under the current key is counted and left alone; any other is
 * opened and sealed again under the current key with the same row id and purpose; one that does not open is
 * recorded in {@code rotation_failures} and never overwritten. A batch's rewrites and the job's counters are one
 * statement ({@link Writes#ONE_STATEMENT}) in the batch's transaction, so a killed job's numbers are exactly what it
 * committed.
 *
 * <p>Plain JDBC on one connection, the one holding the {@link JobLock}, and no CDI: the benchmark drives this same
 * code with a bare DataSource.
 */
public final class RotationWalker {

    /** What a walk, a pass or a batch counted. */
    public record Counts(long scanned, long rewritten, long alreadyCurrent, long failed) {

        public static final Counts ZERO = new Counts(0, 0, 0, 0);

        Counts plus(Counts other) {
            return new Counts(scanned + other.scanned, rewritten + other.rewritten,
                    alreadyCurrent + other.alreadyCurrent, failed + other.failed);
        }
    }

    /**
     * How a walk ended: it went through every row it could reach, or stopped early when asked.
     *
     * @param leftLocked values still not under the current key when the walk gave up on them: rows another
     *        transaction kept locked through every sweep (never rewritten, so the previous key is still needed)
     */
    public record Result(Counts counts, boolean stopped, long leftLocked) {

        Result(Counts counts, boolean stopped) {
            this(counts, stopped, 0);
        }
    }

    /** Hears about a walk as it commits (metrics); called on the walking thread. */
    public interface Listener {

        Listener NONE = new Listener() {
        };

        default void totalKnown(long jobId, long total) {
        }

        default void batchCommitted(long jobId, Counts batch) {
        }
    }

    /** Adds a batch to the job's counters (scanned, rewritten, already current, failed; job id). */
    private static final String PROGRESS = "UPDATE rotation_jobs SET scanned = scanned + ?, rewritten = rewritten + ?,"
            + " already_current = already_current + ?, failed = failed + ?, heartbeat_at = now() WHERE id = ?";
    /** Failure reasons are one sentence about the key; the column caps them. */
    private static final int MAX_REASON = 500;
    /** Sweeps that found every remaining row locked by someone else, before the walk gives up on them. */
    private static final int MAX_IDLE_SWEEPS = 10;

    private final CredentialCipher cipher;
    private final int batchSize;
    private final Listener listener;
    private final Writes writes;

    /**
     * @param batchSize rows per transaction, at least 1
     * @throws IllegalArgumentException when {@code batchSize} is below 1
     */
    public RotationWalker(CredentialCipher cipher, int batchSize, Listener listener) {
        this(cipher, batchSize, listener, Writes.ONE_STATEMENT);
    }

    RotationWalker(CredentialCipher cipher, int batchSize, Listener listener, Writes writes) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, not " + batchSize);
        }
        this.cipher = cipher;
        this.batchSize = batchSize;
        this.listener = listener;
        this.writes = writes;
    }

    /**
     * Walks every value (or, with {@code retryOf}, only the values that job failed on) for job {@code jobId}, whose
     * row in {@code rotation_jobs} must exist. Leaves {@code connection} in auto-commit mode.
     */
    public Result walk(Connection connection, long jobId, Long retryOf, BooleanSupplier stopRequested)
            throws SQLException {
        connection.setAutoCommit(false);
        try {
            setTotal(connection, jobId, retryOf);
            long current = cipher.keyRing().currentKeyId();
            Pass everything = pass(connection, jobId, Selection.every(retryOf), stopRequested);
            Counts counts = everything.counts;
            if (everything.stopped) {
                return new Result(counts, true);
            }
            // SKIP LOCKED passed over rows a concurrent transaction held; sweep up whatever is still not under the
            // current key until nothing is left or only rows someone else keeps locked remain.
            Selection leftovers = Selection.notCurrent(retryOf, current, jobId);
            int idle = 0;
            while (true) {
                Pass sweep = pass(connection, jobId, leftovers, stopRequested);
                counts = counts.plus(sweep.counts);
                if (sweep.stopped) {
                    return new Result(counts, true);
                }
                if (sweep.counts.scanned() > 0) {
                    continue;
                }
                long remaining = remaining(connection, leftovers);
                if (remaining == 0 || ++idle > MAX_IDLE_SWEEPS) {
                    return new Result(counts, false, remaining);
                }
                pause(50L * idle);
            }
        } finally {
            restoreAutoCommit(connection);
        }
    }

    /** Whatever a failed batch left open is rolled back; a broken connection has nothing left to roll back. */
    private static void restoreAutoCommit(Connection connection) {
        try {
            connection.rollback();
            connection.setAutoCommit(true);
        } catch (SQLException broken) {
            // the caller sees the error that broke it
        }
    }

    /** One pass over a selection, batch after batch, until a batch comes back short. */
    private Pass pass(Connection connection, long jobId, Selection selection, BooleanSupplier stopRequested)
            throws SQLException {
        Counts counts = Counts.ZERO;
        UUID after = null;
        try (PreparedStatement first = connection.prepareStatement(selection.sql(false));
                PreparedStatement next = connection.prepareStatement(selection.sql(true));
                PreparedStatement update = connection.prepareStatement(writes.sql);
                PreparedStatement failure = connection.prepareStatement("INSERT INTO rotation_failures"
                        + " (job_id, sealed_value_id, purpose, key_id, reason) VALUES (?, ?, ?, ?, ?)");
                PreparedStatement progress = connection.prepareStatement(PROGRESS)) {
            Statements statements = new Statements(update, failure, progress);
            while (true) {
                if (stopRequested.getAsBoolean()) {
                    return new Pass(counts, true);
                }
                PreparedStatement select = after == null ? first : next;
                selection.bind(select, after, batchSize);
                Batch batch = batch(connection, jobId, select, statements);
                counts = counts.plus(batch.counts);
                if (batch.counts.scanned() > 0) {
                    listener.batchCommitted(jobId, batch.counts);
                }
                // SKIP LOCKED keeps scanning past locked rows, so a short batch means the end of the selection.
                if (batch.counts.scanned() < batchSize) {
                    return new Pass(counts, false);
                }
                after = batch.last;
            }
        }
    }

    /** One transaction: lock a batch, rewrite or record each row, add to the job's counters, commit. */
    private Batch batch(Connection connection, long jobId, PreparedStatement select, Statements statements)
            throws SQLException {
        Rewrites rewrites = new Rewrites(batchSize);
        long scanned = 0;
        long alreadyCurrent = 0;
        long failed = 0;
        UUID last = null;
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                UUID id = rows.getObject(1, UUID.class);
                String purpose = rows.getString(2);
                long keyId = rows.getLong(3);
                byte[] ciphertext = rows.getBytes(4);
                scanned++;
                last = id;
                if (isCurrent(keyId, ciphertext)) {
                    alreadyCurrent++;
                    continue;
                }
                // Always open, then seal: a ciphertext is never encrypted again as if it were a value.
                Opened opened = cipher.open(id, purpose, ciphertext);
                if (opened instanceof Opened.Plaintext plaintext) {
                    rewrites.add(id, rows.getLong(5), cipher.seal(id, purpose, plaintext.value()));
                } else {
                    Opened.Unreadable unreadable = (Opened.Unreadable) opened;
                    statements.failure.setLong(1, jobId);
                    statements.failure.setObject(2, id);
                    statements.failure.setString(3, purpose);
                    statements.failure.setLong(4, keyId);
                    statements.failure.setString(5, truncate(unreadable.message()));
                    statements.failure.addBatch();
                    failed++;
                }
            }
        }
        if (failed > 0) {
            statements.failure.executeBatch();
        }
        Counts counts = new Counts(scanned, rewrites.size, alreadyCurrent, failed);
        if (rewrites.size > 0) {
            writes.write(statements, jobId, counts, rewrites, cipher.keyRing().currentKeyId());
        } else if (scanned > 0) {
            progress(statements.progress, jobId, counts);
        }
        connection.commit();
        return new Batch(counts, last);
    }

    /** Adds a batch to the job's counters and beats its heartbeat. */
    private static void progress(PreparedStatement progress, long jobId, Counts batch) throws SQLException {
        progress.setLong(1, batch.scanned());
        progress.setLong(2, batch.rewritten());
        progress.setLong(3, batch.alreadyCurrent());
        progress.setLong(4, batch.failed());
        progress.setLong(5, jobId);
        progress.executeUpdate();
    }

    /** Under the current key by its column and by the key id its ciphertext names; a mismatch is rewritten. */
    private boolean isCurrent(long keyId, byte[] ciphertext) {
        if (!cipher.isCurrent(keyId)) {
            return false;
        }
        OptionalLong named = CredentialCipher.keyIdOf(ciphertext);
        return named.isPresent() && named.getAsLong() == keyId;
    }

    private void setTotal(Connection connection, long jobId, Long retryOf) throws SQLException {
        String count = retryOf == null ? "SELECT count(*) FROM sealed_values"
                : "SELECT count(*) FROM sealed_values s WHERE s.id IN"
                        + " (SELECT f.sealed_value_id FROM rotation_failures f WHERE f.job_id = ?)";
        long total;
        try (PreparedStatement statement = connection.prepareStatement(count)) {
            if (retryOf != null) {
                statement.setLong(1, retryOf);
            }
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                total = result.getLong(1);
            }
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE rotation_jobs SET total = ?, heartbeat_at = now() WHERE id = ?")) {
            statement.setLong(1, total);
            statement.setLong(2, jobId);
            statement.executeUpdate();
        }
        connection.commit();
        listener.totalKnown(jobId, total);
    }

    /** Rows of a selection still there, locked or not (a plain count takes no row locks). */
    private static long remaining(Connection connection, Selection selection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(selection.countSql())) {
            selection.bindCount(statement);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        } finally {
            connection.commit();
        }
    }

    private static String truncate(String reason) {
        return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Pass(Counts counts, boolean stopped) {
    }

    private record Batch(Counts counts, UUID last) {
    }

    private record Statements(PreparedStatement update, PreparedStatement failure, PreparedStatement progress) {
    }

    /** A batch's rewrites: row id, the version it was read at, and its new ciphertext (sealed under the current key). */
    private static final class Rewrites {

        final UUID[] ids;
        final long[] versions;
        final byte[][] ciphertexts;
        int size;

        Rewrites(int capacity) {
            ids = new UUID[capacity];
            versions = new long[capacity];
            ciphertexts = new byte[capacity][];
        }

        void add(UUID id, long version, Ciphertext sealed) {
            ids[size] = id;
            versions[size] = version;
            ciphertexts[size] = sealed.bytes();
            size++;
        }

        boolean full() {
            return size == ids.length;
        }
    }

    /**
     * How a batch's rewrites reach the database. The job writes {@link #ONE_STATEMENT}; {@link #JDBC_BATCH} is how it
     * wrote them before issue 17, kept only so {@code RotationBenchmark} prints both figures in one run.
     */
    enum Writes {

        /**
         * One statement per batch: {@code UPDATE sealed_values ... FROM unnest(ids, versions, ciphertexts)} in a
         * {@code WITH}, whose main statement adds the batch to the job's counters, counting the rows it wrote. One
         * statement for the executor (and for a statement-level trigger) instead of one per row, and one round trip.
         * A row is written only at the version it was read at; the batch's row locks already keep anyone else from
         * changing it, so fewer rows written than sealed means the locking broke, and the batch is rolled back.
         */
        ONE_STATEMENT("WITH written AS (UPDATE sealed_values s SET key_id = ?, ciphertext = u.ciphertext,"
                + " version = s.version + 1, updated_at = now()"
                + " FROM unnest(?::uuid[], ?::bigint[], ?::bytea[]) AS u(id, version, ciphertext)"
                + " WHERE s.id = u.id AND s.version = u.version RETURNING 1),"
                + " n AS (SELECT count(*) AS rows FROM written)"
                + " UPDATE rotation_jobs SET scanned = scanned + ?, rewritten = rewritten + (SELECT rows FROM n),"
                + " already_current = already_current + ?, failed = failed + ?, heartbeat_at = now()"
                + " WHERE id = ? RETURNING (SELECT rows FROM n)") {

            @Override
            void write(Statements statements, long jobId, Counts batch, Rewrites rewrites, long keyId)
                    throws SQLException {
                PreparedStatement update = statements.update;
                update.setLong(1, keyId);
                update.setArray(2, update.getConnection().createArrayOf("uuid", rewrites.full()
                        ? rewrites.ids : Arrays.copyOf(rewrites.ids, rewrites.size)));
                update.setObject(3, rewrites.full() ? rewrites.versions : Arrays.copyOf(rewrites.versions, rewrites.size));
                update.setObject(4, rewrites.full() ? rewrites.ciphertexts
                        : Arrays.copyOf(rewrites.ciphertexts, rewrites.size));
                update.setLong(5, batch.scanned());
                update.setLong(6, batch.alreadyCurrent());
                update.setLong(7, batch.failed());
                update.setLong(8, jobId);
                long written;
                try (ResultSet result = update.executeQuery()) {
                    if (!result.next()) {
                        throw new SQLException("rotation job " + jobId + " has no row to count its progress in");
                    }
                    written = result.getLong(1);
                }
                if (written != rewrites.size) {
                    throw new SQLException(rewrites.size + " values were re-encrypted but " + written + " written: a"
                            + " value changed under the job's row lock; the batch is rolled back");
                }
            }
        },

        /** One {@code UPDATE ... WHERE id = ?} per row, sent as one JDBC batch, then the counters: before issue 17. */
        JDBC_BATCH("UPDATE sealed_values SET key_id = ?, ciphertext = ?, version = version + 1, updated_at = now()"
                + " WHERE id = ?") {

            @Override
            void write(Statements statements, long jobId, Counts batch, Rewrites rewrites, long keyId)
                    throws SQLException {
                for (int i = 0; i < rewrites.size; i++) {
                    statements.update.setLong(1, keyId);
                    statements.update.setBytes(2, rewrites.ciphertexts[i]);
                    statements.update.setObject(3, rewrites.ids[i]);
                    statements.update.addBatch();
                }
                statements.update.executeBatch();
                progress(statements.progress, jobId, batch);
            }
        };

        final String sql;

        Writes(String sql) {
            this.sql = sql;
        }

        /**
         * Writes a batch's rewrites (at least one), sealed under {@code keyId}, and adds {@code batch} to job
         * {@code jobId}'s counters, in the batch's transaction.
         */
        abstract void write(Statements statements, long jobId, Counts batch, Rewrites rewrites, long keyId)
                throws SQLException;
    }

    /**
     * Which rows a pass walks: every row, or only the rows a job failed on ({@code retryOf}); a sweep adds "not under
     * the current key, and not already a failure of this job".
     */
    private record Selection(Long retryOf, Long notUnderKey, long jobId) {

        static Selection every(Long retryOf) {
            return new Selection(retryOf, null, 0);
        }

        static Selection notCurrent(Long retryOf, long currentKeyId, long jobId) {
            return new Selection(retryOf, currentKeyId, jobId);
        }

        String sql(boolean after) {
            return "SELECT s.id, s.purpose, s.key_id, s.ciphertext, s.version FROM sealed_values s WHERE TRUE"
                    + (after ? " AND s.id > ?" : "") + filter() + " ORDER BY s.id LIMIT ? FOR UPDATE OF s SKIP LOCKED";
        }

        String countSql() {
            return "SELECT count(*) FROM sealed_values s WHERE TRUE" + filter();
        }

        private String filter() {
            return (retryOf == null ? ""
                    : " AND s.id IN (SELECT f.sealed_value_id FROM rotation_failures f WHERE f.job_id = ?)")
                    + (notUnderKey == null ? ""
                            : " AND s.key_id <> ? AND NOT EXISTS (SELECT 1 FROM rotation_failures f"
                                    + " WHERE f.job_id = ? AND f.sealed_value_id = s.id)");
        }

        void bind(PreparedStatement statement, UUID after, int limit) throws SQLException {
            int i = 1;
            if (after != null) {
                statement.setObject(i++, after);
            }
            i = bindFilter(statement, i);
            statement.setInt(i, limit);
        }

        void bindCount(PreparedStatement statement) throws SQLException {
            bindFilter(statement, 1);
        }

        private int bindFilter(PreparedStatement statement, int from) throws SQLException {
            int i = from;
            if (retryOf != null) {
                statement.setLong(i++, retryOf);
            }
            if (notUnderKey != null) {
                statement.setLong(i++, notUnderKey);
                statement.setLong(i++, jobId);
            }
            return i;
        }
    }
}
