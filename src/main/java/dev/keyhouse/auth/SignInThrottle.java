package dev.keyhouse.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * Slows password guessing without letting anyone lock the owner out. Failures are counted per (account, client
 * address) pair, per client address and per account; each count allows some failures free and then asks for a
 * delay after its latest failure that doubles with every further failure, up to a cap:
 *
 * <table>
 * <caption>When an attempt must wait</caption>
 * <tr><th>count</th><th>free failures</th><th>first delay</th><th>cap</th></tr>
 * <tr><td>account from one address</td><td>{@value #FREE_PER_PAIR}</td><td>{@link #FIRST_DELAY}</td><td>{@link #CAP}</td></tr>
 * <tr><td>one address, every account</td><td>{@value #FREE_PER_ADDRESS}</td><td>{@link #FIRST_DELAY}</td><td>{@link #CAP}</td></tr>
 * <tr><td>one account, every address</td><td>{@value #FREE_PER_ACCOUNT}</td><td>{@link #FIRST_DELAY}</td><td>{@link #ACCOUNT_CAP}</td></tr>
 * </table>
 *
 * <p>An address with no recent failure is never held back: whatever failed elsewhere, the owner at a clean address
 * can always try (and a correct password signs in). The per-account count is therefore only a slow-down of
 * addresses that are already failing. A count is forgotten once {@link #FORGET_AFTER} has passed since its latest
 * failure, and a success forgets the account's and the pair's counts (never the address's). Kept in memory per
 * replica: a restart forgives, acceptable where bcrypt already bounds the guessing rate. Forgotten counts are swept,
 * so a stream of distinct e-mails or addresses cannot grow the memory beyond what {@link #FORGET_AFTER} of failures
 * holds (three small entries a failure at most).
 */
@Singleton
public class SignInThrottle {

    static final int FREE_PER_PAIR = 3;
    static final int FREE_PER_ADDRESS = 20;
    static final int FREE_PER_ACCOUNT = 10;
    static final Duration FIRST_DELAY = Duration.ofSeconds(5);
    static final Duration CAP = Duration.ofMinutes(15);
    static final Duration ACCOUNT_CAP = Duration.ofMinutes(1);
    /** Longer than the caps, so a capped attacker's count never runs out between two guesses. */
    static final Duration FORGET_AFTER = Duration.ofHours(1);
    /** Tracked keys at which forgotten entries are swept; the threshold doubles while live entries exceed it. */
    static final int SWEEP_AT = 10_000;

    /** Failures of one key: how many since it was last forgotten, and when the latest was. Immutable. */
    private record Failures(int count, Instant latest) {
    }

    private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile int sweepAt = SWEEP_AT;

    public SignInThrottle() {
        this(Clock.systemUTC());
    }

    SignInThrottle(Clock clock) {
        this.clock = clock;
    }

    /**
     * How long an attempt for {@code email} from {@code address} must wait (at least one second), or empty when it
     * may proceed; always empty for an address with no failure in the last {@link #FORGET_AFTER}.
     */
    public Optional<Duration> retryAfter(String email, String address) {
        Instant now = clock.instant();
        Optional<Failures> fromAddress = live(addressKey(address), now);
        if (fromAddress.isEmpty()) {
            return Optional.empty();
        }
        Instant until = latest(
                readyAt(fromAddress, FREE_PER_ADDRESS, CAP),
                readyAt(live(pairKey(email, address), now), FREE_PER_PAIR, CAP),
                readyAt(live(accountKey(email), now), FREE_PER_ACCOUNT, ACCOUNT_CAP));
        if (!until.isAfter(now)) {
            return Optional.empty();
        }
        Duration wait = Duration.between(now, until);
        // Retry-After counts whole seconds: round up, so a client that waits that long is let through
        long seconds = wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0);
        return Optional.of(Duration.ofSeconds(Math.max(1, seconds)));
    }

    /** Counts a failed attempt against the pair, the address and the account. */
    public void recordFailure(String email, String address) {
        Instant now = clock.instant();
        if (failures.size() >= sweepAt) {
            sweep(now);
        }
        record(pairKey(email, address), now);
        record(addressKey(address), now);
        record(accountKey(email), now);
    }

    /**
     * A successful sign-in forgets the account's and this pair's failures; the address's stay (one good password
     * from an address says little about its other attempts).
     */
    public void recordSuccess(String email, String address) {
        failures.remove(accountKey(email));
        failures.remove(pairKey(email, address));
    }

    /**
     * The wait after the latest of {@code count} failures: none while fewer than {@code free} have failed, then
     * {@link #FIRST_DELAY}, doubling with each further failure, never more than {@code cap}.
     */
    static Duration delayAfter(int count, int free, Duration cap) {
        // the attempt after the free failures is the first to wait
        int beyond = count - free + 1;
        if (beyond <= 0) {
            return Duration.ZERO;
        }
        // 2^(beyond-1) first delays, without overflowing: past 2^20 every cap here has long been reached
        Duration delay = FIRST_DELAY.multipliedBy(1L << Math.min(beyond - 1, 20));
        return delay.compareTo(cap) > 0 ? cap : delay;
    }

    /** How many pairs, addresses and accounts are tracked, for tests of the memory bound. */
    int tracked() {
        return failures.size();
    }

    private static Instant readyAt(Optional<Failures> recent, int free, Duration cap) {
        return recent.map(f -> f.latest().plus(delayAfter(f.count(), free, cap))).orElse(Instant.MIN);
    }

    private static Instant latest(Instant... instants) {
        Instant latest = Instant.MIN;
        for (Instant instant : instants) {
            latest = instant.isAfter(latest) ? instant : latest;
        }
        return latest;
    }

    /** The key's failures unless forgotten (a forgotten entry is removed on the way). */
    private Optional<Failures> live(String key, Instant now) {
        return Optional.ofNullable(failures.computeIfPresent(key, (k, f) -> forgotten(f, now) ? null : f));
    }

    private void record(String key, Instant now) {
        failures.compute(key, (k, f) -> f == null || forgotten(f, now)
                ? new Failures(1, now) : new Failures(f.count() + 1, now));
    }

    private void sweep(Instant now) {
        // removes an entry only if it is still the forgotten one (ConcurrentHashMap removes by key and value)
        failures.entrySet().removeIf(e -> forgotten(e.getValue(), now));
        sweepAt = Math.max(SWEEP_AT, failures.size() * 2);
    }

    private static boolean forgotten(Failures f, Instant now) {
        return !f.latest().plus(FORGET_AFTER).isAfter(now);
    }

    private static String account(String email) {
        return email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
    }

    private static String accountKey(String email) {
        return "account:" + account(email);
    }

    private static String addressKey(String address) {
        return "address:" + address;
    }

    private static String pairKey(String email, String address) {
        // the address has no space in it, so no e-mail can make two different pairs collide
        return "pair:" + address + " " + account(email);
    }
}
