package dev.keyhouse.crypto;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Prints one fresh encryption key: standard base64 of 32 random bytes, the format of
 * {@code CREDENTIAL_ENCRYPTION_KEY}.
 *
 * <p>Run it with {@code java -cp target/classes dev.keyhouse.crypto.GenerateKey}; it needs nothing but the
 * JDK. {@code openssl rand -base64 32} produces an equivalent key.
 */
public final class GenerateKey {

    private static final SecureRandom RANDOM = new SecureRandom();

    private GenerateKey() {
    }

    public static void main(String[] args) {
        System.out.println(newKey());
    }

    /** A new random key as standard base64 of {@value KeyRing#KEY_BYTES} bytes. */
    public static String newKey() {
        byte[] key = new byte[KeyRing.KEY_BYTES];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
