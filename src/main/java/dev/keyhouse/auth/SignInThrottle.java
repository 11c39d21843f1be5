package dev.keyhouse.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * Slows password guessing: after {@value #MAX_FAILURES} failures within {@link #WINDOW} for one account, or
 * {@value #MAX_FAILURES_PER_ADDRESS} for one client address, further attempts are refused until the oldest failure
 * leaves the window. Kept in memory per replica: a restart forgives, which is acceptable for an admin console
 * where bcrypt already bounds the guessing rate.
 */
@Singleton
public class SignInThrottle {

    static final int MAX_FAILURES = 5;
    static final int MAX_FAILURES_PER_ADDRESS = 20;
    static final Duration WINDOW = Duration.ofMinutes(15);

    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final Clock clock;

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
        record(accountKey(email), now);
        record(addressKey(address), now);
    }

    /** A successful sign-in clears the account's failures (not the address's: one good password proves little). */
    public void recordSuccess(String email) {
        failures.remove(accountKey(email));
    }

    private Optional<Duration> wait(String key, int limit, Instant now) {
        Deque<Instant> recent = failures.get(key);
        if (recent == null) {
            return Optional.empty();
        }
        synchronized (recent) {
            prune(recent, now);
            if (recent.size() < limit) {
                return Optional.empty();
            }
            Duration wait = Duration.between(now, recent.peekFirst().plus(WINDOW));
            return Optional.of(wait.isNegative() || wait.isZero() ? Duration.ofSeconds(1) : wait);
        }
    }

    private void record(String key, Instant now) {
        Deque<Instant> recent = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (recent) {
            prune(recent, now);
            recent.addLast(now);
        }
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
