package dev.keyhouse.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Seals provider secrets for the {@code sealed_values} table and opens them again.
 *
 * <p>The associated data is the row's 16 UUID bytes (big-endian, most significant half first) followed by the
 * UTF-8 purpose. The UUID has a fixed length, so the encoding is unambiguous, and a ciphertext copied onto
 * another row or purpose does not authenticate.
 */
public final class CredentialCipher {

    /** TINK output prefix: the byte 0x01, then the 4-byte big-endian key id. */
    static final int PREFIX_BYTES = 5;
    private static final byte TINK_START_BYTE = 0x01;
    /** Prefix + 12-byte GCM nonce + 16-byte tag: the shortest ciphertext (of an empty value). */
    static final int MIN_CIPHERTEXT_BYTES = PREFIX_BYTES + 12 + 16;

    private final KeyRing keys;

    public CredentialCipher(KeyRing keys) {
        this.keys = Objects.requireNonNull(keys);
    }

    /** Seals {@code plaintext} under the current key, bound to its row and purpose. */
    public Ciphertext seal(UUID rowId, String purpose, String plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        try {
            byte[] bytes = keys.aead().encrypt(plaintext.getBytes(StandardCharsets.UTF_8),
                    associatedData(rowId, purpose));
            return new Ciphertext(keys.currentKeyId(), bytes);
        } catch (GeneralSecurityException e) {
            // AES-GCM encryption only fails on a broken JVM provider; the message carries no value.
            throw new IllegalStateException("sealing " + purpose + " failed: " + e.getMessage(), e);
        }
    }

    /** Opens a ciphertext sealed for this row and purpose; any failure is an {@link Opened.Unreadable}. */
    public Opened open(UUID rowId, String purpose, byte[] ciphertext) {
        OptionalLong keyId = keyIdOf(ciphertext);
        if (keyId.isEmpty()) {
            return new Opened.Unreadable(Opened.Unreadable.NO_KEY_ID, Opened.Reason.MALFORMED);
        }
        long id = keyId.getAsLong();
        if (ciphertext.length < MIN_CIPHERTEXT_BYTES) {
            return new Opened.Unreadable(id, Opened.Reason.MALFORMED);
        }
        if (!keys.knows(id)) {
            return new Opened.Unreadable(id, Opened.Reason.KEY_NOT_CONFIGURED);
        }
        try {
            byte[] plaintext = keys.aead().decrypt(ciphertext, associatedData(rowId, purpose));
            return new Opened.Plaintext(new String(plaintext, StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            return new Opened.Unreadable(id, Opened.Reason.DOES_NOT_AUTHENTICATE);
        }
    }

    /** The key id a ciphertext names in its TINK prefix; empty when it has no such prefix. */
    public static OptionalLong keyIdOf(byte[] ciphertext) {
        if (ciphertext == null || ciphertext.length < PREFIX_BYTES || ciphertext[0] != TINK_START_BYTE) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Integer.toUnsignedLong(ByteBuffer.wrap(ciphertext, 1, 4).getInt()));
    }

    /** Whether a value under this key is already sealed under the current key. */
    public boolean isCurrent(long keyId) {
        return keys.isCurrent(keyId);
    }

    /** Whether the rotation job must rewrite a value sealed under this key. */
    public boolean needsRewrite(long keyId) {
        return !keys.isCurrent(keyId);
    }

    public KeyRing keyRing() {
        return keys;
    }

    /** Row id (16 bytes) then the UTF-8 purpose; see the class comment. */
    static byte[] associatedData(UUID rowId, String purpose) {
        byte[] purposeBytes = Objects.requireNonNull(purpose, "purpose").getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(16 + purposeBytes.length)
                .putLong(rowId.getMostSignificantBits())
                .putLong(rowId.getLeastSignificantBits())
                .put(purposeBytes)
                .array();
    }
}
