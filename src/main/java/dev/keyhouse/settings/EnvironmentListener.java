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
 * triggers notify at every commit that changes what runtime-config serves). A daemon thread blocks in pgjdbc's
 * {@link PGConnection#getNotifications(int)} and drops the cache on each notification; every
 * {@link #PING_MILLIS} it runs {@code SELECT 1} so a half-open connection is noticed (the cache is only served
 * while the last successful read is under {@link ProviderEnvironment#ALIVE_NANOS} old).
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
    /** How often the liveness query runs, in milliseconds. */
    static final int PING_MILLIS = 1000;
    /** Longest wait in {@code getNotifications}, in milliseconds: bounds how late a stop or a ping is. */
    private static final int POLL_MILLIS = 250;
    private static final long FIRST_BACKOFF_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 10_000;

    private final ProviderEnvironment environment;
    private final DirectConnections connections;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile Connection connection;

    public EnvironmentListener(ProviderEnvironment environment, DirectConnections connections, MeterRegistry registry) {
        this.environment = environment;
        this.connections = connections;
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
    }

    private void run() {
        long backoff = FIRST_BACKOFF_MILLIS;
        boolean announced = false;
        while (running) {
            try (Connection c = connect()) {
                connection = c;
                try (Statement statement = c.createStatement()) {
                    statement.execute("SET application_name = '" + APPLICATION_NAME + "'");
                    statement.execute("LISTEN " + CHANNEL);
                }
                environment.listenerUp();
                LOG.infof("runtime-config is served from memory: listening on %s", CHANNEL);
                announced = false;
                backoff = FIRST_BACKOFF_MILLIS;
                listen(c);
            } catch (SQLException | RuntimeException e) {
                environment.listenerDown();
                if (!running) {
                    break;
                }
                if (!announced) {
                    // class and SQL state only: a driver message may quote connection details
                    LOG.warnf("runtime-config listener on %s lost (%s, SQL state %s): every call revalidates"
                            + " against the database until it reconnects", CHANNEL, e.getClass().getSimpleName(),
                            e instanceof SQLException sql ? sql.getSQLState() : "none");
                    announced = true;
                }
            } finally {
                connection = null;
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
        environment.listenerDown();
    }

    /** Blocks on the connection until it fails or the listener stops. */
    private void listen(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long nextPing = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PING_MILLIS);
        while (running) {
            PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
            if (notifications != null && notifications.length > 0) {
                environment.invalidate();
                environment.listenerAlive();
                if (LOG.isDebugEnabled()) {
                    // the payload is a table's name, never a value
                    LOG.debugf("runtime-config cache dropped: %s changed", java.util.Arrays.stream(notifications)
                            .map(PGNotification::getParameter).distinct().toList());
                }
            }
            if (System.nanoTime() - nextPing >= 0) {
                try (Statement statement = c.createStatement()) {
                    statement.execute("SELECT 1");
                }
                environment.listenerAlive();
                nextPing = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PING_MILLIS);
            }
        }
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
