package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** {@link RuntimeToken}: what it refuses, and how the pages are told (issue 20, item 3). */
class RuntimeTokenTest {

    @Test
    void anUnsetTokenRefusesEveryRequestAndIsNamedWithTheNewestRefusal() {
        RuntimeToken token = new RuntimeToken(Optional.of(""));
        assertThat(token.standing().warning(null, true)).as("unset is named before any request")
                .startsWith("PROVISIONER_INTERNAL_TOKEN is not set: Keyhouse refuses every runtime-config fetch");
        assertThat(token.refusal("Bearer anything", "voice-1").getStatus()).isEqualTo(401);
        RuntimeToken.Standing standing = token.standing();
        assertThat(standing.configured()).isFalse();
        assertThat(standing.refused()).isEqualTo(1);
        assertThat(standing.warning(Instant.now().plusSeconds(60), true)).as("unset is named whatever the time")
                .startsWith("PROVISIONER_INTERNAL_TOKEN is not set");
        assertThat(standing.warning(null, true)).contains("1 request was refused since ")
                .contains("from runtime voice-1 (PROVISIONER_INTERNAL_TOKEN is not set)");
    }

    @Test
    void aSetTokenWarnsOnlyAboutRefusalsSinceAGivenTime() {
        RuntimeToken token = new RuntimeToken(Optional.of("the-runtimes-token-1234"));
        assertThat(token.refusal("Bearer the-runtimes-token-1234", "voice-1")).isNull();
        assertThat(token.recentWarning(true)).as("nothing refused: nothing to say").isNull();
        Instant before = Instant.now();
        assertThat(token.refusal("Bearer wrong", "voice-2").getStatus()).isEqualTo(401);
        assertThat(token.refusal(null, "\u0007bad name").getStatus()).isEqualTo(401);
        RuntimeToken.Standing standing = token.standing();
        assertThat(standing.refused()).isEqualTo(2);
        assertThat(standing.last().runtime()).as("an invalid name is not repeated").isNull();
        assertThat(standing.warning(before, true)).startsWith("Runtimes are being refused")
                .contains("2 requests were refused").contains("(no bearer token)");
        assertThat(token.recentWarning(true)).isNotNull();
        assertThat(standing.warning(Instant.now().plusSeconds(60), true)).as("nothing refused since then").isNull();
        assertThat(token.refusal("Bearer wrong", "voice-2").getStatus()).isEqualTo(401);
        assertThat(token.standing().warning(null, true)).contains("from runtime voice-2 (a token that does not match)");
    }

    /**
     * Breaker b20, 7: a run page warned "Runtimes are being refused" on a run that had ended long before the refusal,
     * and about a runtime that was not the run's. A window of time and a set of runtimes say what concerns one run.
     */
    @Test
    void aWindowWarnsOnlyAboutRefusalsInItFromItsRuntimes() throws Exception {
        RuntimeToken token = new RuntimeToken(Optional.of("the-runtimes-token-1234"));
        Instant start = Instant.now();
        assertThat(token.refusal("Bearer wrong", "voice-1").getStatus()).isEqualTo(401);
        Instant middle = Instant.now();
        Thread.sleep(5);
        Instant end = Instant.now();
        Thread.sleep(5);
        assertThat(token.refusal("Bearer wrong", "chat-9").getStatus()).isEqualTo(401);
        RuntimeToken.Standing standing = token.standing();
        assertThat(standing.warning(start, middle, java.util.Set.of("voice-1"), true))
                .startsWith("Runtimes are being refused")
                .contains("1 request was refused since").contains("from runtime voice-1");
        assertThat(standing.warning(middle.plusNanos(1000), end, java.util.Set.of("voice-1", "chat-9"), true))
                .as("nothing refused in the window").isNull();
        assertThat(standing.warning(start, null, java.util.Set.of("voice-1"), true))
                .as("chat-9 is not the run's: only voice-1's refusal").contains("1 request was refused")
                .contains("from runtime voice-1").doesNotContain("chat-9");
        assertThat(standing.warning(start, null, java.util.Set.of("web-1"), true))
                .as("neither runtime is the run's").isNull();
        assertThat(token.refusal(null, null).getStatus()).isEqualTo(401);
        assertThat(token.standing().warning(start, null, java.util.Set.of("web-1"), true))
                .as("a caller with no name may be any run's").contains("1 request was refused").contains("(no bearer token)");

        RuntimeToken unset = new RuntimeToken(Optional.empty());
        assertThat(unset.standing().warning(start.minusSeconds(3600), start.minusSeconds(1800), java.util.Set.of(),
                true))
                .as("a window that ended before this replica started, with no token").isNull();
        assertThat(unset.standing().warning(start.minusSeconds(3600), null, java.util.Set.of(), true))
                .startsWith("PROVISIONER_INTERNAL_TOKEN is not set");
    }

