package dev.keyhouse.settings;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bookkeeping of {@link ReplicaBarrier}, with the clock passed in (nanoseconds of {@link System#nanoTime()}) so a
 * test can drive it: which other replicas were seen pinging and when, this replica's listener identity, and the
 * barriers in flight. Thread-safe: the listener thread feeds it, request threads {@link #await wait} on it.
 *
 * <p>A barrier is done when its {@link #deadline} passed, or when its echo came back on this replica's listener and
 * every replica expected at that echo acknowledged it. The expected set is every other replica whose ping this
 * listener received within {@code window} before the echo; it is only trusted when this listener's LISTEN was in
 * place at least {@code window} before the echo (before that, pings of replicas it never saw may still be trusted
 * by them): otherwise the barrier waits for its deadline.
 */
final class BarrierBook {

    /** One barrier in flight. */
    static final class Pending {
        final long number;
        final long deadline;
        /** The other replicas that must acknowledge; null until the echo, or when this listener cannot know. */
        Set<String> expected;
        boolean echoed;
        final Set<String> acked = new HashSet<>();

        Pending(long number, long deadline) {
            this.number = number;
            this.deadline = deadline;
        }

        boolean complete() {
            return expected != null && acked.containsAll(expected);
        }
    }

    /**
     * What a finished wait found.
     *
     * @param acknowledged every expected replica acknowledged (false: the deadline ended the wait)
     * @param missing the expected replicas that did not acknowledge (empty when none were known)
     * @param echoed whether the barrier came back on this replica's listener
     */
    record Outcome(boolean acknowledged, List<String> missing, boolean echoed) {
    }

    private final long window;
    private final long bound;
    private final Map<String, Long> lastPing = new HashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private String me;
    private long listeningSince;
    private long next;

    /**
     * @param window how recent another replica's last ping must be at the echo to be waited for, ns
     * @param bound how long a barrier waits at most from its {@link #open}, ns
     */
    BarrierBook(long window, long bound) {
        this.window = window;
        this.bound = bound;
    }

    /** This replica's listener LISTENs as {@code replica} since {@code now}. */
    synchronized void connected(String replica, long now) {
        me = replica;
        listeningSince = now;
    }

    /** This replica's listener lost its connection: barriers opened now wait out their deadline. */
    synchronized void disconnected() {
        me = null;
    }

    /** The listener identity barriers are sent under, or null while not listening. */
    synchronized String me() {
        return me;
    }

    /** Another replica's ping arrived; replicas silent for 10 windows are forgotten. */
    synchronized void sawPing(String replica, long now) {
        if (replica.equals(me)) {
            return;
        }
        lastPing.put(replica, now);
        if (lastPing.size() > 16) {
            lastPing.values().removeIf(at -> now - at > 10 * window);
        }
    }

    /** A new barrier, waiting from {@code now}: its number is the payload's {@code <n>}. */
    synchronized Pending open(long now) {
        Pending opened = new Pending(++next, now + bound);
        pending.put(opened.number, opened);
        return opened;
    }

    /** The barrier {@code number} sent as {@code sender} came back on this replica's listener at {@code now}. */
    synchronized void echoed(String sender, long number, long now) {
        Pending barrier = pending.get(number);
        if (barrier == null || !sender.equals(me) || barrier.echoed) {
            return;
        }
        barrier.echoed = true;
        if (now - listeningSince >= window) {
            Set<String> expected = new HashSet<>();
            lastPing.forEach((replica, at) -> {
                if (now - at <= window && !replica.equals(me)) {
                    expected.add(replica);
                }
            });
            barrier.expected = expected;
        }
        notifyAll();
    }

    /**
     * {@code replica} acknowledged barrier {@code number} of {@code sender}: counted only for a barrier of this
     * replica's listener still in flight, and only from a replica it expects.
     */
    synchronized void acked(String replica, String sender, long number) {
        Pending barrier = pending.get(number);
        if (barrier == null || !sender.equals(me) || barrier.expected == null
                || !barrier.expected.contains(replica)) {
            return;
        }
        barrier.acked.add(replica);
        notifyAll();
    }

    /** Whether {@code barrier} may answer at {@code now}: all expected acknowledged, or its deadline passed. */
    synchronized boolean done(Pending barrier, long now) {
        return barrier.complete() || now - barrier.deadline >= 0;
    }

    /**
     * Blocks until {@code barrier} is {@link #done}, then forgets it.
     *
     * @param clock the clock, {@link System#nanoTime()} outside tests
     */
    synchronized Outcome await(Pending barrier, java.util.function.LongSupplier clock) throws InterruptedException {
        try {
            long now = clock.getAsLong();
            while (!done(barrier, now)) {
                long millis = Math.max(1, (barrier.deadline - now) / 1_000_000);
                wait(millis);
                now = clock.getAsLong();
            }
            return outcome(barrier);
        } finally {
            pending.remove(barrier.number);
        }
    }

    /** What {@code barrier} found so far. */
    synchronized Outcome outcome(Pending barrier) {
        List<String> missing = barrier.expected == null ? List.of()
                : barrier.expected.stream().filter(r -> !barrier.acked.contains(r)).sorted().toList();
        return new Outcome(barrier.complete(), missing, barrier.echoed);
    }

    /**
     * Whether a barrier echoed at {@code now} would wait for {@code replica}'s acknowledgement: this listener has
     * LISTENed for a whole window and heard that replica ping within one (a test's view).
     */
    synchronized boolean wouldExpect(String replica, long now) {
        Long at = lastPing.get(replica);
        return me != null && now - listeningSince >= window && at != null && now - at <= window;
    }

    /** Barriers in flight (a test's view). */
    synchronized int inFlight() {
        return pending.size();
    }
}
