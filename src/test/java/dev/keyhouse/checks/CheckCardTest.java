package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** What the settings cards say about a last check: "checked 3 min ago: ok", "no credit since 10:42 UTC". */
class CheckCardTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    private static LastCheck check(CheckResult result, Integer status, String code, Instant at, Instant since) {
        return new LastCheck("llm", "openai", "0a1b2c3d", result, status, code, at, 140, NegativeControl.REJECTED,
                since);
    }

    @Test
    void anOkCheckSaysHowLongAgoItRan() {
        Instant at = NOW.minusSeconds(3 * 60 + 10);
        CheckCard card = CheckCard.of(check(CheckResult.OK, 200, null, at, at), NOW);
        assertThat(card.state()).isEqualTo("ok");
        assertThat(card.result()).isEqualTo("ok");
        assertThat(card.age()).isEqualTo("3 min ago");
        assertThat(card.checkedAt()).isEqualTo("2026-11-30T11:56:50Z");
        assertThat(card.detail()).isEqualTo("HTTP 200");
        assertThat(card.checked()).isTrue();
    }

    @Test
    void anotherResultSaysSinceWhenInUtcAndWhatTheProviderAnswered() {
        Instant since = Instant.parse("2026-11-30T10:42:31Z");
        CheckCard card = CheckCard.of(check(CheckResult.NO_CREDIT, 429, "insufficient_quota", NOW.minusSeconds(40),
                since), NOW);
        assertThat(card.state()).as("a result that refuses a save").isEqualTo("blocking");
        assertThat(card.result()).isEqualTo("no credit");
        assertThat(card.since()).isEqualTo("10:42 UTC");
        assertThat(card.sinceAt()).isEqualTo("2026-11-30T10:42:31Z");
        assertThat(card.age()).isEqualTo("40 s ago");
        assertThat(card.detail()).isEqualTo("HTTP 429, insufficient_quota");

        CheckCard unreachable = CheckCard.of(check(CheckResult.UNREACHABLE, null, "egress_refused",
                NOW.minusSeconds(2), Instant.parse("2026-11-28T23:05:00Z")), NOW);
        assertThat(unreachable.state()).isEqualTo("warning");
        assertThat(unreachable.since()).as("an earlier day names it").isEqualTo("28 Nov 23:05 UTC");
        assertThat(unreachable.age()).isEqualTo("just now");
        assertThat(unreachable.detail()).isEqualTo("egress_refused");
        assertThat(CheckCard.of(check(CheckResult.UNVERIFIABLE, null, null, NOW, NOW), NOW).detail()).isNull();
    }

    /** Pagewords, point 6: "unexpected" is said with what it means, wherever a card shows a result. */
    @Test
    void anUnexpectedAnswerSaysWhatItMeans() {
        CheckCard card = CheckCard.of(check(CheckResult.UNEXPECTED, 418, null, NOW, NOW), NOW);
        assertThat(card.result()).isEqualTo("unexpected");
        assertThat(card.detail()).isEqualTo("HTTP 418");
        assertThat(card.meaning()).isEqualTo("the provider answered in a way Keyhouse does not recognise (its HTTP"
                + " status is kept), so the key was not judged");
        assertThat(CheckCard.NOT_CHECKED.meaning()).isNull();
    }

    @Test
    void agesReadInTheLargestWholeUnit() {
        assertThat(CheckCard.age(NOW.minusSeconds(59), NOW)).isEqualTo("59 s ago");
        assertThat(CheckCard.age(NOW.minusSeconds(60), NOW)).isEqualTo("1 min ago");
        assertThat(CheckCard.age(NOW.minusSeconds(2 * 3600 + 59 * 60), NOW)).isEqualTo("2 h ago");
        assertThat(CheckCard.age(NOW.minusSeconds(4 * 86400), NOW)).isEqualTo("4 d ago");
        assertThat(CheckCard.age(NOW.plusSeconds(30), NOW)).as("a replica's clock a little ahead").isEqualTo("just now");
    }

    @Test
    void noCheckIsNotCheckedYet() {
        assertThat(CheckCard.of(null, NOW)).isEqualTo(CheckCard.NOT_CHECKED);
        assertThat(CheckCard.NOT_CHECKED.checked()).isFalse();
        assertThat(CheckCard.NOT_CHECKED.state()).isEqualTo("none");
    }
}
