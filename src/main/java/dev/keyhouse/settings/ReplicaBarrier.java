package dev.keyhouse.settings;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.keyhouse.config.DirectConnections;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import org.jboss.logging.Logger;

/**
 * Closes the cross-replica staleness window of runtime-config from memory (issue 17): a request that committed a
 * change of what runtime-config serves (a save or rollback of a provider setting, over the API or the settings page:
 * every {@link SettingSaved} committed while a request is handled) does not answer until every other replica that
 * could still be serving the previous environment from memory has dropped it.
 *
 * <p>After the commit (the request's transaction is over; {@link BarrierFilter} waits just before the answer is
 * written, holding no pooled connection), this replica sends {@code barrier:<listener>:<n>} on
 * {@code keyhouse_environment} over a direct connection of its own ({@code keyhouse-barrier}, outside the pool,
 * opened at the first barrier and kept), in autocommit. PostgreSQL delivers the notifications of different
 * transactions in commit order (documentation of NOTIFY), so every listener receives the save's notification before
 * the barrier: each {@link EnvironmentListener}, on another replica's barrier, has already dropped its cache and
 * answers {@code ack:<its listener>:barrier:<listener>:<n>}. When the barrier comes back on this replica's own
 * listener, the replicas that must acknowledge are those whose pings it received within {@link #WINDOW_NANOS}
 * before; the request answers once all of them acknowledged, or at the {@link #BOUND_NANOS deadline}.
 *
 * <p>Why the deadline is enough, and the expected set complete: a replica serves from memory at time t only while
 * one of its own pings, <em>sent</em> after t − {@link ProviderEnvironment#ALIVE_NANOS}, has come back to it
 * ({@link ProviderEnvironment#listening()}). A ping sent after the save committed is delivered after the save's
 * notification, so its echo comes after the cache was dropped; a ping sent before the commit keeps the cache
 * trusted until at most commit + ALIVE_NANOS. So once ALIVE_NANOS have passed since the commit no replica can serve
 * the previous environment, acknowledged or not: the deadline is {@code ALIVE_NANOS} plus one listener poll
 * (250 ms) of margin for clocks and scheduling, 1.75 s after the commit returned. Before the deadline, a replica
 * that could still trust a ping sent before the commit must have sent it after (answer − ALIVE_NANOS), hence this
 * listener received it less than ALIVE_NANOS before the barrier's echo (it committed before the barrier, so it
 * came first): the expected set holds it, as long as this listener was LISTENing {@link #WINDOW_NANOS} before the
 * echo (otherwise the barrier waits out its deadline). A replica whose listener is down revalidates every call and
 * needs no acknowledgement. When this replica's own listener is down, the barrier is not sent and the request waits
 * out the deadline.
 *
 * <p>The barrier never fails a save, it only delays the answer: a replica that did not acknowledge in time is
 * logged (WARN, once per replica process, naming its listener id {@code pid@host.<8 hex>}, never the URL) and the answer goes
 * out at the deadline. Typical added latency with one other replica on the same machine: a few milliseconds (the
 * two-replica IT prints it).
 */
@ApplicationScoped
public class ReplicaBarrier {

    private static final Logger LOG = Logger.getLogger(ReplicaBarrier.class);
    /** {@code application_name} of the connection barriers are sent on. */
    public static final String APPLICATION_NAME = "keyhouse-barrier";
    /** Payload prefix of a barrier: {@code barrier:<listener id>:<n>}. */
    static final String BARRIER = "barrier:";
    /** Payload prefix of an acknowledgement: {@code ack:<listener id>:barrier:<listener id>:<n>}. */
    static final String ACK = "ack:";
    /** Margin on top of ALIVE_NANOS, ns: one listener poll. */
    static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(EnvironmentListener.POLL_MILLIS);
    /** How recent another replica's last ping must be at the echo to be waited for, ns. */
    static final long WINDOW_NANOS = ProviderEnvironment.ALIVE_NANOS + MARGIN_NANOS;
    /** The longest a request waits for acknowledgements after its commit, ns (1.75 s). */
    static final long BOUND_NANOS = ProviderEnvironment.ALIVE_NANOS + MARGIN_NANOS;

