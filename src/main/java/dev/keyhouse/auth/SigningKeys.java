package dev.keyhouse.auth;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.crypto.KeyText;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import jakarta.inject.Singleton;

/**
 * The HMAC keys of sessions and access tokens: the current key signs, the previous one (if any) still verifies,
 * so rotating JWT_SECRET_KEY signs nobody out. Each key's {@code kid} is derived from its material with a keyed
 * function ({@link #kidOf}), so every replica agrees on it and it tells nothing about the key. (Keyhouse before
 * that used a SHA-256 prefix; tokens carrying such a kid no longer verify and their holders sign in again.)
 */
@Singleton
public class SigningKeys {

    /** A signing key and the id tokens carry in their {@code kid} header. */
    public record SigningKey(String kid, SecretKey key) {
        @Override
        public String toString() {
            return "SigningKey[" + kid + "]";
        }
    }

    /** The message {@link #kidOf} authenticates under the key; apart from the encryption keys' label. */
    public static final String KID_LABEL = "keyhouse jwt kid v1";

    private final SignatureAlgorithm algorithm;
    private final SigningKey current;
    private final Optional<SigningKey> previous;

    public SigningKeys(AuthConfig config) {
        this.algorithm = SignatureAlgorithm.fromAlgorithm(config.algorithm());
        this.current = decode(config.key().orElseThrow(() -> new IllegalStateException(
                EnvCatalog.JWT_SECRET_KEY + " is not set: generate one with: openssl rand -base64 32")));
        this.previous = config.previousKey().filter(k -> !k.isBlank()).map(this::decode);
    }

    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    public SigningKey current() {
        return current;
    }

    public Optional<SigningKey> previous() {
        return previous;
    }

    /** Every key that verifies, as a JWK set of {@code oct} keys for SmallRye JWT. */
    String verificationJwks() {
        List<String> keys = new ArrayList<>();
        keys.add(jwk(current));
        previous.ifPresent(k -> keys.add(jwk(k)));
        return "{\"keys\":[" + String.join(",", keys) + "]}";
    }

    private String jwk(SigningKey key) {
        String material = Base64.getUrlEncoder().withoutPadding().encodeToString(key.key().getEncoded());
        return "{\"kty\":\"oct\",\"kid\":\"" + key.kid() + "\",\"alg\":\"" + algorithm.getAlgorithm()
                + "\",\"k\":\"" + material + "\"}";
    }

    /**
     * A signing key's {@code kid}: 8 lowercase hex digits, the first 4 bytes of HMAC-SHA256 keyed by the raw key
     * over {@value #KID_LABEL} ({@link KeyRing#derivedId}).
     */
    public static String kidOf(byte[] rawKey) {
        return KeyRing.hex(KeyRing.derivedId(rawKey, KID_LABEL));
    }

    private SigningKey decode(String base64) {
        byte[] raw = KeyText.decode(base64);
        String javaAlgorithm = "Hmac" + algorithm.getAlgorithm().replace("HS", "SHA");
        return new SigningKey(kidOf(raw), new SecretKeySpec(raw, javaAlgorithm));
    }
}