    /**
     * Breaker b20, M2 (low): "2 requests were refused since" named the window's start (now − 1 h, earlier than the
     * app's start), a time that moved on every page load; it names the first refusal counted.
     */
    @Test
    void theSinceTimeIsTheFirstRefusalCounted() throws Exception {
        RuntimeToken token = new RuntimeToken(Optional.of("the-runtimes-token-1234"));
        Instant hourAgo = Instant.now().minus(RuntimeToken.RECENT);
        String before = dev.keyhouse.web.TemplateExtensions.utc(Instant.now());
        assertThat(token.refusal("Bearer wrong", "voice-1").getStatus()).isEqualTo(401);
        String after = dev.keyhouse.web.TemplateExtensions.utc(Instant.now());
        Thread.sleep(5);
        assertThat(token.refusal("Bearer wrong", "voice-1").getStatus()).isEqualTo(401);
        for (String warning : java.util.List.of(token.recentWarning(true),
                token.standing().warning(hourAgo, null, java.util.Set.of("voice-1"), true))) {
            java.util.regex.Matcher since = java.util.regex.Pattern
                    .compile("2 requests were refused since ([0-9: -]+ UTC), the last at ").matcher(warning);
            assertThat(since.find()).as(warning).isTrue();
            // the format sorts as text: the first refusal's time, not the window's start an hour before
            assertThat(since.group(1)).as(warning).isBetween(before, after);
        }
    }

    /** Refusals of one minute, one name and one check are one tally: what is stored is bounded. */
    @Test
    void refusalsOfOneMinuteNameAndCheckAreOneTally() throws Exception {
        long intoMinute = Instant.now().toEpochMilli() % 60_000;
        if (intoMinute > 59_000) {
            Thread.sleep(60_000 - intoMinute + 10); // both refusals in one minute
        }
        RuntimeToken token = new RuntimeToken(Optional.of("the-runtimes-token-1234"));
        assertThat(token.refusal("Bearer wrong", "voice-1").getStatus()).isEqualTo(401);
        Thread.sleep(5);
        assertThat(token.refusal("Bearer wrong", "voice-1").getStatus()).isEqualTo(401);
        RuntimeToken.Standing standing = token.standing();
        assertThat(standing.recent()).hasSize(1);
        RuntimeToken.Refusal tally = standing.last();
        assertThat(tally.count()).isEqualTo(2);
        assertThat(tally.first()).isBefore(tally.at());
        for (int i = 0; i < RuntimeTokenRefusals.NAMES_PER_MINUTE + 5; i++) {
            token.refusal("Bearer wrong", "flood-" + i);
        }
        java.util.List<RuntimeToken.Refusal> flood = token.standing().recent();
        assertThat(flood).as("names past the minute's limit are counted unnamed").hasSizeLessThanOrEqualTo(
                RuntimeTokenRefusals.NAMES_PER_MINUTE + 2);
        assertThat(token.standing().refused()).isEqualTo(RuntimeTokenRefusals.NAMES_PER_MINUTE + 7);
    }
}
