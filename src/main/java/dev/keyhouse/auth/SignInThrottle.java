package dev.keyhouse.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

/**
 * Slows password guessing without letting anyone lock the owner out. Failures are counted per (account, client
 * address) pair, per client address and per account. Each count lets its first failures through at once, then asks
 * for a wait after its latest failure of {@link #FIRST_DELAY}, doubling with every further failure up to a cap; and
 * each forgets one failure per quiet period (a leaky bucket), so only a sustained rate keeps it high:
 *
 * <table>
 * <caption>The three counts</caption>
 * <tr><th>count</th><th>waits from failure</th><th>cap</th><th>forgets one failure per</th></tr>
 * <tr><td>one account from one address</td><td>{@value #FREE_PER_PAIR}</td><td>15 min</td><td>15 min</td></tr>
 * <tr><td>one address, every account</td><td>{@value #FREE_PER_ADDRESS}</td><td>15 min</td><td>45 s</td></tr>
 * <tr><td>one account, every address</td><td>{@value #FREE_PER_ACCOUNT}</td><td>1 min</td><td>90 s</td></tr>
 * </table>
 *
 * <p>The pair forgets one failure per cap, so an attacker who waits as told stays at the cap: one guess per account
 * per 15 minutes from an address. The address sustains 20 failures per 15 minutes, and the account's count is only
 * a slow-down: an address with no counted failure is never held back, so the owner at a clean address can always try
 * (and a correct password signs in), whatever failed elsewhere. A success forgets the account's and the pair's
 * counts (never the address's). An "address" is {@link ClientAddress}'s counting unit (an IPv4 address or an IPv6
 * /64). The trade-off of never holding back a clean address: guessing spread over N addresses gets about 3N guesses
 * per 15 minutes at one account; the password-strength rule ({@link Passwords}) is what stands against that. Kept in
 * memory per replica: a restart forgives, acceptable where bcrypt already
 * bounds the guessing rate. Counts that have decayed to nothing are swept, so a stream of distinct e-mails or
 * addresses cannot grow the memory beyond three small entries per failure of the last 15 minutes.
 */
@Singleton
public class SignInThrottle {

    static final int FREE_PER_PAIR = 3;
    static final int FREE_PER_ADDRESS = 20;
    static final int FREE_PER_ACCOUNT = 10;
    static final Duration FIRST_DELAY = Duration.ofSeconds(5);
    static final Duration CAP = Duration.ofMinutes(15);
    static final Duration ACCOUNT_CAP = Duration.ofMinutes(1);
    /** Tracked keys at which decayed entries are swept; the threshold doubles while live entries exceed it. */
    static final int SWEEP_AT = 10_000;

    /** How one kind of count slows attempts: failures let through, the longest wait, the time to forget one. */
    record Rule(String prefix, int free, Duration cap, Duration forgetOne) {
    }

    static final Rule PAIR = new Rule("pair:", FREE_PER_PAIR, CAP, CAP);
    static final Rule ADDRESS = new Rule("address:", FREE_PER_ADDRESS, CAP, Duration.ofSeconds(45));
    static final Rule ACCOUNT = new Rule("account:", FREE_PER_ACCOUNT, ACCOUNT_CAP, Duration.ofSeconds(90));

    /** Failures of one key: how many are counted as of the latest, and when that was. Immutable. */
    private record Failures(Rule rule, int count, Instant latest) {

        /** The count left at {@code now}: one failure forgotten per whole {@code forgetOne} since the latest. */
        int countAt(Instant now) {
            long forgotten = Duration.between(latest, now).dividedBy(rule.forgetOne());
            return (int) Math.max(0, count - forgotten);
        }

        /** When an attempt may follow the latest failure. */
        Instant readyAt() {
            return latest.plus(delayAfter(count, rule.free(), rule.cap()));
        }
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
     * How long an attempt for {@code email} from {@code address} must wait (whole seconds, at least one), or empty
     * when it may proceed; always empty for an address with no counted failure.
     */
    public Optional<Duration> retryAfter(String email, String address) {
        Instant now = clock.instant();
        Optional<Failures> fromAddress = live(addressKey(address), now);
        if (fromAddress.isEmpty()) {
            return Optional.empty();
        }
        Instant until = fromAddress.get().readyAt();
        for (Optional<Failures> other : List.of(live(pairKey(email, address), now), live(accountKey(email), now))) {
            if (other.isPresent() && other.get().readyAt().isAfter(until)) {
                until = other.get().readyAt();
            }
        }
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
        record(pairKey(email, address), PAIR, now);
        record(addressKey(address), ADDRESS, now);
        record(accountKey(email), ACCOUNT, now);
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

    /** The key's failures unless decayed to nothing (such an entry is removed on the way). */
    private Optional<Failures> live(String key, Instant now) {
        return Optional.ofNullable(failures.computeIfPresent(key, (k, f) -> f.countAt(now) == 0 ? null : f));
    }

    private void record(String key, Rule rule, Instant now) {
        failures.compute(key, (k, f) -> new Failures(rule, (f == null ? 0 : f.countAt(now)) + 1, now));
    }

    private void sweep(Instant now) {
        // removes an entry only if it is still the decayed one (ConcurrentHashMap removes by key and value)
        failures.entrySet().removeIf(e -> e.getValue().countAt(now) == 0);
        sweepAt = Math.max(SWEEP_AT, failures.size() * 2);
    }

    private static String account(String email) {
        return email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
    }

    private static String accountKey(String email) {
        return ACCOUNT.prefix() + account(email);
    }

    private static String addressKey(String address) {
        return ADDRESS.prefix() + address;
    }

    private static String pairKey(String email, String address) {
        // the address has no space in it, so no e-mail can make two different pairs collide
        return PAIR.prefix() + address + " " + account(email);
    }
}
