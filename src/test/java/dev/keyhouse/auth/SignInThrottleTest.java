package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

/** The throttle on its own, with a clock the test moves. */
class SignInThrottleTest {

    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T10:00:00Z"));
    private final SignInThrottle throttle = new SignInThrottle(clock);

    private static final String OWNER = "owner@x.test";
    private static final String ATTACKER = "10.0.0.1";
    private static final String OWNER_ADDRESS = "10.0.0.2";

    @Test
    void failuresFromOneAddressDelayThatPairByDoublingStepsUpToTheCap() {
        for (int i = 0; i < SignInThrottle.FREE_PER_PAIR; i++) {
            assertThat(throttle.retryAfter(OWNER, ATTACKER)).as("free failure %d", i + 1).isEmpty();
            throttle.recordFailure(OWNER, ATTACKER);
        }
        Duration previous = Duration.ZERO;
        for (int beyond = 1; beyond <= 12; beyond++) {
            Duration wait = throttle.retryAfter(OWNER, ATTACKER).orElseThrow();
            Duration expected = SignInThrottle.FIRST_DELAY.multipliedBy(1L << (beyond - 1));
            assertThat(wait).as("after %d failures beyond the free ones", beyond)
                    .isEqualTo(expected.compareTo(SignInThrottle.CAP) > 0 ? SignInThrottle.CAP : expected)
                    .isGreaterThanOrEqualTo(previous);
            previous = wait;
            // the attacker waits exactly as long as told, then fails again
            clock.advance(wait);
            assertThat(throttle.retryAfter(OWNER, ATTACKER)).as("let through after the wait").isEmpty();
            throttle.recordFailure(OWNER, ATTACKER);
        }
        assertThat(previous).as("5 s doubling reaches the cap within 12 steps").isEqualTo(SignInThrottle.CAP);
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).as("still capped: waiting the cap forgets one failure, failing again adds it back")
                .contains(SignInThrottle.CAP);
        assertThat(throttle.retryAfter(OWNER, OWNER_ADDRESS)).as("the owner at another address").isEmpty();
        assertThat(throttle.retryAfter("Owner@X.test ", OWNER_ADDRESS)).as("whatever the spelling").isEmpty();
    }

    @Test
    void delaysGrowByDoublingAndStopAtTheirCap() {
        assertThat(SignInThrottle.delayAfter(0, 3, SignInThrottle.CAP)).isZero();
        assertThat(SignInThrottle.delayAfter(2, 3, SignInThrottle.CAP)).isZero();
        assertThat(SignInThrottle.delayAfter(3, 3, SignInThrottle.CAP)).isEqualTo(Duration.ofSeconds(5));
        assertThat(SignInThrottle.delayAfter(4, 3, SignInThrottle.CAP)).isEqualTo(Duration.ofSeconds(10));
        assertThat(SignInThrottle.delayAfter(9, 3, SignInThrottle.CAP)).isEqualTo(Duration.ofSeconds(320));
        assertThat(SignInThrottle.delayAfter(10, 3, SignInThrottle.CAP)).isEqualTo(Duration.ofSeconds(640));
        assertThat(SignInThrottle.delayAfter(11, 3, SignInThrottle.CAP)).isEqualTo(SignInThrottle.CAP);
        assertThat(SignInThrottle.delayAfter(Integer.MAX_VALUE, 3, SignInThrottle.CAP)).as("no overflow")
                .isEqualTo(SignInThrottle.CAP);
        assertThat(SignInThrottle.delayAfter(1_000, 10, SignInThrottle.ACCOUNT_CAP)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void anAddressWithNoRecentFailureIsNeverHeldBackHoweverManyFailedElsewhere() {
        // one attacker hammering the account, and a spray from 50 other addresses
        for (int i = 0; i < 200; i++) {
            throttle.recordFailure(OWNER, ATTACKER);
        }
        for (int i = 0; i < 50; i++) {
            throttle.recordFailure(OWNER, "10.9.0." + i);
        }
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).contains(SignInThrottle.CAP);
        assertThat(throttle.retryAfter(OWNER, "10.9.0.7")).as("a failing address, slowed by the account's count")
                .contains(SignInThrottle.ACCOUNT_CAP);
        for (String clean : new String[] {OWNER_ADDRESS, "192.0.2.1", "2001:db8::1", "unknown"}) {
            assertThat(throttle.retryAfter(OWNER, clean)).as("the owner from %s", clean).isEmpty();
            assertThat(throttle.retryAfter(" OWNER@x.test", clean)).as("the owner from %s, spelt otherwise", clean)
                    .isEmpty();
        }
    }

    @Test
    void theAccountsCountOnlySlowsAddressesThatAreFailingAndStaysUnderItsOwnCap() {
        // ten addresses, one failure each: no pair or address reaches its own limit, the account reaches its ten
        for (int i = 0; i < SignInThrottle.FREE_PER_ACCOUNT; i++) {
            throttle.recordFailure(OWNER, "10.8.0." + i);
        }
        assertThat(throttle.retryAfter(OWNER, "10.8.0.3")).contains(SignInThrottle.FIRST_DELAY);
        assertThat(throttle.retryAfter("other@x.test", "10.8.0.3")).as("another account from that address").isEmpty();
        assertThat(throttle.retryAfter(OWNER, OWNER_ADDRESS)).as("a clean address").isEmpty();
        for (int i = 0; i < 20; i++) {
            throttle.recordFailure(OWNER, "10.8.1." + i);
        }
        assertThat(throttle.retryAfter(OWNER, "10.8.0.3")).contains(SignInThrottle.ACCOUNT_CAP);
    }

    @Test
    void failuresFromOneAddressAcrossAccountsDelayThatAddressForEveryAccount() {
        for (int i = 1; i < SignInThrottle.FREE_PER_ADDRESS; i++) {
            throttle.recordFailure("user" + i + "@x.test", "10.0.0.9");
        }
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.9")).as("within the address's free failures").isEmpty();
        throttle.recordFailure("one-more@x.test", "10.0.0.9");
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.9")).contains(SignInThrottle.FIRST_DELAY);
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.10")).isEmpty();
        for (int i = 0; i < 20; i++) {
            throttle.recordFailure("more" + i + "@x.test", "10.0.0.9");
        }
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.9")).contains(SignInThrottle.CAP);
    }

    @Test
    void retryAfterIsRoundedUpToWholeSecondsAndNeverZero() {
        for (int i = 0; i < SignInThrottle.FREE_PER_PAIR; i++) {
            throttle.recordFailure(OWNER, ATTACKER);
        }
        clock.advance(Duration.ofMillis(1_500));
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).contains(Duration.ofSeconds(4));
        clock.advance(Duration.ofMillis(3_499));
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(1));
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).isEmpty();
    }

    @Test
    void aSuccessForgetsTheAccountAndThePairButNotTheAddress() {
        for (int i = 0; i < 30; i++) {
            throttle.recordFailure(i < 10 ? OWNER : "u" + i + "@x.test", "10.0.0.3");
        }
        throttle.recordSuccess(OWNER, "10.0.0.3");
        assertThat(throttle.retryAfter(OWNER, "10.0.0.3")).as("the address's own count still holds")
                .isPresent();
        assertThat(throttle.tracked()).as("the owner's pair and account entries are gone")
                .isEqualTo(1 + 20 + 20);
    }

    @Test
    void eachCountForgetsOneFailurePerQuietPeriod() {
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure(OWNER, ATTACKER);
        }
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).contains(Duration.ofSeconds(640));
        clock.advance(SignInThrottle.PAIR.forgetOne());
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).as("past the wait; the address forgot its ten by now")
                .isEmpty();
        throttle.recordFailure(OWNER, ATTACKER);
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).as("the pair forgot one of ten: the next is the tenth again")
                .contains(Duration.ofSeconds(640));

        clock.advance(SignInThrottle.PAIR.forgetOne().multipliedBy(10));
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).isEmpty();
        assertThat(throttle.tracked()).as("the address was dropped when checked; pair and account wait for a sweep")
                .isEqualTo(2);
        throttle.recordFailure(OWNER, ATTACKER);
        assertThat(throttle.retryAfter(OWNER, ATTACKER)).as("a fresh count lets its first failures through again")
                .isEmpty();
    }

    @Test
    void anAddressSustainsTwentyFailuresPerFifteenMinutesAcrossAccounts() {
        // one failure every 45 s, each for another account, for an hour: never held back
        for (int i = 0; i < 80; i++) {
            assertThat(throttle.retryAfter("user" + i + "@x.test", "10.0.0.5")).as("failure %d", i).isEmpty();
            throttle.recordFailure("user" + i + "@x.test", "10.0.0.5");
            clock.advance(SignInThrottle.ADDRESS.forgetOne());
        }
        // a burst on top of that is slowed once the address's count reaches twenty
        for (int i = 0; i < SignInThrottle.FREE_PER_ADDRESS - 1; i++) {
            throttle.recordFailure("burst" + i + "@x.test", "10.0.0.5");
        }
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.5")).as("nineteen in a row").isEmpty();
        throttle.recordFailure("burst-last@x.test", "10.0.0.5");
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.5")).contains(SignInThrottle.FIRST_DELAY);
    }

    @Test
    void decayedEntriesAreSweptSoDistinctEmailsCannotGrowMemoryWithoutLimit() {
        int burst = SignInThrottle.SWEEP_AT * 2;
        for (int i = 0; i < burst; i++) {
            throttle.recordFailure("spray" + i + "@x.test", "10.1." + (i / 250) + "." + (i % 250));
        }
        // a pair, an address and an account per failure
        assertThat(throttle.tracked()).as("live failures are all kept").isGreaterThanOrEqualTo(burst * 3);

        clock.advance(SignInThrottle.PAIR.forgetOne().plusSeconds(1));
        for (int i = 0; i < burst; i++) {
            throttle.recordFailure("late" + i + "@x.test", "10.2.0.1");
        }
        // the earlier burst has decayed and was swept; only the later one (a pair and an account each, one address)
        assertThat(throttle.tracked()).isLessThanOrEqualTo(burst * 2 + 1);
        assertThat(throttle.retryAfter("late1@x.test", "10.2.0.1")).as("the live address is still slowed").isPresent();
    }

    /** A clock that stands still until the test moves it. */
    static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
