package dev.keyhouse.runtimes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import dev.keyhouse.settings.RuntimeConfigServed;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Which settings version and LLM key each runtime was last served ({@code runtime_acks}), from the runtime-config
 * endpoint's {@code X-Keyhouse-Runtime} header: a whole fleet fetches at once after a restart, so nothing is written
 * on the request path.
 *
 * <p><b>Sightings in memory, written in batches.</b> A served fetch ({@link RuntimeConfigServed}) only puts a
 * sighting (version, fingerprint, {@link System#nanoTime()} when served) into a map keyed by runtime, the latest
 * sighting winning. A flusher thread writes every pending runtime in <em>one</em> statement ({@link #UPSERT}: an
 * {@code INSERT … SELECT FROM unnest(…) ON CONFLICT … DO UPDATE … WHERE runtime_acks.acked_at <= excluded.acked_at},
 * in runtime order), so a runtime gets at most one upsert per flush, and two replicas flushing out of order never
 * move an ack backwards. A flush runs at once after a quiet period and then at most once per
 * {@code keyhouse.runtime-acks.flush} (1 s), so a herd's sightings coalesce. A sighting keeps, for a held
 * configuration, its name and pins ({@code held_configuration}, {@code held_pins}, V28): which kinds it served
 * current, so a rollout of such a kind is confirmed by it ({@link Ack#carries}). A failed flush puts its sightings back
 * (a newer sighting of the same runtime wins) and is tried again one interval later; it is logged once per kind of
 * failure (exception class and SQLState, never a value), and once when flushes work again. On shutdown the flusher
 * stops and everything pending is flushed; a fetch answered after that (the HTTP server closes later) is written by
 * its own request thread (which holds no other connection then).
 *
 * <p><b>Bounded.</b> At most {@link #MAX_PENDING} distinct runtimes wait in memory (about 0.5 KiB each). Past it,
 * a sighting of a runtime that is not already waiting is dropped and counted (logged at the next flush); a runtime
 * already waiting is still updated, and a dropped runtime's next fetch is recorded once a flush has made room. Only
 * a database that refuses writes for long keeps the map full. A failed flush's sightings go back even past the cap,
 * so the map holds at most twice the cap.
 *
 * <p><b>The database's clock.</b> Restart runs and rollouts count a fetch only when {@code acked_at} is not before
 * {@code restart_results.started_at}, which PostgreSQL sets with {@code now()}. An ack is therefore stamped by
 * PostgreSQL, never by this JVM's wall clock: {@code statement_timestamp() - age}, where {@code age} is how long ago
 * (monotonic {@code nanoTime}, in microseconds) the runtime was served, computed immediately before the statement is
 * sent. The stamp is the true serving time plus the time between computing the ages and PostgreSQL receiving the
 * statement (one client→server trip and the driver's encoding, well under a millisecond on loopback), minus nothing:
 * never earlier than the serving, so a fetch served after a restart began always counts, and later by at most that
 * trip, as the old synchronous {@code now()} upsert was later by its own connection and transaction start. The JVM's
 * wall clock, its offset and its steps play no part; only the rate of {@code nanoTime} (parts per million) over the
 * time a sighting waits. Readers on this replica see the stamps their own statement would write (below).
 *
 * <p><b>Readers on this replica see pending sightings.</b> Every reader of acks ({@link #since}, {@link Confirmations},
 * {@link RuntimeStatuses#all}) reads {@link #relation()} instead of the table: the table plus this replica's
 * sightings not yet committed, stamped the same way, the latest per runtime. So the conductor here waits for no
 * flush; a conductor on another replica sees a fetch after at most one flush interval (its gate looks every second).
 */
@ApplicationScoped
public class RuntimeAcks {

    private static final Logger LOG = Logger.getLogger(RuntimeAcks.class);

    /** Most distinct runtimes waiting to be written (see the class comment for what happens past it). */
    static final int MAX_PENDING = 10_000;

    /**
     * The batch upsert: parameters are arrays of runtime names (sorted, distinct), settings versions, LLM key
     * fingerprints (or null) and ages in microseconds; one statement, autocommit.
     */
    static final String UPSERT = "INSERT INTO runtime_acks (runtime, settings_version, llm_fingerprint, acked_at,"
            + " held_configuration, held_pins)"
            + " SELECT p.runtime, p.settings_version, p.llm_fingerprint,"
            + " statement_timestamp() - p.age_micros * interval '1 microsecond', p.held_configuration, p.held_pins"
            + " FROM unnest(?::text[], ?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::text[])"
            + " AS p(runtime, settings_version, llm_fingerprint, age_micros, held_configuration, held_pins)"
            + " ON CONFLICT (runtime) DO UPDATE SET settings_version = excluded.settings_version,"
            + " llm_fingerprint = excluded.llm_fingerprint, acked_at = excluded.acked_at,"
            + " held_configuration = excluded.held_configuration, held_pins = excluded.held_pins"
            + " WHERE runtime_acks.acked_at <= excluded.acked_at";

    /**
     * A runtime's last fetch.
     *
     * @param heldConfiguration the held configuration's name ({@code 112-h3fa9c2e1}) when an open rollout held the
     *        runtime back; null for the current configuration (or a fetch kept on a result row)
     * @param heldPins the kinds that held configuration served at an earlier version ({@code stt:4}); null when none
     */
    public record Ack(String runtime, long version, String fingerprint, Instant at, String heldConfiguration,
            String heldPins) {

        /** A fetch of the current configuration (or one whose held contents are not known). */
        public Ack(String runtime, long version, String fingerprint, Instant at) {
            this(runtime, version, fingerprint, at, null, null);
        }

        /**
         * Whether this fetch carries what a result restarted onto configuration {@code envVersion} rolled out of
         * {@code kind} (b19 A): that version or a later one; or a held configuration (Keyhouse's own record of
         * what it served, never the runtime's word) whose pins hold other kinds back but not {@code kind}, which it
         * therefore served current, as it was at or after the restart. A held configuration that pins
         * {@code kind} (another open rollout of it holds the runtime at an older version) never carries it.
         *
         * @param envVersion the configuration version the result was restarted onto; null: any fetch carries it
         * @param kind the rollout's kind; null (not a rollout of one kind): the version alone decides
         */
        public boolean carries(Long envVersion, String kind) {
            return envVersion == null || version >= envVersion || carriesHeld(kind);
        }

        /** A held configuration that serves {@code kind} current: its pins hold other kinds back, not this one. */
        public boolean carriesHeld(String kind) {
            return kind != null && heldConfiguration != null && heldPins != null
                    && java.util.Arrays.stream(heldPins.split(",")).noneMatch(p -> p.startsWith(kind + ":"));
        }

        /** "held configuration 112-h3fa9c2e1 (stt held back)": what a page says it was confirmed on. */
        public String heldText() {
            return "held configuration " + heldConfiguration + " (" + String.join(", ",
                    java.util.Arrays.stream(heldPins.split(",")).map(p -> p.split(":", 2)[0]).toList())
                    + " held back by another rollout; this change in it)";
        }
    }

    /** A fetch not yet written: what was served and when ({@link System#nanoTime()}). */
    record Sighting(long version, String fingerprint, long servedNanos, String heldConfiguration, String heldPins) {

        Sighting(long version, String fingerprint, long servedNanos) {
            this(version, fingerprint, servedNanos, null, null);
        }

        static Sighting later(Sighting a, Sighting b) {
            return b.servedNanos - a.servedNanos >= 0 ? b : a;
        }
    }

    /**
     * The acks as an SQL relation with columns {@code runtime, settings_version, llm_fingerprint, acked_at}, and the
     * parameters it needs; {@link #bind} sets them (computing the ages) just before the query runs.
     */
    record Relation(String sql, Map<String, Sighting> pending) {

        /** Sets this relation's parameters on a native query that uses {@link #sql}. */
        Query bind(Query query) {
            if (pending.isEmpty()) {
                return query;
            }
            Batch batch = Batch.of(pending);
            return query.setParameter("ack_runtimes", batch.runtimes).setParameter("ack_versions", batch.versions)
                    .setParameter("ack_fingerprints", batch.fingerprints).setParameter("ack_ages", batch.ages())
                    .setParameter("ack_held", batch.held).setParameter("ack_pins", batch.pins);
        }
    }

    /** Pending sightings as the arrays of {@link #UPSERT}, in runtime order. */
    private record Batch(String[] runtimes, Long[] versions, String[] fingerprints, long[] servedNanos,
            String[] held, String[] pins) {

        static Batch of(Map<String, Sighting> sightings) {
            TreeMap<String, Sighting> sorted = new TreeMap<>(sightings);
            int n = sorted.size();
            Batch batch = new Batch(new String[n], new Long[n], new String[n], new long[n], new String[n],
                    new String[n]);
            int i = 0;
            for (Map.Entry<String, Sighting> entry : sorted.entrySet()) {
                batch.runtimes[i] = entry.getKey();
                batch.versions[i] = entry.getValue().version();
                batch.fingerprints[i] = entry.getValue().fingerprint();
                batch.servedNanos[i] = entry.getValue().servedNanos();
                batch.held[i] = entry.getValue().heldConfiguration();
                batch.pins[i] = entry.getValue().heldPins();
                i++;
            }
            return batch;
        }

        /** Microseconds since each sighting, now: computed last, just before the statement is sent. */
        Long[] ages() {
            long now = System.nanoTime();
            Long[] ages = new Long[servedNanos.length];
            for (int i = 0; i < ages.length; i++) {
                ages[i] = Math.max(0, (now - servedNanos[i]) / 1_000);
            }
            return ages;
        }
    }

    private final EntityManager em;
    private final DataSource dataSource;
    private final long intervalNanos;
    private final ConcurrentHashMap<String, Sighting> pending = new ConcurrentHashMap<>();
    /** The sightings of the flush under way, until it committed or put them back: readers still see them. */
    private volatile Map<String, Sighting> inFlight = Map.of();
    private final Object flushing = new Object();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "runtime-acks");
        thread.setDaemon(true);
        return thread;
    });
    private volatile long lastFlushNanos;
    private volatile boolean stopping;
    /** The kind of the last failure logged (class and SQLState), null while flushes work. */
    private String failing;

    public RuntimeAcks(EntityManager em, DataSource dataSource,
            @ConfigProperty(name = "keyhouse.runtime-acks.flush", defaultValue = "1s") Duration interval) {
        this.em = em;
        this.dataSource = dataSource;
        this.intervalNanos = interval.toNanos();
        this.lastFlushNanos = System.nanoTime() - intervalNanos;
    }

    /** Records a fetch in memory: no database work on the request path. */
    void onServed(@Observes RuntimeConfigServed served) {
        sighted(served.runtime(), new Sighting(served.version(), served.llmKeyFingerprint(), System.nanoTime(),
                served.heldConfiguration(), served.heldPins()));
    }

    /**
     * Keeps the later of a runtime's sightings, within {@link #MAX_PENDING}, and makes sure a flush is coming; once
     * the shutdown flush has begun (requests may still be answered while the application stops), writes it at once.
     */
    void sighted(String runtime, Sighting sighting) {
        if (pending.size() >= MAX_PENDING && !pending.containsKey(runtime)) {
            dropped.incrementAndGet();
        } else {
            pending.merge(runtime, sighting, Sighting::later);
        }
        if (stopping && io.vertx.core.Context.isOnEventLoopThread()) {
            // runtime-config answers from memory on the event loop, which must never block on the database
            io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool().execute(this::flush);
        } else if (stopping) {
            flush();
        } else {
            schedule();
        }
    }

    /** A flush at once when the last one is an interval ago, else one interval after it; calls fold into one. */
    private void schedule() {
        if (stopping || !scheduled.compareAndSet(false, true)) {
            return;
        }
        long delay = Math.max(0, lastFlushNanos + intervalNanos - System.nanoTime());
        try {
            flusher.schedule(this::scheduledFlush, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            scheduled.set(false);
        }
    }

    private void scheduledFlush() {
        scheduled.set(false);
        flush();
        if (!pending.isEmpty()) {
            // sightings that came during the flush, or a failed flush's: one interval later
            schedule();
        }
    }

    /**
     * Writes every pending sighting in one statement (autocommit, one pooled connection, no transaction of the
     * caller's). On failure the sightings go back for the next flush.
     *
     * @return the number of runtimes written, 0 when nothing was pending, -1 when the flush failed
     */
    public int flush() {
        synchronized (flushing) {
            lastFlushNanos = System.nanoTime();
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                LOG.warnf("runtime acknowledgements: %d fetches of new runtimes not recorded: more than %d runtimes"
                        + " were waiting to be written", lost, MAX_PENDING);
            }
            Map<String, Sighting> batch = drain();
            if (batch.isEmpty()) {
                return 0;
            }
            inFlight = batch;
            try {
                write(batch);
                recovered();
                return batch.size();
            } catch (SQLException | RuntimeException e) {
                batch.forEach((runtime, sighting) -> pending.merge(runtime, sighting, Sighting::later));
                failed(batch.size(), e);
                return -1;
            } finally {
                inFlight = Map.of();
            }
        }
    }

    /** Takes every pending sighting out of the map; one arriving meanwhile is either taken or stays for the next. */
    private Map<String, Sighting> drain() {
        Map<String, Sighting> batch = new HashMap<>();
        for (String runtime : pending.keySet()) {
            Sighting sighting = pending.remove(runtime);
            if (sighting != null) {
                batch.put(runtime, sighting);
            }
        }
        return batch;
    }

    /** The one statement of a flush (package-visible so a test can make it fail). */
    void write(Map<String, Sighting> sightings) throws SQLException {
        Batch batch = Batch.of(sightings);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
            connection.setAutoCommit(true);
            upsert.setArray(1, connection.createArrayOf("text", batch.runtimes));
            upsert.setArray(2, connection.createArrayOf("int8", batch.versions));
            upsert.setArray(3, connection.createArrayOf("text", batch.fingerprints));
            upsert.setArray(4, connection.createArrayOf("int8", batch.ages()));
            upsert.setArray(5, connection.createArrayOf("text", batch.held));
            upsert.setArray(6, connection.createArrayOf("text", batch.pins));
            upsert.executeUpdate();
        }
    }

    private void failed(int runtimes, Exception e) {
        String kind = e.getClass().getSimpleName()
                + (e instanceof SQLException sql && sql.getSQLState() != null ? " (SQLState " + sql.getSQLState() + ")" : "");
        if (!kind.equals(failing)) {
            failing = kind;
            LOG.warnf("runtime acknowledgements: writing %d runtimes' fetches failed: %s; kept in memory and tried"
                    + " again every %d ms (logged again only for another kind of failure)", runtimes, kind,
                    TimeUnit.NANOSECONDS.toMillis(intervalNanos));
        } else {
            LOG.debugf("runtime acknowledgements: writing %d runtimes' fetches failed again: %s", runtimes, kind);
        }
    }

    private void recovered() {
        if (failing != null) {
            failing = null;
            LOG.info("runtime acknowledgements are written again");
        }
    }

    /** Stops the flusher and writes what is pending: a graceful stop loses no sighting. */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        flusher.shutdownNow();
        flush();
    }

    /** How many runtimes wait to be written. */
    int pendingCount() {
        return pending.size();
    }

    /**
     * The acks as readers on this replica must see them: {@code runtime_acks}, and, when sightings are waiting, the
     * latest per runtime of the table and those sightings (stamped as {@link #UPSERT} would stamp them). Use as
     * {@code FROM " + relation.sql() + " a"} and {@link Relation#bind} the query.
     */
    Relation relation() {
        Map<String, Sighting> waiting = new HashMap<>(inFlight);
        pending.forEach((runtime, sighting) -> waiting.merge(runtime, sighting, Sighting::later));
        if (waiting.isEmpty()) {
            return new Relation("runtime_acks", Map.of());
        }
        return new Relation("(SELECT DISTINCT ON (runtime) runtime, settings_version, llm_fingerprint, acked_at,"
                + " held_configuration, held_pins FROM (SELECT runtime, settings_version, llm_fingerprint, acked_at,"
                + " held_configuration, held_pins FROM runtime_acks UNION ALL"
                + " SELECT p.runtime, p.settings_version, p.llm_fingerprint,"
                + " statement_timestamp() - p.age_micros * interval '1 microsecond', p.held_configuration, p.held_pins"
                + " FROM unnest(CAST(:ack_runtimes AS text[]), CAST(:ack_versions AS bigint[]),"
                + " CAST(:ack_fingerprints AS text[]), CAST(:ack_ages AS bigint[]), CAST(:ack_held AS text[]),"
                + " CAST(:ack_pins AS text[]))"
                + " AS p(runtime, settings_version, llm_fingerprint, age_micros, held_configuration, held_pins))"
                + " all_acks ORDER BY runtime, acked_at DESC)", waiting);
    }

    /** Acks recorded at or after {@code since}, oldest first, this replica's pending sightings included. */
    @SuppressWarnings("unchecked")
    List<Ack> since(Instant since) {
        Relation acks = relation();
        List<Object[]> rows = acks.bind(em.createNativeQuery("SELECT runtime, settings_version, llm_fingerprint,"
                        + " acked_at, held_configuration, held_pins FROM " + acks.sql()
                        + " a WHERE acked_at >= :since ORDER BY acked_at")
                .setParameter("since", Timestamp.from(since))).getResultList();
        List<Ack> found = new ArrayList<>();
        for (Object[] row : rows) {
            found.add(new Ack((String) row[0], ((Number) row[1]).longValue(), (String) row[2], instant(row[3]),
                    (String) row[4], (String) row[5]));
        }
        return found;
    }

    /**
     * The characters of the random parts of Kubernetes names: a Deployment's {@code pod-template-hash} and the
     * suffix of a generated name (Kubernetes' {@code k8s.io/apimachinery/pkg/util/rand}: no vowels, no 0, 1, 3).
     */
    static final String K8S_RANDOM = "[bcdfghjklmnpqrstvwxz2456789]";
    /** The longest prefix a generated name keeps of its {@code generateName} (63 minus the 5 random characters). */
    static final int K8S_GENERATED_PREFIX = 58;
    private static final Pattern ORDINAL = Pattern.compile("0|[1-9][0-9]*");
    private static final Pattern SUFFIX = Pattern.compile(K8S_RANDOM + "{5}");
    private static final Pattern HASH = Pattern.compile(K8S_RANDOM + "{1,10}-");
    private static final Pattern HASH_CUT = Pattern.compile(K8S_RANDOM + "{1,10}");

    /**
     * Whether an ack is from a result's runtime: the same name, or for a kubernetes workload of a kind the kubernetes
     * driver restarts, one of its pods as Kubernetes names them, exactly, so a pod of another workload whose name
     * merely starts the same ({@code Deployment/voice} and a pod of {@code Deployment/voice-eu}) never matches:
     * <ul>
     * <li>{@code Deployment/<name>}: its ReplicaSets are named {@code <name>-<pod-template-hash>} (Kubernetes
     * documentation, Concepts › Workloads › Deployment: "the name of the ReplicaSet is always formatted as
     * [DEPLOYMENT-NAME]-[HASH]"; the hash is 1 to 10 of {@link #K8S_RANDOM}, the safe encoding of a 32-bit hash's
     * decimal digits), and a ReplicaSet's pods get the generated name {@code <replicaset>-<5 random>}, e.g.
     * {@code voice-7d9f8c6b5-x2x9q};</li>
     * <li>{@code DaemonSet/<name>}: generated names {@code <name>-<5 random>}, e.g. {@code agent-x2x9q};</li>
     * <li>{@code StatefulSet/<name>}: {@code <name>-<ordinal>} (Kubernetes documentation, Concepts › Workloads ›
     * StatefulSets › Pod Identity: "$(statefulset name)-$(ordinal)"), the ordinal a non-negative integer, e.g.
     * {@code db-0}.</li>
     * </ul>
     * A generated name ({@code metadata.generateName}, Kubernetes documentation, Reference › Kubernetes API ›
     * ObjectMeta) is the prefix cut to its first {@value #K8S_GENERATED_PREFIX} characters and 5 random characters
     * ({@link #K8S_RANDOM}), so a long workload's pods carry its name, or its hash, cut short; that cut is matched
     * too. {@link #matchesSql} is the same test in SQL (RuntimeAcksTest runs both on one table of names).
     *
     * @param resultRuntime a result's runtime (a target's name, a container, {@code Deployment/voice}), null matches
     *        nothing
     * @param ackRuntime the name a runtime fetched or reported as
     */
    static boolean matches(String resultRuntime, String ackRuntime) {
        if (resultRuntime == null || ackRuntime == null) {
            return false;
        }
        if (resultRuntime.equals(ackRuntime)) {
            return true;
        }
        int slash = resultRuntime.indexOf('/');
        if (slash < 0) {
            return false;
        }
        String kind = resultRuntime.substring(0, slash);
        String name = resultRuntime.substring(slash + 1);
        if (kind.equals("StatefulSet")) {
            return ackRuntime.startsWith(name + "-")
                    && ORDINAL.matcher(ackRuntime.substring(name.length() + 1)).matches();
        }
        if (!kind.equals("Deployment") && !kind.equals("DaemonSet")) {
            return false;
        }
        if (ackRuntime.length() < 5 || !SUFFIX.matcher(ackRuntime.substring(ackRuntime.length() - 5)).matches()) {
            return false;
        }
        String prefix = ackRuntime.substring(0, ackRuntime.length() - 5);
        String generateName = name + "-";
        String cut = generateName.substring(0, Math.min(generateName.length(), K8S_GENERATED_PREFIX));
        if (kind.equals("DaemonSet") || generateName.length() >= K8S_GENERATED_PREFIX) {
            // a DaemonSet's pods, and a Deployment whose name alone fills the kept prefix
            return prefix.equals(cut);
        }
        if (prefix.length() > K8S_GENERATED_PREFIX || !prefix.startsWith(generateName)) {
            return false;
        }
        String hash = prefix.substring(generateName.length());
        return HASH.matcher(hash).matches()
                || prefix.length() == K8S_GENERATED_PREFIX && HASH_CUT.matcher(hash).matches();
    }

    /**
     * {@link #matches} as an SQL condition on two text columns, {@code resultColumn} a result's runtime and
     * {@code ackColumn} a reporting or fetching runtime's name (PostgreSQL: {@code starts_with}, {@code ~} with the
     * same patterns). Each column expression appears several times.
     */
    static String matchesSql(String resultColumn, String ackColumn) {
        String r = resultColumn;
        String a = ackColumn;
        String kind = "split_part(" + r + ", '/', 1)";
        String name = "substring(" + r + " from strpos(" + r + ", '/') + 1)";
        String generateName = "(" + name + " || '-')";
        String prefix = "left(" + a + ", length(" + a + ") - 5)";
        String hash = "substring(" + prefix + " from length(" + generateName + ") + 1)";
        String cut = "left(" + generateName + ", " + K8S_GENERATED_PREFIX + ")";
        String random = "length(" + a + ") >= 5 AND right(" + a + ", 5) ~ '^" + K8S_RANDOM + "{5}$'";
        return "(" + r + " = " + a + " OR (strpos(" + r + ", '/') > 0 AND CASE " + kind
                + " WHEN 'StatefulSet' THEN starts_with(" + a + ", " + generateName + ") AND substring(" + a
                + " from length(" + generateName + ") + 1) ~ '^(0|[1-9][0-9]*)$'"
                + " WHEN 'DaemonSet' THEN " + random + " AND " + prefix + " = " + cut
                + " WHEN 'Deployment' THEN " + random + " AND CASE WHEN length(" + generateName + ") >= "
                + K8S_GENERATED_PREFIX + " THEN " + prefix + " = " + cut + " ELSE length(" + prefix + ") <= " + K8S_GENERATED_PREFIX
                + " AND starts_with(" + prefix + ", "
                + generateName + ") AND (" + hash + " ~ '^" + K8S_RANDOM + "{1,10}-$' OR length(" + prefix + ") = "
                + K8S_GENERATED_PREFIX + " AND " + hash + " ~ '^" + K8S_RANDOM + "{1,10}$') END"
                + " ELSE false END))";
    }

    static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof Timestamp timestamp) {
            return timestamp.toInstant();
        }
        if (value instanceof java.time.OffsetDateTime offset) {
            return offset.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + value.getClass().getName());
    }
}
