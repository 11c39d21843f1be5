package dev.keyhouse.crypto;

/**
 * A sealed value as it is stored: the id of the key it was written under and the Tink ciphertext (5-byte
 * prefix, nonce, encrypted value, tag).
 *
 * @param keyId unsigned 32-bit key id, as stored in {@code sealed_values.key_id}
 * @param bytes the ciphertext; not secret, but it is left out of {@link #toString()} so it is never mistaken
 *        for, or logged as, a value
 */
public record Ciphertext(long keyId, byte[] bytes) {

    @Override
    public String toString() {
        return "Ciphertext[key=" + KeyRing.hex(keyId) + ", " + bytes.length + " bytes]";
    }
}
