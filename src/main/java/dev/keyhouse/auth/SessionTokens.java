package dev.keyhouse.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.jwt.Claims;

import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.build.Jwt;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Issues the JWTs of browser sessions and REST access tokens, and tells SmallRye JWT how to verify them: only
 * Keyhouse's issuer and audience, only the configured HMAC algorithm, only the current or previous key, only with
 * {@code exp}, {@code iat}, {@code sub} and {@code jti}, and never for longer than {@code JWT_EXPIRE_MINUTES}
 * from {@code iat} to {@code exp} (the lifetime of both the session cookie and the token of
 * {@code POST /api/v1/auth/token}).
 */
@Singleton
public class SessionTokens {

    public static final String ISSUER = "keyhouse";
    public static final String AUDIENCE = "keyhouse";
    public static final String SESSION_COOKIE = "keyhouse_session";

    private final SigningKeys keys;
    private final Duration lifetime;

    public SessionTokens(SigningKeys keys, AuthConfig config) {
        this.keys = keys;
        this.lifetime = Duration.ofMinutes(config.expireMinutes());
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** A session token for the user, carrying their current session generation (see {@link Sessions}). */
    public String issue(User user) {
        return Jwt.issuer(ISSUER)
                .audience(AUDIENCE)
                .subject(String.valueOf(user.id))
                .upn(user.email)
                .groups(Set.of(user.role.id()))
                .claim(Sessions.GENERATION_CLAIM, user.sessionGeneration)
                // the session id its CSRF token is derived from (CsrfTokens): new at every sign-in
                .claim(Claims.jti, UUID.randomUUID().toString())
                .issuedAt(Instant.now())
                .expiresIn(lifetime)
                .jws()
                .keyId(keys.current().kid())
                .algorithm(keys.algorithm())
                .sign(keys.current().key());
    }

    /** Replaces the configuration-driven verification context: keys come from the environment, not files. */
    @Produces
    @Alternative
    @Priority(1)
    @Singleton
    JWTAuthContextInfo verification() {
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        info.setSecretKeyContent(keys.verificationJwks());
        info.setSignatureAlgorithm(Set.of(keys.algorithm()));
        info.setIssuedBy(ISSUER);
        info.setExpectedAudience(Set.of(AUDIENCE));
        info.setRequiredClaims(Set.of("exp", "iat", "sub", "jti"));
        // no token may live longer than Keyhouse issues them for (exp - iat); one dated in the future is refused by
        // CurrentUserAugmentor (SmallRye JWT has no such check)
        info.setMaxTimeToLiveSecs(lifetime.toSeconds());
        info.setTokenHeader("Cookie");
        info.setTokenCookie(SESSION_COOKIE);
        // the Authorization header is read when there is no session cookie (SmallRye reads the cookie first), so REST
        // clients and browsers share one mechanism; a kh_ API token is taken before either (its own mechanism)
        info.setAlwaysCheckAuthorization(true);
        return info;
    }
}
