package dev.keyhouse.settings;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The requests {@link RuntimeToken} refused, kept in {@code runtime_token_refusals} (breaker b20, M2) so every
 * replica, and one restarted, names the same refusals. A refusal is only tallied in memory (no database work and no
 * pooled connection on the request path, which may be the event loop): by minute, caller name and failed check, the
 * names past {@link #NAMES_PER_MINUTE} of a minute folded into the unnamed tally. The tallies are written every few
 * seconds in one statement, added to their minute's rows; rows older than {@link #RETENTION} are deleted. A flood of
 * refused requests thus costs at most a few rows a minute and no write per request.
 */
@ApplicationScoped
public class RuntimeTokenRefusals {

    private static final Logger LOG = Logger.getLogger(RuntimeTokenRefusals.class);

    /** How long the stored refusals are kept. */
    public static final Duration RETENTION = Duration.ofDays(30);
    /** How many distinct caller names a minute keeps apart on one replica; the others count as unnamed. */
    public static final int NAMES_PER_MINUTE = 16;
    /** The most refusal rows one read returns (the newest); a window with more is told as "at least". */
    public static final int READ_LIMIT = 1000;

    /** The failed check's code in {@code runtime_token_refusals.why} and the words the pages name it with. */
    static final Map<String, String> WHY = Map.of("unset", "PROVISIONER_INTERNAL_TOKEN is not set",
            "no_bearer", "no bearer token", "mismatch", "a token that does not match");

    private static final String UPSERT = "INSERT INTO runtime_token_refusals (minute, runtime, why, refused, first_at,"
            + " last_at) SELECT * FROM unnest(CAST(? AS timestamptz[]), CAST(? AS text[]), CAST(? AS text[]),"
            + " CAST(? AS bigint[]), CAST(? AS timestamptz[]), CAST(? AS timestamptz[]))"
            + " ON CONFLICT (minute, runtime, why) DO UPDATE SET refused = runtime_token_refusals.refused"
            + " + EXCLUDED.refused, first_at = LEAST(runtime_token_refusals.first_at, EXCLUDED.first_at),"
            + " last_at = GREATEST(runtime_token_refusals.last_at, EXCLUDED.last_at)";

    /** One minute's tally key: the caller name ('' for none) and the failed check's code. */
    private record Key(long minute, String runtime, String why) {
    }

    /** The refusals of one key: how many, the first and the last. */
    private record Tally(long count, Instant first, Instant last) {
        Tally plus(Tally other) {
            return new Tally(count + other.count, first.isBefore(other.first) ? first : other.first,
                    last.isAfter(other.last) ? last : other.last);
        }
    }

    private final DataSource dataSource;
    private final Object lock = new Object();
    private Map<Key, Tally> pending = new HashMap<>();
    /** The tallies of the flush under way, until it committed or put them back: readers still see them. */
    private volatile Map<Key, Tally> inFlight = Map.of();
    private long namesMinute = Long.MIN_VALUE;
    private final Set<String> names = new HashSet<>();
    private final Object flushing = new Object();
    private volatile Instant lastPurge = Instant.EPOCH;
    /** The kind of the last failure logged, null while flushes work. */
    private String failing;

    /**
     * @param dataSource where the refusals are kept; null keeps them in this object only (a unit test's
     *     {@link RuntimeToken})
     */
    @Inject
    public RuntimeTokenRefusals(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Tallies one refusal in memory.
     *
     * @param runtime the caller's valid {@code X-Keyhouse-Runtime} name, or null
     * @param why a key of {@link #WHY}
     */
    void record(Instant at, String runtime, String why) {
        long minute = Math.floorDiv(at.getEpochSecond(), 60);
        synchronized (lock) {
            if (minute != namesMinute) {
                namesMinute = minute;
                names.clear();
            }
            String name = runtime == null ? "" : runtime;
            if (!name.isEmpty() && !names.contains(name)) {
                if (names.size() >= NAMES_PER_MINUTE) {
                    name = "";
                } else {
                    names.add(name);
                }
            }
            pending.merge(new Key(minute, name, why), new Tally(1, at, at), Tally::plus);
        }
    }

    /**
     * Writes the tallies waiting in memory in one statement (autocommit, one pooled connection) and, once an hour,
     * deletes the rows older than {@link #RETENTION}. On failure the tallies go back for the next flush.
     *
     * @return how many tallies were written, 0 when none waited (or nothing is kept in a database), -1 on failure
     */
    public int flush() {
        if (dataSource == null) {
            return 0;
        }
        synchronized (flushing) {
            Map<Key, Tally> batch;
            synchronized (lock) {
                batch = pending;
                pending = new HashMap<>();
            }
            if (batch.isEmpty() && Instant.now().isBefore(lastPurge.plus(Duration.ofHours(1)))) {
                return 0;
            }
            inFlight = batch;
            try {
                write(batch);
                if (failing != null) {
                    failing = null;
                    LOG.info("runtime token refusals are written again");
                }
                return batch.size();
            } catch (SQLException | RuntimeException e) {
                synchronized (lock) {
                    batch.forEach((key, tally) -> pending.merge(key, tally, Tally::plus));
                }
                String kind = e.getClass().getSimpleName() + (e instanceof SQLException sql
                        && sql.getSQLState() != null ? " (SQLState " + sql.getSQLState() + ")" : "");
                if (!kind.equals(failing)) {
                    failing = kind;
                    LOG.warnf("runtime token refusals: writing %d tallies failed: %s; kept in memory and tried again"
                            + " (logged again only for another kind of failure)", batch.size(), kind);
                }
                return -1;
            } finally {
                inFlight = Map.of();
            }
        }
    }

    private void write(Map<Key, Tally> batch) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            if (!batch.isEmpty()) {
                int n = batch.size();
                Timestamp[] minutes = new Timestamp[n];
                String[] runtimes = new String[n];
                String[] whys = new String[n];
                Long[] counts = new Long[n];
                Timestamp[] firsts = new Timestamp[n];
                Timestamp[] lasts = new Timestamp[n];
                int i = 0;
                for (Map.Entry<Key, Tally> e : batch.entrySet()) {
                    minutes[i] = Timestamp.from(Instant.ofEpochSecond(e.getKey().minute() * 60));
                    runtimes[i] = e.getKey().runtime();
                    whys[i] = e.getKey().why();
                    counts[i] = e.getValue().count();
                    firsts[i] = Timestamp.from(e.getValue().first());
                    lasts[i] = Timestamp.from(e.getValue().last());
                    i++;
                }
                try (PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
                    upsert.setArray(1, connection.createArrayOf("timestamptz", minutes));
                    upsert.setArray(2, connection.createArrayOf("text", runtimes));
                    upsert.setArray(3, connection.createArrayOf("text", whys));
                    upsert.setArray(4, connection.createArrayOf("int8", counts));
                    upsert.setArray(5, connection.createArrayOf("timestamptz", firsts));
                    upsert.setArray(6, connection.createArrayOf("timestamptz", lasts));
                    upsert.executeUpdate();
                }
                // committed (autocommit): readers find the batch in the table from now on, not twice
                inFlight = Map.of();
            }
            Instant now = Instant.now();
            if (!now.isBefore(lastPurge.plus(Duration.ofHours(1)))) {
                try (PreparedStatement purge = connection.prepareStatement(
                        "DELETE FROM runtime_token_refusals WHERE minute < ?")) {
                    purge.setTimestamp(1, Timestamp.from(now.minus(RETENTION)));
                    purge.executeUpdate();
                }
                lastPurge = now;
            }
        }
    }

    /** Every few seconds: {@link #flush()}. */
    @Scheduled(every = "5s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledFlush() {
        flush();
    }

    /** Writes what is pending at a graceful stop: a restart loses no refusal. */
    void stop(@Observes ShutdownEvent event) {
        flush();
    }

    /**
     * The refusals whose last falls at or after {@code since} (null: every one kept), stored by any replica, with this
     * replica's not written yet added in: one per minute, caller name and failed check, oldest first, at most
     * {@link #READ_LIMIT} (the newest).
     *
     * @return the refusals, and whether some were left out by the limit
     */
    Read read(Instant since) {
        Map<Key, Tally> all = new HashMap<>();
        boolean capped = false;
        if (dataSource != null) {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement select = connection.prepareStatement("SELECT minute, runtime, why, refused,"
                            + " first_at, last_at FROM runtime_token_refusals WHERE last_at >= ?"
                            + " ORDER BY last_at DESC LIMIT " + (READ_LIMIT + 1))) {
                select.setTimestamp(1, Timestamp.from(since == null ? Instant.EPOCH : since));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        if (all.size() == READ_LIMIT) {
                            capped = true;
                            break;
                        }
                        all.put(new Key(Math.floorDiv(rows.getTimestamp(1).toInstant().getEpochSecond(), 60),
                                rows.getString(2), rows.getString(3)), new Tally(rows.getLong(4),
                                rows.getTimestamp(5).toInstant(), rows.getTimestamp(6).toInstant()));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("runtime token refusals could not be read", e);
            }
        }
        Map<Key, Tally> waiting = new HashMap<>(inFlight);
        synchronized (lock) {
            pending.forEach((key, tally) -> waiting.merge(key, tally, Tally::plus));
        }
        waiting.forEach((key, tally) -> {
            if (since == null || !tally.last().isBefore(since)) {
                all.merge(key, tally, Tally::plus);
            }
        });
        List<RuntimeToken.Refusal> refusals = new ArrayList<>();
        all.forEach((key, tally) -> refusals.add(new RuntimeToken.Refusal(tally.first(), tally.last(),
                key.runtime().isEmpty() ? null : key.runtime(), WHY.getOrDefault(key.why(), key.why()),
                tally.count())));
        refusals.sort(Comparator.comparing(RuntimeToken.Refusal::at));
        return new Read(List.copyOf(refusals), capped);
    }

    /** What {@link #read} found: the refusals, oldest first, and whether older ones were left out. */
    record Read(List<RuntimeToken.Refusal> refusals, boolean capped) {
    }
}
