package dev.keyhouse.auth;

import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.jwt.Claims;

import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.build.Jwt;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

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

    /** How long a token lives from {@code iat} to {@code exp}: JWT_EXPIRE_MINUTES. */
    public Duration lifetime() {
        return lifetime;
    }

    /** The latest {@code iat} or {@code exp} accepted: the last second of the year 9999. */
    static final long LATEST_SECOND = 253_402_300_799L;

    /**
     * Why the times of a verified token's payload are refused, or empty when they are sound, checked on the raw
     * claims so no conversion can wrap them: {@code iat} and {@code exp} plain whole JSON numbers (no fraction, no
     * exponent) from 0 to
     * {@link #LATEST_SECOND}; {@code iat} neither later than {@code now} plus {@link Sessions#CLOCK_SKEW} nor earlier
     * than {@code now} minus the lifetime and the skew; {@code exp} after {@code iat} and at most {@code lifetime}
     * after it. SmallRye JWT's own {@code exp - iat} check overflows for a far-apart pair (negative {@code iat}).
     *
     * @param payload the token's second part (base64url JSON), as signed
     */
    static Optional<String> timesProblem(String payload, Instant now, Duration lifetime) {
        JsonObject claims;
        try (JsonReader reader = Json.createReader(new StringReader(
                new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8)))) {
            claims = reader.readObject();
        } catch (IllegalArgumentException | JsonException e) {
            return Optional.of("the token's claims are not a JSON object");
        }
        Optional<Long> iat = epochSecond(claims.get(Claims.iat.name()));
        Optional<Long> exp = epochSecond(claims.get(Claims.exp.name()));
        if (iat.isEmpty() || exp.isEmpty()) {
            return Optional.of("iat and exp must be whole seconds from 0 to the year 9999");
        }
        long skew = Sessions.CLOCK_SKEW.toSeconds();
        long nowSecond = now.getEpochSecond();
        // every value below is within [0, LATEST_SECOND] plus a lifetime of at most 2^31 minutes: no overflow
        if (iat.get() > nowSecond + skew) {
            return Optional.of("the token is issued in the future");
        }
        if (iat.get() < nowSecond - lifetime.toSeconds() - skew) {
            return Optional.of("the token is issued longer ago than a session lives");
        }
        if (exp.get() <= iat.get()) {
            return Optional.of("the token expires before it is issued");
        }
        if (Math.subtractExact(exp.get(), iat.get()) > lifetime.toSeconds()) {
            return Optional.of("the token lives longer than JWT_EXPIRE_MINUTES");
        }
        return Optional.empty();
    }

    /** A JSON whole number from 0 to {@link #LATEST_SECOND}, or empty (a string, a fraction, out of range). */
    private static Optional<Long> epochSecond(JsonValue value) {
        if (!(value instanceof JsonNumber number) || !number.isIntegral()) {
            return Optional.empty();
        }
        BigDecimal seconds = number.bigDecimalValue();
        if (seconds.signum() < 0 || seconds.compareTo(BigDecimal.valueOf(LATEST_SECOND)) > 0) {
            return Optional.empty();
        }
        return Optional.of(seconds.longValueExact());
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
        // no token may live longer than Keyhouse issues them for (exp - iat); SmallRye's subtraction can overflow and
        // it has no check of iat, so CurrentUserAugmentor checks the raw times again (timesProblem)
        info.setMaxTimeToLiveSecs(lifetime.toSeconds());
        info.setTokenHeader("Cookie");
        info.setTokenCookie(SESSION_COOKIE);
        // the Authorization header is read when there is no session cookie (SmallRye reads the cookie first), so REST
        // clients and browsers share one mechanism; a kh_ API token is taken before either (its own mechanism)
        info.setAlwaysCheckAuthorization(true);
        return info;
    }
}
