package dev.keyhouse.settings;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import dev.keyhouse.config.DirectConnections;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Keeps {@link ProviderEnvironment}'s in-memory runtime-config honest across replicas: one dedicated JDBC
 * connection, outside the Agroal pool (same URL, user and password as the datasource, whichever source chose them:
 * the embedded database, {@code SYSTEM_DATABASE_URL} or {@code POSTGRES_*}), named {@code keyhouse-listener} in
 * {@code pg_stat_activity}, does {@code LISTEN keyhouse_environment} (the channel migration V12's statement
 * triggers, and V16's on the shared secrets' tables, notify at every commit that changes what runtime-config
 * serves). A daemon thread blocks in pgjdbc's {@link PGConnection#getNotifications(int)} and drops the cache on each notification. Every {@link #PING_MILLIS}
 * it sends itself a ping on the same channel ({@code pg_notify(channel, 'ping:<replica>:<n>')}) and counts the
 * connection as working only when that ping comes back: a LISTEN that cannot deliver (a pooler in transaction mode,
 * where LISTEN "succeeds" on a server connection this client does not keep) or a hung or half-open connection never
 * echoes, so the cache is only served while the last echoed ping was <em>sent</em> under
 * {@link ProviderEnvironment#ALIVE_NANOS} ago, and never before the first echo after a (re)connect. Measured from
 * the send, not the arrival: a listener that reads late (a stalled thread, a slow connection) stops trusting its
 * cache at a time other replicas can bound, which {@link ReplicaBarrier} relies on. Pings, barriers and
 * acknowledgements (of every replica) do not drop the cache; only the triggers' table names do.
 *
 * <p>On any error the cache stops being served (every call revalidates, as without the listener), the connection is
 * closed and the thread reconnects after a backoff of 0.5 s doubling to 10 s. After each (re)connect's LISTEN it
 * drops every cache, then serves from memory again: notifications sent while it was down are lost. The state is
 * the gauge {@code keyhouse_runtime_config_listener_up} (1 listening, 0 not). Logs name the channel, never the URL
 * or the password.
 */
@ApplicationScoped
public class EnvironmentListener {

    private static final Logger LOG = Logger.getLogger(EnvironmentListener.class);
    /** The channel V12's triggers notify. */
    public static final String CHANNEL = "keyhouse_environment";
    /** {@code application_name} of the listener's connection, e.g. to find it in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "keyhouse-listener";
    /** How often the listener pings itself, in milliseconds. */
    static final int PING_MILLIS = 300;
    /** Payload prefix of the listener's pings; the triggers' payloads are table names. */
    static final String PING = "ping:";
    /** Longest wait in {@code getNotifications}, in milliseconds: bounds how late a stop or a ping is. */
    static final int POLL_MILLIS = 250;
    private static final long FIRST_BACKOFF_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 10_000;

    private final ProviderEnvironment environment;
    private final DirectConnections connections;
    private final ReplicaBarrier barrier;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile Connection connection;
    /**
     * The channel LISTENed on: {@link #CHANNEL}, except in a test that stands in for a LISTEN which delivers nothing
     * (a pooler in transaction mode) by listening elsewhere.
     */
    private volatile String listenOn = CHANNEL;
    /** The listener thread's own: the wait before the next reconnect, and whether this loss was logged. */
    private long backoff;
    private boolean lossAnnounced;

    public EnvironmentListener(ProviderEnvironment environment, DirectConnections connections, ReplicaBarrier barrier,
            MeterRegistry registry) {
        this.environment = environment;
        this.connections = connections;
        this.barrier = barrier;
        Gauge.builder("keyhouse.runtime.config.listener.up", environment, e -> e.listening() ? 1 : 0)
                .description("1 while runtime-config is served from memory (LISTEN keyhouse_environment connected),"
                        + " 0 while every call revalidates against the database")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        Thread listener = new Thread(this::run, APPLICATION_NAME);
        listener.setDaemon(true);
        thread = listener;
        listener.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        environment.listenerDown();
        Thread listener = thread;
        closeQuietly(connection);
        if (listener != null) {
            listener.interrupt();
            try {
                listener.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // again: a thread stopped mid-echo may have marked it up after the first call
        environment.listenerDown();
    }

    /** For a test only: the channel the next (re)connect LISTENs on (a method: tests hold a client proxy). */
    void listenOn(String channel) {
        listenOn = channel;
    }

    /** Whether the calling thread is the listener that should run now (a stopped one may linger a moment). */
    private boolean current() {
        return running && thread == Thread.currentThread();
    }

    private void run() {
        backoff = FIRST_BACKOFF_MILLIS;
        lossAnnounced = false;
        while (current()) {
            try (Connection c = connect()) {
                connection = c;
                try (Statement statement = c.createStatement()) {
                    statement.execute("SET application_name = '" + APPLICATION_NAME + "'");
                    statement.execute("LISTEN " + listenOn);
                }
                listen(c);
            } catch (SQLException | RuntimeException e) {
                environment.listenerDown();
                if (!current()) {
                    break;
                }
                if (!lossAnnounced) {
                    // class and SQL state only: a driver message may quote connection details
                    LOG.warnf("runtime-config listener on %s lost (%s, SQL state %s): every call revalidates"
                            + " against the database until it reconnects", CHANNEL, e.getClass().getSimpleName(),
                            e instanceof SQLException sql ? sql.getSQLState() : "none");
                    lossAnnounced = true;
                }
            } finally {
                barrier.book().disconnected();
                connection = null;
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
        environment.listenerDown();
    }

    /**
     * Blocks on the connection until it fails or the listener stops; serves from memory from the first echo of its
     * own ping on, and stops serving (without dropping the connection) while its pings do not come back. Takes part
     * in {@link ReplicaBarrier}: notes other replicas' pings and its own barriers' echoes and acknowledgements, and
     * acknowledges other replicas' barriers once it dropped its cache for everything received before them.
     */
    private void listen(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        String id = listenerId();
        String me = PING + id + ":";
        barrier.book().connected(id, System.nanoTime());
        // the pings sent and not echoed yet, oldest first: {number, System.nanoTime() before it was sent}
        java.util.ArrayDeque<long[]> unechoed = new java.util.ArrayDeque<>();
        long sent = 0;
        long nextPing = System.nanoTime();
        boolean up = false;
        boolean silentAnnounced = false;
        long connectedAt = System.nanoTime();
        while (current()) {
            if (System.nanoTime() - nextPing >= 0) {
                long sentAt = System.nanoTime();
                notify(c, me + ++sent);
                unechoed.addLast(new long[] {sent, sentAt});
                if (unechoed.size() > 64) {
                    unechoed.removeFirst();
                }
                nextPing = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PING_MILLIS);
            }
            PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
            long now = System.nanoTime();
            long echoSentAt = Long.MIN_VALUE;
            boolean changed = false;
            java.util.List<String> toAcknowledge = new java.util.ArrayList<>();
            // in order: a barrier is preceded by every change committed before it, a ping of another replica by
            // everything it could have trusted
            for (PGNotification notification : notifications == null ? new PGNotification[0] : notifications) {
                String payload = notification.getParameter();
                String[] parts = payload == null ? new String[0] : payload.split(":", -1);
                if (payload != null && payload.startsWith(me) && parts.length == 3) {
                    long number = number(parts[2]);
                    while (!unechoed.isEmpty() && unechoed.peekFirst()[0] <= number) {
                        long[] ping = unechoed.removeFirst();
                        if (ping[0] == number) {
                            echoSentAt = Math.max(echoSentAt, ping[1]);
                        }
                    }
                } else if (payload != null && payload.startsWith(PING) && parts.length == 3) {
                    barrier.book().sawPing(parts[1], now);
                } else if (payload != null && payload.startsWith(ReplicaBarrier.BARRIER) && parts.length == 3) {
                    if (parts[1].equals(id)) {
                        barrier.book().echoed(id, number(parts[2]), now);
                    } else {
                        toAcknowledge.add(payload);
                    }
                } else if (payload != null && payload.startsWith(ReplicaBarrier.ACK) && parts.length == 5) {
                    barrier.book().acked(parts[1], parts[3], number(parts[4]));
                } else {
                    // a table's name (or anything unknown: dropping the cache is the safe side)
                    changed = true;
                }
            }
            if (changed) {
                environment.invalidate();
                if (LOG.isDebugEnabled()) {
                    // the payload is a table's name, never a value
                    LOG.debugf("runtime-config cache dropped: %s changed", java.util.Arrays.stream(notifications)
                            .map(PGNotification::getParameter).filter(p -> p == null || !p.contains(":"))
                            .distinct().toList());
                }
            }
            // after the drop above: everything received before these barriers is acted on
            for (String received : toAcknowledge) {
                notify(c, ReplicaBarrier.ACK + id + ":" + received);
            }
            if (!current()) {
                break;
            }
            boolean echoed = echoSentAt != Long.MIN_VALUE;
            if (echoed && !up) {
                // notifications are delivered on this connection: drop what was cached while none could arrive
                environment.listenerUp(echoSentAt);
                up = true;
                backoff = FIRST_BACKOFF_MILLIS;
                lossAnnounced = false;
                LOG.infof("runtime-config is served from memory: listening on %s as %s", CHANNEL, id);
            } else if (echoed) {
                environment.listenerAlive(echoSentAt);
            } else if (!up && !silentAnnounced && System.nanoTime() - connectedAt > ProviderEnvironment.ALIVE_NANOS) {
                LOG.warnf("runtime-config listener: LISTEN %s delivers nothing on this connection (a connection"
                        + " pooler in transaction mode?): every call revalidates against the database", CHANNEL);
                silentAnnounced = true;
            }
        }
    }

    /** {@code pg_notify} on {@link #CHANNEL}, in autocommit: delivered at once (also {@link ReplicaBarrier}'s). */
    static void notify(Connection c, String payload) throws SQLException {
        try (java.sql.PreparedStatement statement = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            statement.setString(1, CHANNEL);
            statement.setString(2, payload);
            statement.execute();
        }
    }

    /** A payload's {@code <n>}, or -1 (matches nothing) when it is not a number. */
    private static long number(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * This connection's id in pings, barriers and acknowledgements: the JVM's {@code pid@host} (as the restart
     * executor's log names the replica) and 8 random hex digits, new at every (re)connect, e.g.
     * {@code 30613@vm.1f0c9a2e}; at most 69 characters of {@code [A-Za-z0-9@.-]} (never a {@code :}, the payloads'
     * separator). Logged at INFO when the listener starts serving from memory, so a barrier's WARN naming it can be
     * traced to a host and process.
     */
    static String listenerId() {
        String process = java.lang.management.ManagementFactory.getRuntimeMXBean().getName()
                .replaceAll("[^A-Za-z0-9@.-]", "-");
        return process.substring(0, Math.min(60, process.length())) + "."
                + String.format("%08x", java.util.concurrent.ThreadLocalRandom.current().nextInt());
    }

    /** A connection of its own with the datasource's URL and credentials; not from the pool. */
    private Connection connect() throws SQLException {
        // bounds the liveness query on a half-open connection; getNotifications sets its own timeout
        return connections.open(APPLICATION_NAME, 10);
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            if (running) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                // closing to unblock the thread: nothing to do
            }
        }
    }
}
