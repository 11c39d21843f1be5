package dev.keyhouse.crypto;

import java.util.Base64;

/** Fixed keys for tests; none of them is used anywhere else. */
final class TestKeys {

    static final String KEY_A = key(1);
    static final String KEY_B = key(2);
    static final String KEY_C = key(3);

    private TestKeys() {
    }

    private static String key(int seed) {
        byte[] raw = new byte[KeyRing.KEY_BYTES];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (seed * 31 + i * 7);
        }
        return Base64.getEncoder().encodeToString(raw);
    }
}
