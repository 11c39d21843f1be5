package dev.keyhouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * JWTs an attacker or a stale client could present, each for a given user so that, were it accepted, it would act
 * with that user's role. Everything but the one flaw named by the method is what {@link SessionTokens} issues.
 */
public final class ForgedTokens {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();

    private ForgedTokens() {
    }

    /** The claims {@link SessionTokens#issue} sets, valid for the next hour. */
    static JwtClaimsBuilder claimsOf(User user) {
        return Jwt.issuer(SessionTokens.ISSUER)
                .audience(SessionTokens.AUDIENCE)
                .subject(String.valueOf(user.id))
                .upn(user.email)
                .groups(Set.of(user.role.id()))
                .claim(Sessions.GENERATION_CLAIM, user.sessionGeneration)
                .issuedAt(Instant.now())
                .expiresIn(Duration.ofHours(1));
    }

    /** The control: what every forgery below starts from, correctly signed with the current key; accepted. */
    public static String valid(User user, SigningKeys keys) {
        return sign(claimsOf(user), keys);
    }

    /** Correctly signed with the current key, but it ran out an hour ago. */
    public static String expired(User user, SigningKeys keys) {
        Instant now = Instant.now();
        return sign(claimsOf(user).issuedAt(now.minus(Duration.ofHours(2))).expiresAt(now.minus(Duration.ofHours(1))),
                keys);
    }

    /** Correctly signed with the current key, but dated an hour ahead ({@code iat}), valid for an hour from then. */
    public static String issuedInTheFuture(User user, SigningKeys keys) {
        Instant ahead = Instant.now().plus(Duration.ofHours(1));
        return sign(claimsOf(user).issuedAt(ahead).expiresAt(ahead.plus(Duration.ofHours(1))), keys);
    }

    /** Correctly signed with the current key, issued now and valid for {@code lifetime}. */
    public static String living(User user, SigningKeys keys, Instant issuedAt, Duration lifetime) {
        return sign(claimsOf(user).issuedAt(issuedAt).expiresAt(issuedAt.plus(lifetime)), keys);
    }

    /** Correctly signed with the current key, issued now and valid for a hundred years. */
    public static String hundredYears(User user, SigningKeys keys) {
        return living(user, keys, Instant.now(), Duration.ofDays(36_525));
    }

    /**
     * Correctly signed with the current key, with exactly these {@code iat} and {@code exp} values (any JSON value:
     * a long, a fraction, a BigInteger, a string), e.g. {@code iat=-2^62, exp=2^62}, which never expires if
     * {@code exp - iat} is allowed to overflow.
     */
    public static String withTimes(User user, SigningKeys keys, Object iat, Object exp) {
        Map<String, Object> claims = part(valid(user, keys), 1);
        claims.put("iat", iat);
        claims.put("exp", exp);
        return signedClaims(claims, keys);
    }

    /** Correctly signed with the current key, valid for the next hour, but with no {@code iat} at all. */
    public static String withoutIssuedAt(User user, SigningKeys keys) {
        Map<String, Object> claims = part(valid(user, keys), 1);
        claims.remove("iat");
        return signedClaims(claims, keys);
    }

    /** These claims exactly (no defaults added), signed with the current key as {@link SessionTokens} signs. */
    public static String signedClaims(Map<String, Object> claims, SigningKeys keys) {
        String header = "{\"alg\":\"" + keys.algorithm().getAlgorithm() + "\",\"typ\":\"JWT\",\"kid\":\""
                + keys.current().kid() + "\"}";
        String signingInput = B64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." + encode(claims);
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance(keys.current().key().getAlgorithm());
            mac.init(keys.current().key());
            return signingInput + "." + B64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Correctly signed with the current key, by an issuer that is not Keyhouse. */
    public static String wrongIssuer(User user, SigningKeys keys) {
        return sign(claimsOf(user).issuer("https://attacker.example"), keys);
    }

    /** Carries the current key's kid, but is signed with a random key Keyhouse has never seen. */
    public static String unknownKey(User user, SigningKeys keys) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return claimsOf(user).jws().keyId(keys.current().kid()).algorithm(keys.algorithm())
                .sign(new SecretKeySpec(random, keys.current().key().getAlgorithm()));
    }

    /** {@code alg: none}: the claims of a valid token and no signature at all. */
    public static String unsigned(User user, SigningKeys keys) {
        String valid = sign(claimsOf(user), keys);
        String header = "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + keys.current().kid() + "\"}";
        return B64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." + valid.split("\\.")[1] + ".";
    }

    /**
     * A valid token of {@code victim}'s whose payload now names {@code target} (subject, upn and groups), with the
     * victim's original header and signature kept.
     */
    public static String tampered(String victimToken, User target) {
        String[] parts = victimToken.split("\\.");
        Map<String, Object> claims = decode(parts[1]);
        claims.put("sub", String.valueOf(target.id));
        claims.put("upn", target.email);
        claims.put("groups", List.of(target.role.id()));
        return parts[0] + "." + encode(claims) + "." + parts[2];
    }

    /** A token with the right issuer, audience and claims, signed with {@code key} under {@code kid} (HS256). */
    public static String signedWith(User user, String kid, SecretKey key) {
        return claimsOf(user).jws().keyId(kid).algorithm(SignatureAlgorithm.HS256).sign(key);
    }

    /** The decoded header or payload ({@code part} 0 or 1) of a compact JWT. */
    public static Map<String, Object> part(String token, int part) {
        return decode(token.split("\\.")[part]);
    }

    private static String sign(JwtClaimsBuilder claims, SigningKeys keys) {
        return claims.jws().keyId(keys.current().kid()).algorithm(keys.algorithm()).sign(keys.current().key());
    }

    private static Map<String, Object> decode(String base64) {
        try {
            return JSON.readValue(B64URL_DECODER.decode(base64), new TypeReference<Map<String, Object>>() {
            });
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a JWT part", e);
        }
    }

    private static String encode(Map<String, Object> claims) {
        try {
            return B64URL.encodeToString(JSON.writeValueAsBytes(claims));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
