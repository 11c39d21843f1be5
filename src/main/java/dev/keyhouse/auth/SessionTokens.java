package dev.keyhouse.auth;

import java.time.Duration;
import java.util.Set;

import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.build.Jwt;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Issues the JWTs of browser sessions and REST access tokens, and tells SmallRye JWT how to verify them: only
 * Keyhouse's issuer and audience, only the configured HMAC algorithm, only the current or previous key.
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
        info.setRequiredClaims(Set.of("exp", "iat", "sub"));
        info.setTokenHeader("Cookie");
        info.setTokenCookie(SESSION_COOKIE);
        // a bearer header wins over the cookie, so REST clients and browsers share one mechanism
        info.setAlwaysCheckAuthorization(true);
        return info;
    }
}
