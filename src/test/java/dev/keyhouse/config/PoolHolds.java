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
 * Connections are taken and given back on the thread that runs the transaction, so a per-thread count is exact.
 */
@ApplicationScoped
public class PoolHolds implements AgroalPoolInterceptor {

    private final ThreadLocal<int[]> held = ThreadLocal.withInitial(() -> new int[1]);
    private final List<String> nested = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong acquired = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public void onConnectionAcquire(Connection connection) {
        int[] count = held.get();
        if (count[0] > 0) {
            synchronized (nested) {
                nested.add(Thread.currentThread().getName() + " took a second connection while holding "
                        + count[0] + ":\n" + stack());
            }
        }
        count[0]++;
        acquired.incrementAndGet();
    }

    /** Connections taken from the pool since start: shows the watch is on. */
    public long acquired() {
        return acquired.get();
    }

    @Override
    public void onConnectionReturn(Connection connection) {
        int[] count = held.get();
        if (count[0] > 0) {
            count[0]--;
        }
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
