package dev.keyhouse.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * Slows password guessing: after {@value #MAX_FAILURES} failures within {@link #WINDOW} for one account, or
 * {@value #MAX_FAILURES_PER_ADDRESS} for one client address, further attempts are refused until enough failures
 * leave the window. Kept in memory per replica: a restart forgives, which is acceptable for an admin console
 * where bcrypt already bounds the guessing rate. Entries whose failures have all left the window are forgotten,
 * so a stream of distinct e-mails cannot grow the memory beyond what one window of failures holds.
 */
@Singleton
public class SignInThrottle {

    static final int MAX_FAILURES = 5;
    static final int MAX_FAILURES_PER_ADDRESS = 20;
    static final Duration WINDOW = Duration.ofMinutes(15);
    /** Tracked keys at which expired entries are swept; the threshold doubles while live entries exceed it. */
    static final int SWEEP_AT = 10_000;

    // every read and write of a deque happens inside a compute* of its key, which serialises them per key
    private final ConcurrentHashMap<String, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile int sweepAt = SWEEP_AT;

    public SignInThrottle() {
        this(Clock.systemUTC());
    }

    SignInThrottle(Clock clock) {
        this.clock = clock;
    }

    /** How long this attempt must wait, or empty when it may proceed. */
    public Optional<Duration> retryAfter(String email, String address) {
        Instant now = clock.instant();
        return wait(accountKey(email), MAX_FAILURES, now).or(() -> wait(addressKey(address), MAX_FAILURES_PER_ADDRESS, now));
    }

    public void recordFailure(String email, String address) {
        Instant now = clock.instant();
        if (failures.size() >= sweepAt) {
            sweep(now);
        }
        record(accountKey(email), now);
        record(addressKey(address), now);
    }

    /** A successful sign-in clears the account's failures (not the address's: one good password proves little). */
    public void recordSuccess(String email) {
        failures.remove(accountKey(email));
    }

    /** How many accounts and addresses are tracked, for tests of the memory bound. */
    int tracked() {
        return failures.size();
    }

    private Optional<Duration> wait(String key, int limit, Instant now) {
        Instant[] freedAt = new Instant[1];
        failures.computeIfPresent(key, (k, recent) -> {
            prune(recent, now);
            if (recent.size() >= limit) {
                // the attempt may proceed once the failure that makes the count reach the limit leaves the window
                Iterator<Instant> oldestFirst = recent.iterator();
                for (int i = 0; i < recent.size() - limit; i++) {
                    oldestFirst.next();
                }
                freedAt[0] = oldestFirst.next().plus(WINDOW);
            }
            return recent.isEmpty() ? null : recent;
        });
        if (freedAt[0] == null) {
            return Optional.empty();
        }
        Duration wait = Duration.between(now, freedAt[0]);
        return Optional.of(wait.isNegative() || wait.isZero() ? Duration.ofSeconds(1) : wait);
    }

    private void record(String key, Instant now) {
        failures.compute(key, (k, recent) -> {
            Deque<Instant> kept = recent == null ? new ArrayDeque<>() : recent;
            prune(kept, now);
            kept.addLast(now);
            return kept;
        });
    }

    private void sweep(Instant now) {
        for (String key : failures.keySet()) {
            failures.computeIfPresent(key, (k, recent) -> {
                prune(recent, now);
                return recent.isEmpty() ? null : recent;
            });
        }
        sweepAt = Math.max(SWEEP_AT, failures.size() * 2);
    }

    private static void prune(Deque<Instant> recent, Instant now) {
        while (!recent.isEmpty() && !recent.peekFirst().plus(WINDOW).isAfter(now)) {
            recent.removeFirst();
        }
    }

    private static String accountKey(String email) {
        return "account:" + (email == null ? "" : email.strip().toLowerCase(Locale.ROOT));
    }

    private static String addressKey(String address) {
        return "address:" + address;
    }
}
