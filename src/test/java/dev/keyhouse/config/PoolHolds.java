package dev.keyhouse.config;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import io.agroal.api.AgroalPoolInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Test-only watch on the default datasource's pool (an Agroal pool interceptor, which Quarkus applies to the default
 * datasource when the bean is unqualified): records every time a thread takes a pooled connection while it already
 * holds one — the hold-and-wait that deadlocked Keyhouse when a fleet's first calls took every connection (issue 17).
 * A connection is counted against the thread that took it until it is given back, on whatever thread that happens.
 */
@ApplicationScoped
public class PoolHolds implements AgroalPoolInterceptor {

    /** Each connection out of the pool and the thread that took it (given back maybe by another thread). */
    private final java.util.Map<Object, Thread> owners = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> nested = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong acquired = new java.util.concurrent.atomic.AtomicLong();
    /** Connections taken by each thread since start (a background job's takes do not count against a test's). */
    private final java.util.Map<Thread, java.util.concurrent.atomic.AtomicLong> acquiredBy =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<Thread> takers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile String watched;

    @Override
    public void onConnectionAcquire(Connection connection) {
        Thread me = Thread.currentThread();
        long holding = owners.values().stream().filter(owner -> owner == me).count();
        if (holding > 0) {
            synchronized (nested) {
                nested.add(me.getName() + " took a second connection while holding " + holding + ":\n" + stack());
            }
        }
        owners.put(physical(connection), me);
        acquired.incrementAndGet();
        acquiredBy.computeIfAbsent(me, t -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        String frame = watched;
        if (frame != null && stack().contains(frame)) {
            takers.add(me);
        }
    }

    /**
     * From now on, notes each thread that takes a connection with {@code frame} (e.g. {@code ProviderSettings.save})
     * on its stack; {@link #takers()} lists them. One frame at a time; null stops.
     */
    public void watch(String frame) {
        takers.clear();
        watched = frame;
    }

    /** The threads noted since {@link #watch}. */
    public java.util.Set<Thread> takers() {
        return java.util.Set.copyOf(takers);
    }

    /** The threads holding a pooled connection right now. */
    public java.util.Set<Thread> holders() {
        return java.util.Set.copyOf(owners.values());
    }

    /** Connections {@code thread} took from the pool since start. */
    public long acquiredBy(Thread thread) {
        java.util.concurrent.atomic.AtomicLong count = acquiredBy.get(thread);
        return count == null ? 0 : count.get();
    }

    /** Connections taken from the pool since start: shows the watch is on. */
    public long acquired() {
        return acquired.get();
    }

    @Override
    public void onConnectionReturn(Connection connection) {
        owners.remove(physical(connection));
    }

    /** Every nested acquisition since the last {@link #clear()}, each with the stack that made it. */
    public List<String> nested() {
        synchronized (nested) {
            return List.copyOf(nested);
        }
    }

    public void clear() {
        synchronized (nested) {
            nested.clear();
        }
    }

    /** The driver's connection under whatever wrapper the pool handed the interceptor. */
    private static Object physical(Connection connection) {
        try {
            return connection.unwrap(org.postgresql.PGConnection.class);
        } catch (java.sql.SQLException e) {
            return connection;
        }
    }

    private static String stack() {
        StringBuilder frames = new StringBuilder();
        for (StackTraceElement frame : new Throwable().getStackTrace()) {
            if (frame.getClassName().startsWith("dev.keyhouse.")) {
                frames.append("    at ").append(frame).append('\n');
            }
        }
        return frames.toString();
    }
}
