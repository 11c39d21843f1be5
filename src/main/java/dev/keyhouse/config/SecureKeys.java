package dev.keyhouse.config;

import java.security.SecureRandom;
import java.util.Base64;

/** Fresh random keys in the form every key variable takes: standard base64 of 32 bytes. */
public final class SecureKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private SecureKeys() {
    }

    public static String newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
