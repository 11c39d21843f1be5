package dev.keyhouse.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short keyed fingerprints that let operators compare secrets without seeing them, e.g. {@code c41d09aa}.
 *
 * <p>HMAC-SHA256 under a secret fingerprint key, truncated to 4 bytes: without the key nobody can confirm a
 * guessed low-entropy secret offline, which a bare SHA-256 would allow. The key is independent of the
 * encryption keys so fingerprints stay comparable across a rotation.
 */
public final class Fingerprints {

    /** Length of a fingerprint key. */
    public static final int KEY_BYTES = 32;
    private static final String HMAC = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    public Fingerprints(byte[] fingerprintKey) {
        Objects.requireNonNull(fingerprintKey, "fingerprintKey");
        if (fingerprintKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("a fingerprint key has " + KEY_BYTES + " bytes, not "
                    + fingerprintKey.length);
        }
        this.key = new SecretKeySpec(fingerprintKey, HMAC);
    }

    /** A new random fingerprint key. */
    public static byte[] newKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The fingerprint of a secret: 8 lowercase hex digits. */
    public String of(String secret) {
        Objects.requireNonNull(secret, "secret");
        try {
            // Mac is not thread-safe; one per call keeps this class shareable.
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            byte[] digest = mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(Arrays.copyOf(digest, 4));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "Fingerprints[key redacted]";
    }
}
