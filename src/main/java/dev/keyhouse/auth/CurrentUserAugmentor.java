package dev.keyhouse.auth;

import java.time.Instant;

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
 * the user's current one, see {@link Sessions}) or one issued in the future, and a re-roled user gets the new role
 * at once.
 *
 * <p>The user is read in the caller's transaction when there is one ({@code joiningExisting}): authentication may
 * run lazily inside a transactional method, and a nested new transaction would hold a second pooled connection
 * while the first one waits.
 */
@ApplicationScoped
public class CurrentUserAugmentor implements SecurityIdentityAugmentor {

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        if (issuedInTheFuture(jwt, Instant.now())) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the token is issued in the future"));
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
     * Whether the token's {@code iat} is later than now plus {@link Sessions#CLOCK_SKEW}: a correctly signed token
     * dated ahead would otherwise stay valid until long after its lifetime (SmallRye JWT checks only that
     * {@code exp - iat} is within the lifetime, see {@link SessionTokens}). A missing {@code iat} is refused there.
     */
    static boolean issuedInTheFuture(JsonWebToken jwt, Instant now) {
        return jwt.getIssuedAtTime() > now.plus(Sessions.CLOCK_SKEW).getEpochSecond();
    }

    private static User findUser(String subject) {
        try {
            return User.findById(Long.parseLong(subject));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