    /** Replica processes warned about; cleared when it reaches this size, so it stays bounded. */
    static final int MAX_WARNED = 64;
    private static final ThreadLocal<Boolean> OWED = new ThreadLocal<>();
    private final DirectConnections connections;
    private final BarrierBook book = new BarrierBook(WINDOW_NANOS, BOUND_NANOS);
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final Object sendLock = new Object();
    private Connection connection;

    public ReplicaBarrier(DirectConnections connections) {
        this.connections = connections;
    }

    /** The bookkeeping the listener feeds (a method: other beans hold a client proxy, whose fields are not set). */
    BarrierBook book() {
        return book;
    }

    /**
     * Marks the request that committed a setting change: {@link BarrierFilter} waits before its answer. A thread
     * local (the commit runs on the request's worker thread, and so does the filter): the filter on every other
     * answer, runtime-config's above all, costs one look-up.
     */
    void onSaved(@Observes(during = TransactionPhase.AFTER_SUCCESS) SettingSaved saved) {
        if (Arc.container().requestContext().isActive()) {
            OWED.set(Boolean.TRUE);
        }
    }

    /** As {@link #onSaved}, for a committed change of another source of the environment (a shared secret). */
    void onChanged(@Observes(during = TransactionPhase.AFTER_SUCCESS) EnvironmentChanged changed) {
        if (Arc.container().requestContext().isActive()) {
            OWED.set(Boolean.TRUE);
        }
    }

    /** Whether the calling thread's request committed a change since the last call; clears it. */
    static boolean takeOwed() {
        if (OWED.get() == null) {
            return false;
        }
        OWED.remove();
        return true;
    }

    /**
     * Sends a barrier and blocks until every other replica that could be serving the previous environment from
     * memory has dropped it, or {@link #BOUND_NANOS} passed. Call after the change committed, holding no pooled
     * connection, on a thread that may block (never an event loop). Never throws for the barrier's sake.
     *
     * @return how long it waited, ns
     */
    public long await() {
        long start = System.nanoTime();
        BarrierBook.Pending barrier = book.open(start);
        String me = book.me();
        if (me != null && !send(BARRIER + me + ":" + barrier.number)) {
            LOG.debugf("runtime-config barrier %d not sent: waiting out %d ms", barrier.number,
                    TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
        }
        try {
            BarrierBook.Outcome outcome = book.await(barrier, System::nanoTime);
            for (String replica : outcome.missing()) {
                // the process part (pid@host) is stable across a replica's reconnects; the set stays small
                String process = replica.contains(".") ? replica.substring(0, replica.lastIndexOf('.')) : replica;
                if (warned.size() >= MAX_WARNED) {
                    warned.clear();
                }
                if (warned.add(process)) {
                    LOG.warnf("runtime-config barrier: replica %s (listener %s) did not acknowledge a settings change"
                            + " within %d ms; the answer waited until it can no longer serve the previous key from"
                            + " memory (logged once per replica process)", process, replica,
                            TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return System.nanoTime() - start;
    }

    /** Sends {@code payload} on the barrier connection, reopening it once; false when it could not. */
    private boolean send(String payload) {
        synchronized (sendLock) {
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    if (connection == null) {
                        connection = connections.open(APPLICATION_NAME, 5);
                    }
                    EnvironmentListener.notify(connection, payload);
                    return true;
                } catch (SQLException | RuntimeException e) {
                    // class and SQL state only: a driver message may quote connection details
                    LOG.debugf("runtime-config barrier connection failed (%s, SQL state %s)",
                            e.getClass().getSimpleName(), e instanceof SQLException sql ? sql.getSQLState() : "none");
                    close();
                }
            }
            return false;
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        synchronized (sendLock) {
            close();
        }
    }

    private void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing: nothing to do
            }
            connection = null;
        }
    }
}
