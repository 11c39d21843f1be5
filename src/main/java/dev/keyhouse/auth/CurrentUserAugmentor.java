package dev.keyhouse.auth;

import java.time.Instant;
import java.util.Optional;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A signed token says who someone was when it was issued; the database says who they are now. A disabled or
 * deleted user's still-valid token is refused, so is a token of an ended session (its session generation is not
 * the user's current one, see {@link Sessions}) or one whose times are unsound (issued in the future or too long
 * ago, or living longer than JWT_EXPIRE_MINUTES, see {@link SessionTokens#timesProblem}), and a re-roled user gets the new role
 * at once.
 *
 * <p>The user is read in the caller's transaction when there is one ({@code joiningExisting}): authentication may
 * run lazily inside a transactional method, and a nested new transaction would hold a second pooled connection
 * while the first one waits.
 */
@ApplicationScoped
public class CurrentUserAugmentor implements SecurityIdentityAugmentor {

    private final SessionTokens tokens;

    public CurrentUserAugmentor(SessionTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        Optional<String> times = timesProblem(jwt, Instant.now(), tokens);
        if (times.isPresent()) {
            return Uni.createFrom().failure(new AuthenticationFailedException(times.get()));
        }
        return context.runBlocking(() -> {
            User user = QuarkusTransaction.joiningExisting().call(() -> findUser(jwt.getSubject()));
            if (user == null || user.disabled) {
                throw new AuthenticationFailedException("user is disabled or no longer exists");
            }
            Long generation = Sessions.generationOf(jwt);
            if (generation == null || generation != user.sessionGeneration) {
                throw new AuthenticationFailedException("the session has ended");
            }
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(jwt)
                    .addCredentials(identity.getCredentials())
                    .addAttributes(identity.getAttributes())
                    .addAttribute(Identities.USER_ID, user.id)
                    .addRole(user.role.id())
                    .build();
        });
    }

    /**
     * Why the token's {@code iat}/{@code exp} are refused ({@link SessionTokens#timesProblem}), or empty: dated more
     * than {@link Sessions#CLOCK_SKEW} ahead or before any session could still live, outside 0 to the year 9999, not
     * whole numbers, or further apart than the lifetime. SmallRye JWT checks only {@code exp - iat}, and that
     * subtraction overflows for a negative {@code iat}.
     */
    static Optional<String> timesProblem(JsonWebToken jwt, Instant now, SessionTokens tokens) {
        String raw = jwt.getRawToken();
        String[] parts = raw == null ? new String[0] : raw.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.of("the token is not a signed JWT");
        }
        return SessionTokens.timesProblem(parts[1], now, tokens.lifetime());
    }

    private static User findUser(String subject) {
        try {
            return User.findById(Long.parseLong(subject));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
