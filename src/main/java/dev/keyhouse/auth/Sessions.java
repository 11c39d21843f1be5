package dev.keyhouse.auth;

import java.time.Duration;

import org.eclipse.microprofile.jwt.JsonWebToken;

import jakarta.json.JsonNumber;
import jakarta.json.JsonString;

/**
 * Ends sessions on the server. A session is a JWT that Keyhouse issued at sign-in: the browser's cookie or the
 * bearer token of {@code POST /api/v1/auth/token}. Each carries the user's {@code users.session_generation} of the
 * moment it was issued ({@value #GENERATION_CLAIM}); {@link CurrentUserAugmentor} refuses, on every request, a
 * token whose generation is not the user's current one. Bumping the generation therefore ends every session issued
 * before, on every replica at once, with no per-session state and no extra query (the augmentor loads the user
 * anyway). A counter rather than a "valid after" time, so a sign-in in the same second as a reset is not refused
 * and a token dated in the future gains nothing.
 *
 * <p>API tokens ({@code kh_...}) are not sessions: they are named credentials for automation, listed and revoked on
 * the Users page, and outlive a password change. They die with their creator's account while it is disabled, and
 * act with no more than their creator's current role (see {@link ApiTokens#use}). The bootstrap reset, the recovery
 * from a lost or stolen password, revokes them ({@link BootstrapAdmin}).
 */
public final class Sessions {

    /** The claim that carries the session generation. */
    public static final String GENERATION_CLAIM = "keyhouse_sg";

    /** How far a token's {@code iat} may lie ahead of this server's clock (another replica's clock may run ahead). */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private Sessions() {
    }

    /**
     * Ends every session of the user issued before now, in the caller's transaction: one atomic UPDATE, so two
     * events at once each move the generation on. Needs a transaction (JPA refuses the update without one).
     */
    public static void endAll(long userId) {
        User.getEntityManager()
                .createNativeQuery("UPDATE users SET session_generation = session_generation + 1 WHERE id = ?1")
                .setParameter(1, userId)
                .executeUpdate();
    }

    /** The generation a token carries, or null when it carries none (or not a whole number). */
    static Long generationOf(JsonWebToken jwt) {
        Object claim = jwt.getClaim(GENERATION_CLAIM);
        if (claim instanceof JsonNumber number && number.isIntegral()) {
            return number.longValue();
        }
        if (claim instanceof Long || claim instanceof Integer) {
            return ((Number) claim).longValue();
        }
        if (claim instanceof JsonString text) {
            claim = text.getString();
        }
        if (claim instanceof String text) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
