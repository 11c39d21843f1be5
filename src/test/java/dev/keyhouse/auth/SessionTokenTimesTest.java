package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** {@link SessionTokens#timesProblem} on raw payloads: overflow-safe, whole seconds only, iat within the lifetime. */
class SessionTokenTimesTest {

    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
    private static final long N = NOW.getEpochSecond();
    private static final Duration LIFETIME = Duration.ofMinutes(1440);
    private static final long L = LIFETIME.toSeconds();

    @Test
    void soundTimesAreAccepted() {
        assertThat(problem(N, N + L)).isNull();
        assertThat(problem(N - L + 1, N + 1)).isNull();
        assertThat(problem(N + 60, N + 120)).as("within the clock skew").isNull();
    }

    @Test
    void timesThatOverflowOrNeverExpireAreRefused() {
        assertThat(problem(-(1L << 62), 1L << 62)).isNotNull();
        assertThat(problem(-9_223_372_036_854_775_000L, N + 50L * 365 * 86_400)).isNotNull();
        assertThat(problem(Long.MIN_VALUE, Long.MAX_VALUE)).isNotNull();
        assertThat(problem(Long.MIN_VALUE + 1, N + 60)).isNotNull();
        assertThat(problem(N, Long.MAX_VALUE)).isNotNull();
        assertThat(problem(-1, N + 60)).isNotNull();
        assertThat(problem("18446744073709551616", "18446744073709551676")).isNotNull();
        assertThat(problem(N + "", "1e300")).isNotNull();
        assertThat(problem("-0.5", N + 60 + "")).isNotNull();
    }

    @Test
    void iatOutsideTheLifetimeAroundNowIsRefused() {
        assertThat(problem(N + 61, N + 120)).as("ahead of the skew").isNotNull();
        assertThat(problem(N + 365L * 86_400, N + 365L * 86_400 + 60)).isNotNull();
        assertThat(problem(N - L - 61, N + 60)).as("older than a lifetime and the skew").isNotNull();
        assertThat(problem(0, N + 60)).isNotNull();
    }

    @Test
    void expNotAfterIatOrTooFarAfterItIsRefused() {
        assertThat(problem(N, N)).isNotNull();
        assertThat(problem(N, N - 1)).isNotNull();
        assertThat(problem(N, N + L + 1)).isNotNull();
    }

    @Test
    void timesThatAreNotWholeNumbersAreRefused() {
        assertThat(problem(N + ".5", (N + 60) + "")).isNotNull();
        assertThat(problem("1.8e9", (N + 60) + "")).as("an exponent form, never issued").isNotNull();
        assertThat(problem(N + ".0", (N + 60) + "")).isNotNull();
        assertThat(problem(N + "", (N + 60) + ".25")).isNotNull();
        assertThat(problem("\"" + N + "\"", (N + 60) + "")).isNotNull();
        assertThat(problem("null", (N + 60) + "")).isNotNull();
        assertThat(problem("true", (N + 60) + "")).isNotNull();
        assertThat(problem("[" + N + "]", (N + 60) + "")).isNotNull();
        assertThat(SessionTokens.timesProblem(payload("{\"exp\":" + (N + 60) + "}"), NOW, LIFETIME)).isPresent();
        assertThat(SessionTokens.timesProblem("not base64!", NOW, LIFETIME)).isPresent();
        assertThat(SessionTokens.timesProblem(payload("[1,2]"), NOW, LIFETIME)).isPresent();
    }

    private static String problem(long iat, long exp) {
        return problem(String.valueOf(iat), String.valueOf(exp));
    }

    private static String problem(String iat, String exp) {
        return SessionTokens.timesProblem(payload("{\"sub\":\"1\",\"iat\":" + iat + ",\"exp\":" + exp + "}"), NOW,
                LIFETIME).orElse(null);
    }

    private static String payload(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
