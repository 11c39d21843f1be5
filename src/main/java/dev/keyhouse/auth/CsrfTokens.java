package dev.keyhouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Singleton;

/**
 * The CSRF tokens of Keyhouse's forms and htmx requests, worked out on the server and never stored.
 *
 * <ul>
 * <li>A <b>session token</b> is {@code base64url(HMAC-SHA256(K, "session\n" + jti))}, {@code jti} being the id of
 * the session JWT the request is authenticated by: bound to that one session, new at every sign-in (each session
 * JWT gets a random {@code jti}), and nothing a client can choose or set in a cookie changes it.</li>
 * <li>A <b>visitor token</b> guards the one form sent before there is a session, sign-in:
 * {@code base64url(HMAC-SHA256(K, "visitor\n" + nonce))}, the nonce being the random value of the
 * {@value #VISITOR_COOKIE} cookie (a signed double-submit cookie: a pair the client picks itself does not match).</li>
 * </ul>
 *
 * <p>{@code K} is derived from each JWT signing key ({@code HMAC(key, "keyhouse csrf key v1")}): whoever holds the
 * key that signs sessions can act as any session anyway, so no further secret is needed, and every replica agrees.
 * Tokens made under {@code JWT_SECRET_KEY_PREVIOUS} still verify, so a key rotation does not void open pages. A token
 * is 43 characters of base64url (256 bits).
 */
@Singleton
public class CsrfTokens {

    /** The hidden form field that carries the token (also the name quarkus-rest-csrf used before). */
    public static final String FORM_FIELD = "csrf-token";
    /** The request header that carries the token, for htmx and scripts ({@code hx-headers} on each page's body). */
    public static final String HEADER = "X-CSRF-Token";
    /** The cookie that holds a visitor's nonce (HttpOnly; only sign-in uses it). */
    public static final String VISITOR_COOKIE = "csrf-token";

    private static final String DERIVATION = "keyhouse csrf key v1";
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final SecureRandom random = new SecureRandom();
    /** The current key's derivation first, then the previous key's. */
    private final List<SecretKey> keys;

    public CsrfTokens(SigningKeys signing) {
        List<SecretKey> derived = new ArrayList<>();
        derived.add(derive(signing.current().key()));
        signing.previous().ifPresent(previous -> derived.add(derive(previous.key())));
        this.keys = List.copyOf(derived);
    }

    /** The token of the session whose JWT has this {@code jti}. */
    public String forSession(String jti) {
        return mac(keys.get(0), "session\n" + jti);
    }

    /** The token that goes with a visitor nonce (the {@value #VISITOR_COOKIE} cookie). */
    public String forVisitor(String nonce) {
        return mac(keys.get(0), "visitor\n" + nonce);
    }

    /** Whether {@code presented} is the token of the session {@code jti}; false for null or blank input. */
    public boolean matchesSession(String jti, String presented) {
        return jti != null && !jti.isBlank() && matches("session\n" + jti, presented);
    }

    /** Whether {@code presented} is the token of the visitor nonce; false for null or blank input. */
    public boolean matchesVisitor(String nonce, String presented) {
        return nonce != null && !nonce.isBlank() && matches("visitor\n" + nonce, presented);
    }

    /** A new visitor nonce: 32 random bytes, base64url. */
    public String newNonce() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return B64URL.encodeToString(bytes);
    }

    /** Whether a cookie value can be a nonce this class made (43 base64url characters). */
    public static boolean isNonce(String value) {
        return value != null && value.length() == 43 && value.chars().allMatch(CsrfTokens::isBase64Url);
    }

    private boolean matches(String message, String presented) {
        if (presented == null || presented.isBlank()) {
            return false;
        }
        byte[] given = presented.strip().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (SecretKey key : keys) {
            match |= MessageDigest.isEqual(mac(key, message).getBytes(StandardCharsets.UTF_8), given);
        }
        return match;
    }

    private static boolean isBase64Url(int c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
    }

    private static SecretKey derive(SecretKey signingKey) {
        byte[] raw = hmac(new SecretKeySpec(signingKey.getEncoded(), "HmacSHA256"), DERIVATION);
        return new SecretKeySpec(raw, "HmacSHA256");
    }

    private static String mac(SecretKey key, String message) {
        return B64URL.encodeToString(hmac(key, message));
    }

    private static byte[] hmac(SecretKey key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
