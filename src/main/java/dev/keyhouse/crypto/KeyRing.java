package dev.keyhouse.crypto;

import static dev.keyhouse.config.EnvCatalog.CREDENTIAL_ENCRYPTION_KEY;
import static dev.keyhouse.config.EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.util.SecretBytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encryption keys Keyhouse holds: the current key, which seals every new value, and previous keys, which
 * only open values written before a rotation.
 *
 * <p>Each key's Tink key id is the first 4 bytes of HMAC-SHA256 keyed by the raw key over {@value #KEY_ID_LABEL}
 * ({@link #keyIdOf}): the same on every host and every restart, so the 5-byte TINK prefix of a ciphertext names the
 * key it was written under, and, being the output of a PRF under the key itself, it tells nothing about the key.
 *
 * <p>Keyhouse before this derivation used the first 4 bytes of SHA-256 of the raw key ({@link #legacyKeyIdOf}), and
 * databases still hold values whose prefix and {@code key_id} carry that id. The ring therefore also holds every
 * configured key under its legacy id, decrypt-only: such values open, count as not under the current key (the
 * rotation job rewrites them under the new id), and no new value is ever sealed under a legacy id. The
 * {@link Aead} is built once here because sealing and opening sit on hot paths.
 */
public final class KeyRing {

    /** Raw length of every encryption key: AES-256. */
    public static final int KEY_BYTES = 32;

    /** The fixed message {@link #keyIdOf} authenticates under the key: changing it changes every key id. */
    public static final String KEY_ID_LABEL = "keyhouse key id v1";

    private static final AesGcmParameters PARAMETERS = aes256GcmTink();

    private final long currentKeyId;
    private final List<Long> previousKeyIds;
    /** Legacy id -> the id of the same key as this version derives it, current key first. */
    private final Map<Long, Long> legacyKeyIds;
    private final Aead aead;

    private KeyRing(long currentKeyId, List<Long> previousKeyIds, Map<Long, Long> legacyKeyIds, Aead aead) {
        this.currentKeyId = currentKeyId;
        this.previousKeyIds = List.copyOf(previousKeyIds);
        this.legacyKeyIds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(legacyKeyIds));
        this.aead = aead;
    }

    /**
     * Builds the ring from the values of {@code CREDENTIAL_ENCRYPTION_KEY} and
     * {@code CREDENTIAL_ENCRYPTION_KEY_PREVIOUS} (comma-separated; blank entries ignored).
     *
     * @throws KeyConfigurationException naming the variable when a key is not base64 of 32 bytes, a previous key
     *         repeats the current or another previous key, or two keys collide on their id (or legacy id)
     */
    public static KeyRing fromEnvironment(String currentKey, String previousKeys) {
        List<String> previous = new ArrayList<>();
        if (previousKeys != null) {
            for (String entry : previousKeys.split(",")) {
                if (!entry.isBlank()) {
                    previous.add(entry.strip());
                }
            }
        }
        return of(currentKey, previous);
    }

    /** Builds the ring from one current key and zero or more previous keys, each standard base64 of 32 bytes. */
    public static KeyRing of(String currentKey, List<String> previousKeys) {
        if (currentKey == null || currentKey.isBlank()) {
            throw new KeyConfigurationException(CREDENTIAL_ENCRYPTION_KEY,
                    " is not set; generate one with `openssl rand -base64 32`");
        }
        byte[] current = decode(currentKey.strip(), CREDENTIAL_ENCRYPTION_KEY, "");
        long currentId = keyIdOf(current);
        // Insertion order keeps the configured order of previous keys for display.
        Map<Long, byte[]> previous = new LinkedHashMap<>();
        for (int i = 0; i < previousKeys.size(); i++) {
            String where = previousKeys.size() == 1 ? "" : " (entry " + (i + 1) + ")";
            byte[] raw = decode(previousKeys.get(i).strip(), CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, where);
            long id = keyIdOf(raw);
            if (Arrays.equals(raw, current)) {
                throw new KeyConfigurationException(CREDENTIAL_ENCRYPTION_KEY_PREVIOUS,
                        where + " repeats CREDENTIAL_ENCRYPTION_KEY; list only keys that were replaced");
            }
            if (id == currentId) {
                throw new KeyConfigurationException(CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, where
                        + " has key id " + hex(id) + ", the same as CREDENTIAL_ENCRYPTION_KEY; generate a new current key");
            }
            if (previous.containsKey(id)) {
                boolean same = Arrays.equals(previous.get(id), raw);
                throw new KeyConfigurationException(CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, where
                        + (same ? " lists key " + hex(id) + " twice" : " has two keys with the same id " + hex(id)));
            }
            previous.put(id, raw);
        }
        // Each key also under its legacy (SHA-256) id, decrypt-only, unless that is its own new id already.
        Map<Long, byte[]> legacy = new LinkedHashMap<>();
        Map<Long, Long> legacyToId = new LinkedHashMap<>();
        Map<Long, byte[]> all = new LinkedHashMap<>();
        all.put(currentId, current);
        all.putAll(previous);
        for (Map.Entry<Long, byte[]> key : all.entrySet()) {
            byte[] raw = key.getValue();
            long legacyId = legacyKeyIdOf(raw);
            byte[] holder = all.containsKey(legacyId) ? all.get(legacyId) : legacy.get(legacyId);
            if (holder == null) {
                legacy.put(legacyId, raw);
                legacyToId.put(legacyId, key.getKey());
            } else if (!Arrays.equals(holder, raw)) {
                // one chance in 2^32 per pair: refuse rather than open a value with the wrong key
                throw new KeyConfigurationException(CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, " holds two keys whose ids collide ("
                        + hex(legacyId) + "); re-encrypt under a new CREDENTIAL_ENCRYPTION_KEY with one of them removed");
            }
        }
        Map<Long, byte[]> decryptOnly = new LinkedHashMap<>(previous);
        decryptOnly.putAll(legacy);
        return new KeyRing(currentId, List.copyOf(previous.keySet()), legacyToId,
                buildAead(currentId, current, decryptOnly));
    }

    /** A new random key in the environment's format; same as {@link GenerateKey#newKey()}. */
    public static String generateKey() {
        return GenerateKey.newKey();
    }

    /** How operators see a key id: 8 lowercase hex digits, e.g. {@code 3fa9c2e1}. */
    public static String hex(long keyId) {
        return String.format(Locale.ROOT, "%08x", keyId);
    }

    /** Id of the key that seals new values, as the unsigned 32-bit value stored in {@code sealed_values.key_id}. */
    public long currentKeyId() {
        return currentKeyId;
    }

    /** Ids of the decrypt-only keys, in configured order. */
    public List<Long> previousKeyIds() {
        return previousKeyIds;
    }

    /**
     * The legacy (SHA-256) ids of the configured keys, the current key's first: values an earlier Keyhouse sealed
     * under them open, and the rotation job moves them to the current key's id.
     */
    public List<Long> legacyKeyIds() {
        return List.copyOf(legacyKeyIds.keySet());
    }

    /** Whether this is the legacy id of a configured key (never the id of a key as this version derives it). */
    public boolean isLegacy(long keyId) {
        return legacyKeyIds.containsKey(keyId);
    }

    /** The id ({@link #keyIdOf}) of the configured key whose legacy id this is; empty for any other id. */
    public java.util.OptionalLong keyIdOfLegacy(long legacyId) {
        Long id = legacyKeyIds.get(legacyId);
        return id == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(id);
    }

    /** Whether a value written under this key id can be opened here: current, previous or a legacy id of either. */
    public boolean knows(long keyId) {
        return keyId == currentKeyId || previousKeyIds.contains(keyId) || legacyKeyIds.containsKey(keyId);
    }

    /** Whether this is the key new values are sealed under. */
    public boolean isCurrent(long keyId) {
        return keyId == currentKeyId;
    }

    /** The primitive over every key of the ring; only the cipher uses it. */
    Aead aead() {
        return aead;
    }

    @Override
    public String toString() {
        return "KeyRing[current=" + hex(currentKeyId) + ", previous="
                + previousKeyIds.stream().map(KeyRing::hex).toList() + "]";
    }

    /**
     * A key's id: the unsigned big-endian value of the first 4 bytes of HMAC-SHA256 keyed by {@code rawKey} over the
     * UTF-8 bytes of {@value #KEY_ID_LABEL}.
     */
    public static long keyIdOf(byte[] rawKey) {
        return derivedId(rawKey, KEY_ID_LABEL);
    }

    /**
     * The unsigned big-endian value of the first 4 bytes of HMAC-SHA256 keyed by {@code rawKey} over the UTF-8
     * {@code label}: an id that names a key without telling anything about it (one label per use).
     */
    public static long derivedId(byte[] rawKey, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(rawKey, "HmacSHA256"));
            byte[] tag = mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
            return Integer.toUnsignedLong(ByteBuffer.wrap(tag, 0, 4).getInt());
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
        }
    }

    /**
     * The id Keyhouse gave a key before {@link #keyIdOf}: the first 4 bytes of SHA-256 of the raw key. Only to open
     * values sealed under it and to recognise them; never written for a new value.
     */
    public static long legacyKeyIdOf(byte[] rawKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(rawKey);
            return Integer.toUnsignedLong(ByteBuffer.wrap(digest, 0, 4).getInt());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    private static byte[] decode(String base64, String variable, String where) {
        byte[] raw;
        try {
            raw = KeyText.decode(base64);
        } catch (IllegalArgumentException e) {
            throw new KeyConfigurationException(variable,
                    where + " is not valid standard base64; generate a key with `openssl rand -base64 32`");
        }
        if (raw.length != KEY_BYTES) {
            throw new KeyConfigurationException(variable, where + " decodes to " + raw.length
                    + " bytes, not " + KEY_BYTES + "; generate a key with `openssl rand -base64 32`");
        }
        return raw;
    }

    private static Aead buildAead(long currentId, byte[] current, Map<Long, byte[]> decryptOnly) {
        try {
            KeysetHandle.Builder keyset = KeysetHandle.newBuilder();
            keyset.addEntry(entry(currentId, current).makePrimary());
            for (Map.Entry<Long, byte[]> key : decryptOnly.entrySet()) {
                keyset.addEntry(entry(key.getKey(), key.getValue()));
            }
            return keyset.build().getPrimitive(RegistryConfiguration.get(), Aead.class);
        } catch (GeneralSecurityException e) {
            // Tink's messages describe parameters, never key bytes.
            throw new IllegalStateException("could not build the encryption key ring: " + e.getMessage(), e);
        }
    }

    private static KeysetHandle.Builder.Entry entry(long keyId, byte[] raw) throws GeneralSecurityException {
        int tinkId = (int) keyId;
        AesGcmKey key = AesGcmKey.builder()
                .setParameters(PARAMETERS)
                .setKeyBytes(SecretBytes.copyFrom(raw, InsecureSecretKeyAccess.get()))
                .setIdRequirement(tinkId)
                .build();
        return KeysetHandle.importKey(key).withFixedId(tinkId).setStatus(KeyStatus.ENABLED);
    }

    private static AesGcmParameters aes256GcmTink() {
        try {
            AeadConfig.register();
            return AesGcmParameters.builder()
                    .setKeySizeBytes(KEY_BYTES)
                    .setIvSizeBytes(12)
                    .setTagSizeBytes(16)
                    .setVariant(AesGcmParameters.Variant.TINK)
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink AEAD could not be initialised", e);
        }
    }
}
