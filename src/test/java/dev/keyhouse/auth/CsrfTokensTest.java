package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;

/** The CSRF tokens themselves, without a server: bound to their session or nonce, under the configured keys only. */
class CsrfTokensTest {

    private static final String THIRD_KEY = "dGhpcmQtand0LWtleS1ub2JvZHktY29uZmlndXJlZCE=";

    private final CsrfTokens tokens = new CsrfTokens(keys(TestSettings.JWT_KEY, null));

    @Test
    void aSessionsTokenIsItsOwnAndLooksLikeOne() {
        String token = tokens.forSession("jti-1");
        assertThat(token).matches("[A-Za-z0-9_-]{43}").isEqualTo(tokens.forSession("jti-1"));
        assertThat(tokens.matchesSession("jti-1", token)).isTrue();
        assertThat(tokens.matchesSession("jti-1", " " + token + " ")).as("whitespace around is not part of it").isTrue();
        for (String other : new String[] {"jti-2", "jti-10", "JTI-1", "jti-1 ", ""}) {
            assertThat(tokens.matchesSession(other, token)).as(other).isFalse();
        }
    }

    @Test
    void nothingButTheTokenMatches() {
        String token = tokens.forSession("jti-1");
        for (String wrong : new String[] {null, "", "   ", "jti-1", token.substring(1), token + "A",
                token.substring(0, 42) + (token.endsWith("A") ? "B" : "A"), token.toUpperCase(), tokens.forVisitor("jti-1")}) {
            assertThat(tokens.matchesSession("jti-1", wrong)).as(String.valueOf(wrong)).isFalse();
        }
        assertThat(tokens.matchesSession(null, token)).isFalse();
    }

    /** A visitor token is never a session's token for the same text, and the other way round. */
    @Test
    void visitorAndSessionTokensAreApart() {
        String nonce = tokens.newNonce();
        assertThat(tokens.matchesVisitor(nonce, tokens.forVisitor(nonce))).isTrue();
        assertThat(tokens.matchesSession(nonce, tokens.forVisitor(nonce))).isFalse();
        assertThat(tokens.matchesVisitor(nonce, tokens.forSession(nonce))).isFalse();
        assertThat(tokens.matchesVisitor(nonce, nonce)).as("the cookie's own value is not its token").isFalse();
        assertThat(tokens.matchesVisitor(tokens.newNonce(), tokens.forVisitor(nonce))).isFalse();
    }

    @Test
    void aTokenMadeUnderThePreviousKeyStillCountsAndOneUnderAnUnknownKeyDoesNot() {
        String before = new CsrfTokens(keys(TestSettings.JWT_PREVIOUS_KEY, null)).forSession("jti-1");
        CsrfTokens rotated = new CsrfTokens(keys(TestSettings.JWT_KEY, TestSettings.JWT_PREVIOUS_KEY));
        assertThat(rotated.matchesSession("jti-1", before)).isTrue();
        assertThat(rotated.forSession("jti-1")).as("new tokens come from the current key").isNotEqualTo(before)
                .isEqualTo(tokens.forSession("jti-1"));
        String unknown = new CsrfTokens(keys(THIRD_KEY, null)).forSession("jti-1");
        assertThat(rotated.matchesSession("jti-1", unknown)).isFalse();
        assertThat(tokens.matchesSession("jti-1", before)).as("once the previous key is gone").isFalse();
    }

    @Test
    void visitorNoncesAreRandomAndOnlyTheirShapeIsTakenFromACookie() {
        String nonce = tokens.newNonce();
        assertThat(CsrfTokens.isNonce(nonce)).isTrue();
        assertThat(tokens.newNonce()).isNotEqualTo(nonce);
        for (String cookie : new String[] {null, "", nonce.substring(1), nonce + "A", "+".repeat(43), "/".repeat(43),
                nonce.substring(0, 42) + "=", "A".repeat(42) + " "}) {
            assertThat(CsrfTokens.isNonce(cookie)).as(String.valueOf(cookie)).isFalse();
        }
    }

    private static SigningKeys keys(String current, String previous) {
        return new SigningKeys(new AuthConfig() {
            @Override
            public Optional<String> key() {
                return Optional.of(current);
            }

            @Override
            public Optional<String> previousKey() {
                return Optional.ofNullable(previous);
            }

            @Override
            public String algorithm() {
                return "HS256";
            }

            @Override
            public int expireMinutes() {
                return 1440;
            }
        });
    }
}
