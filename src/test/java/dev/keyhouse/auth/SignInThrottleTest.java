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

    @Test
    void fiveFailuresForAnAccountLockItUntilTheOldestLeavesTheWindow() {
        for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
            assertThat(throttle.retryAfter("a@x.test", "10.0.0.1")).isEmpty();
            throttle.recordFailure("a@x.test", "10.0.0.1");
            clock.advance(Duration.ofMinutes(1));
        }
        // first failure at 10:00, now 10:05: locked until 10:15
        assertThat(throttle.retryAfter("a@x.test", "10.0.0.1")).contains(Duration.ofMinutes(10));
        assertThat(throttle.retryAfter("A@X.test ", "10.0.0.2")).as("the account, whatever its spelling or address")
                .contains(Duration.ofMinutes(10));
        assertThat(throttle.retryAfter("b@x.test", "10.0.0.1")).as("another account from the same address").isEmpty();

        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        assertThat(throttle.retryAfter("a@x.test", "10.0.0.1")).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.retryAfter("a@x.test", "10.0.0.1")).as("the window has passed the first failure").isEmpty();
    }

    @Test
    void twentyFailuresFromOneAddressLockThatAddressForEveryAccount() {
        for (int i = 0; i < SignInThrottle.MAX_FAILURES_PER_ADDRESS; i++) {
            throttle.recordFailure("user" + i + "@x.test", "10.0.0.9");
        }
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.9")).contains(SignInThrottle.WINDOW);
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.10")).isEmpty();

        clock.advance(SignInThrottle.WINDOW);
        assertThat(throttle.retryAfter("fresh@x.test", "10.0.0.9")).isEmpty();
    }

    @Test
    void aSuccessClearsTheAccountButNotTheAddress() {
        for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
            throttle.recordFailure("c@x.test", "10.0.0.3");
        }
        throttle.recordSuccess("c@x.test");
        assertThat(throttle.retryAfter("c@x.test", "10.0.0.3")).isEmpty();
    }

    @Test
    void expiredEntriesAreForgottenSoDistinctEmailsCannotGrowMemoryWithoutLimit() {
        int burst = SignInThrottle.SWEEP_AT * 2;
        for (int i = 0; i < burst; i++) {
            throttle.recordFailure("spray" + i + "@x.test", "10.1." + (i / 250) + "." + (i % 250));
        }
        assertThat(throttle.tracked()).as("failures inside the window are all kept").isGreaterThanOrEqualTo(burst);

        clock.advance(SignInThrottle.WINDOW.plusSeconds(1));
        for (int i = 0; i < burst; i++) {
            throttle.recordFailure("late" + i + "@x.test", "10.2.0.1");
        }
        // the earlier burst has left the window and was swept; only the later one (plus one address) is tracked
        assertThat(throttle.tracked()).isLessThanOrEqualTo(burst + 1);
        assertThat(throttle.retryAfter("late1@x.test", "10.2.0.1")).as("the live address is still locked").isPresent();
    }

    @Test
    void checkingAnExpiredAccountForgetsIt() {
        throttle.recordFailure("d@x.test", "10.0.0.4");
        clock.advance(SignInThrottle.WINDOW);
        assertThat(throttle.retryAfter("d@x.test", "10.0.0.4")).isEmpty();
        assertThat(throttle.tracked()).isZero();
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
