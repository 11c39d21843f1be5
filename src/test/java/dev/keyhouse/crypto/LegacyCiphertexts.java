package dev.keyhouse.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.util.SecretBytes;

/**
 * Ciphertexts as Keyhouse wrote them before key ids were keyed: built here with Tink alone (not with KeyRing), the
 * key imported under the first 4 bytes of SHA-256 of its raw bytes, AES-256-GCM, TINK prefix, associated data the
 * row id's 16 bytes then the UTF-8 purpose.
 */
public final class LegacyCiphertexts {

    private LegacyCiphertexts() {
    }

    /** The id the old Keyhouse gave {@code base64Key}: unsigned first 4 bytes of SHA-256 of its raw bytes. */
    public static long sha256Id(String base64Key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64Key));
            return Integer.toUnsignedLong(ByteBuffer.wrap(digest, 0, 4).getInt());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code plaintext} sealed for {@code rowId} and {@code purpose} under {@code base64Key} and its SHA-256 id. */
    public static byte[] seal(String base64Key, UUID rowId, String purpose, String plaintext) {
        try {
            AeadConfig.register();
            int id = (int) sha256Id(base64Key);
            AesGcmKey key = AesGcmKey.builder()
                    .setParameters(AesGcmParameters.builder().setKeySizeBytes(32).setIvSizeBytes(12).setTagSizeBytes(16)
                            .setVariant(AesGcmParameters.Variant.TINK).build())
                    .setKeyBytes(SecretBytes.copyFrom(Base64.getDecoder().decode(base64Key), InsecureSecretKeyAccess.get()))
                    .setIdRequirement(id)
                    .build();
            Aead aead = KeysetHandle.newBuilder()
                    .addEntry(KeysetHandle.importKey(key).withFixedId(id).setStatus(KeyStatus.ENABLED).makePrimary())
                    .build().getPrimitive(RegistryConfiguration.get(), Aead.class);
            byte[] purposeBytes = purpose.getBytes(StandardCharsets.UTF_8);
            byte[] associated = ByteBuffer.allocate(16 + purposeBytes.length).putLong(rowId.getMostSignificantBits())
                    .putLong(rowId.getLeastSignificantBits()).put(purposeBytes).array();
            return aead.encrypt(plaintext.getBytes(StandardCharsets.UTF_8), associated);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
