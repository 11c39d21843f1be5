package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * {@link ReplicaBarrier}'s bookkeeping on a clock the test drives: who must acknowledge (the replicas seen pinging
 * within the window before the barrier's echo), that an acknowledgement from a replica not expected, for another
 * replica's barrier or for an unknown number changes nothing, that a replica that stopped pinging is not waited for,
 * that a listener too recently connected (or down) waits out the deadline, and that a waiting request wakes on the
 * last acknowledgement and never waits past the deadline.
 */
class BarrierBookTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long WINDOW = ReplicaBarrier.WINDOW_NANOS;
    private static final long BOUND = ReplicaBarrier.BOUND_NANOS;

    /** The test clock's "now" for barriers. */
    private static final long T = 1_000_000 * MS;

    /** A book whose listener has been listening as {@code me} for ten windows at {@link #T}. */
    private static BarrierBook listeningLong() {
        BarrierBook book = new BarrierBook(WINDOW, BOUND);
        book.connected("me", T - 10 * WINDOW);
        return book;
    }

    @Test
    void theBoundsAreAliveAndOnePollAtLeast() {
        assertThat(ReplicaBarrier.BOUND_NANOS).isEqualTo(1750 * MS)
                .isGreaterThanOrEqualTo(ProviderEnvironment.ALIVE_NANOS + EnvironmentListener.POLL_MILLIS * MS);
        assertThat(ReplicaBarrier.WINDOW_NANOS).isGreaterThanOrEqualTo(ProviderEnvironment.ALIVE_NANOS);
    }

    @Test
    void theReplicasSeenWithinTheWindowMustAcknowledge() {
        BarrierBook book = listeningLong();
        long t = T;
        book.sawPing("b", t - 100 * MS);
        book.sawPing("c", t - WINDOW + 5 * MS);
        book.sawPing("gone", t - WINDOW - MS);
        book.sawPing("me", t - MS);
        BarrierBook.Pending barrier = book.open(t);
        assertThat(book.done(barrier, t)).as("not before the echo").isFalse();
        book.echoed("me", barrier.number, t + 2 * MS);
        assertThat(barrier.expected).as("expected at the echo").containsExactlyInAnyOrder("b", "c");
        book.acked("b", "me", barrier.number);
        assertThat(book.done(barrier, t + 3 * MS)).isFalse();
        assertThat(book.outcome(barrier).missing()).containsExactly("c");
        book.acked("c", "me", barrier.number);
        assertThat(book.done(barrier, t + 4 * MS)).isTrue();
        assertThat(book.outcome(barrier)).isEqualTo(new BarrierBook.Outcome(true, java.util.List.of(), true));
    }

    @Test
    void anAcknowledgementFromAnUnknownReplicaOrForAnotherBarrierIsIgnored() {
        BarrierBook book = listeningLong();
        long t = T;
        book.sawPing("b", t - 50 * MS);
        BarrierBook.Pending barrier = book.open(t);
        book.acked("b", "me", barrier.number);
        assertThat(barrier.acked).as("an ack before the echo cannot be for this barrier's expected set").isEmpty();
        book.echoed("me", barrier.number, t + MS);
        book.acked("stranger", "me", barrier.number);
        book.acked("b", "someone-else", barrier.number);
        book.acked("b", "me", barrier.number + 1);
        book.echoed("someone-else", barrier.number, t + MS);
        assertThat(book.done(barrier, t + 2 * MS)).isFalse();
        assertThat(book.done(barrier, t + BOUND - MS)).isFalse();
        assertThat(book.done(barrier, t + BOUND)).as("the deadline ends the wait").isTrue();
        assertThat(book.outcome(barrier)).isEqualTo(new BarrierBook.Outcome(false, java.util.List.of("b"), true));
    }

    @Test
    void aReplicaThatStoppedPingingIsNotWaitedFor() {
        BarrierBook book = listeningLong();
        long t = T;
        book.sawPing("b", t - 3 * WINDOW);
        book.sawPing("b", t - 2 * WINDOW);
        BarrierBook.Pending barrier = book.open(t);
        book.echoed("me", barrier.number, t + MS);
        assertThat(barrier.expected).isEmpty();
        assertThat(book.done(barrier, t + MS)).as("alone: done at the echo").isTrue();
        for (int i = 0; i < 40; i++) {
            book.sawPing("old-" + i, t - 20 * WINDOW);
        }
        book.sawPing("fresh", t);
        BarrierBook.Pending next = book.open(t);
        book.echoed("me", next.number, t + MS);
        assertThat(next.expected).as("long-silent replicas are forgotten").containsExactly("fresh");
    }

    @Test
    void aListenerConnectedTooRecentlyOrDownWaitsOutTheDeadline() {
        BarrierBook book = new BarrierBook(WINDOW, BOUND);
        long t = 1_000_000 * MS;
        book.connected("me", t - WINDOW + MS);
        BarrierBook.Pending early = book.open(t);
        book.echoed("me", early.number, t);
        assertThat(early.expected).as("pings sent before its LISTEN were never seen").isNull();
        assertThat(book.done(early, t + BOUND - MS)).isFalse();
        assertThat(book.done(early, t + BOUND)).isTrue();

        book.disconnected();
        assertThat(book.me()).isNull();
        BarrierBook.Pending down = book.open(t);
        book.echoed("me", down.number, t + MS);
        assertThat(down.echoed).isFalse();
        assertThat(book.done(down, t + BOUND - MS)).isFalse();
        assertThat(book.done(down, t + BOUND)).isTrue();
    }

    @Test
    void aWaitingRequestWakesOnTheLastAcknowledgementAndNeverWaitsPastTheDeadline() throws Exception {
        BarrierBook book = new BarrierBook(200 * MS, 300 * MS);
        book.connected("me", System.nanoTime() - 1000 * MS);
        book.sawPing("b", System.nanoTime());
        BarrierBook.Pending barrier = book.open(System.nanoTime());
        long start = System.nanoTime();
        CompletableFuture<BarrierBook.Outcome> waited = CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return book.await(barrier, System::nanoTime);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
        book.echoed("me", barrier.number, System.nanoTime());
        book.acked("b", "me", barrier.number);
        assertThat(waited.get(5, TimeUnit.SECONDS).acknowledged()).isTrue();
        assertThat(System.nanoTime() - start).as("woken by the ack, not the deadline").isLessThan(250 * MS);
        assertThat(book.inFlight()).isZero();

        book.sawPing("b", System.nanoTime());
        BarrierBook.Pending unanswered = book.open(System.nanoTime());
        book.echoed("me", unanswered.number, System.nanoTime());
        start = System.nanoTime();
        BarrierBook.Outcome outcome = book.await(unanswered, System::nanoTime);
        long took = System.nanoTime() - start;
        assertThat(outcome.acknowledged()).isFalse();
        assertThat(outcome.missing()).containsExactly("b");
        assertThat(took).isBetween(250 * MS, 1000 * MS);
        assertThat(book.inFlight()).isZero();
    }
}
