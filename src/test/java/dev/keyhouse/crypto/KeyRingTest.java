package dev.keyhouse.crypto;

import static dev.keyhouse.crypto.TestKeys.KEY_A;
import static dev.keyhouse.crypto.TestKeys.KEY_B;
import static dev.keyhouse.crypto.TestKeys.KEY_C;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

class KeyRingTest {

    @Test
    void sameKeyHasSameIdInSeparatelyBuiltRings() {
        KeyRing first = KeyRing.of(KEY_A, List.of());
        KeyRing second = KeyRing.fromEnvironment(KEY_B, KEY_A);

        assertThat(second.previousKeyIds()).containsExactly(first.currentKeyId());
    }

    @Test
    void keyIdIsFirstFourBytesOfHmacSha256KeyedByTheKeyOverAFixedLabelNotASha256Prefix() throws Exception {
        for (String key : List.of(KEY_A, KEY_B, KEY_C, KeyRing.generateKey(), KeyRing.generateKey())) {
            byte[] raw = Base64.getDecoder().decode(key);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(raw, "HmacSHA256"));
            byte[] tag = mac.doFinal("keyhouse key id v1".getBytes(StandardCharsets.UTF_8));
            long expected = Integer.toUnsignedLong(ByteBuffer.wrap(tag, 0, 4).getInt());
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
            long sha256Prefix = Integer.toUnsignedLong(ByteBuffer.wrap(digest, 0, 4).getInt());

            long id = KeyRing.of(key, List.of()).currentKeyId();

            assertThat(id).isEqualTo(expected).isEqualTo(KeyRing.keyIdOf(raw)).isBetween(0L, 0xffff_ffffL)
                    .isNotEqualTo(sha256Prefix);
            assertThat(KeyRing.legacyKeyIdOf(raw)).isEqualTo(sha256Prefix).isEqualTo(LegacyCiphertexts.sha256Id(key));
            assertThat(KeyRing.hex(id)).matches("[0-9a-f]{8}");
        }
    }

    @Test
    void legacyIdsOfEveryConfiguredKeyAreKnownButNeverCurrent() {
        KeyRing ring = KeyRing.fromEnvironment(KEY_A, KEY_B);
        long legacyA = LegacyCiphertexts.sha256Id(KEY_A);
        long legacyB = LegacyCiphertexts.sha256Id(KEY_B);
        long legacyC = LegacyCiphertexts.sha256Id(KEY_C);

        assertThat(ring.legacyKeyIds()).containsExactly(legacyA, legacyB);
        assertThat(ring.knows(legacyA)).isTrue();
        assertThat(ring.knows(legacyB)).isTrue();
        assertThat(ring.knows(legacyC)).as("a key that is not configured").isFalse();
        assertThat(ring.isCurrent(legacyA)).as("the current key's legacy id is not current: the job moves it").isFalse();
        assertThat(ring.isLegacy(legacyA)).isTrue();
        assertThat(ring.isLegacy(ring.currentKeyId())).isFalse();
        assertThat(ring.keyIdOfLegacy(legacyA)).hasValue(ring.currentKeyId());
        assertThat(ring.keyIdOfLegacy(legacyB)).hasValue(ring.previousKeyIds().get(0));
        assertThat(ring.keyIdOfLegacy(ring.currentKeyId())).isEmpty();
        assertThat(ring.previousKeyIds()).as("legacy ids are no previous key to retire").doesNotContain(legacyA, legacyB);
        assertThat(ring.toString()).doesNotContain(KeyRing.hex(legacyA), KeyRing.hex(legacyB));
    }

    @Test
    void hexIsEightLowercaseDigitsEvenForSmallAndHighIds() {
        assertThat(KeyRing.hex(0x3fa9c2e1L)).isEqualTo("3fa9c2e1");
        assertThat(KeyRing.hex(0xffff_fffeL)).isEqualTo("fffffffe");
        assertThat(KeyRing.hex(0x2aL)).isEqualTo("0000002a");
    }

    @Test
    void knowsCurrentAndPreviousKeysOnly() {
        KeyRing ring = KeyRing.fromEnvironment(KEY_A, " " + KEY_B + " , ,");
        long a = KeyRing.of(KEY_A, List.of()).currentKeyId();
        long b = KeyRing.of(KEY_B, List.of()).currentKeyId();
        long c = KeyRing.of(KEY_C, List.of()).currentKeyId();

        assertThat(ring.currentKeyId()).isEqualTo(a);
        assertThat(ring.previousKeyIds()).containsExactly(b);
        assertThat(ring.knows(a)).isTrue();
        assertThat(ring.knows(b)).isTrue();
        assertThat(ring.knows(c)).isFalse();
        assertThat(ring.isCurrent(a)).isTrue();
        assertThat(ring.isCurrent(b)).isFalse();
        assertThat(ring.toString()).contains(KeyRing.hex(a), KeyRing.hex(b)).doesNotContain(KEY_A, KEY_B);
    }

    @Test
    void rejectsInvalidBase64NamingTheVariableWithoutTheKey() {
        String bad = "not*base64*" + KEY_A.substring(0, 20);

        assertThatThrownBy(() -> KeyRing.fromEnvironment(bad, null))
                .isInstanceOf(KeyConfigurationException.class)
                .hasMessageStartingWith("CREDENTIAL_ENCRYPTION_KEY is not valid standard base64")
                .hasMessageNotContaining(bad)
                .hasMessageNotContaining(KEY_A.substring(0, 20))
                .hasNoCause();
    }

    @Test
    void rejectsWrongLengthNamingTheVariableWithoutTheKey() {
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(() -> KeyRing.fromEnvironment(short16, null))
                .isInstanceOf(KeyConfigurationException.class)
                .hasMessageStartingWith("CREDENTIAL_ENCRYPTION_KEY decodes to 16 bytes, not 32")
                .hasMessageNotContaining(short16);
    }

    @Test
    void rejectsBadPreviousKeyNamingThatVariableAndEntry() {
        String short31 = Base64.getEncoder().encodeToString(new byte[31]);

        assertThatThrownBy(() -> KeyRing.fromEnvironment(KEY_A, KEY_B + "," + short31))
                .isInstanceOf(KeyConfigurationException.class)
                .hasMessageStartingWith("CREDENTIAL_ENCRYPTION_KEY_PREVIOUS (entry 2) decodes to 31 bytes")
                .hasMessageNotContaining(short31)
                .hasMessageNotContaining(KEY_A)
                .hasMessageNotContaining(KEY_B)
                .extracting(e -> ((KeyConfigurationException) e).variable())
                .isEqualTo("CREDENTIAL_ENCRYPTION_KEY_PREVIOUS");
    }

    @Test
    void rejectsPreviousKeyEqualToCurrent() {
        assertThatThrownBy(() -> KeyRing.fromEnvironment(KEY_A, KEY_A))
                .isInstanceOf(KeyConfigurationException.class)
                .hasMessageStartingWith("CREDENTIAL_ENCRYPTION_KEY_PREVIOUS repeats CREDENTIAL_ENCRYPTION_KEY")
                .hasMessageNotContaining(KEY_A);
    }

    @Test
    void rejectsPreviousKeyListedTwice() {
        assertThatThrownBy(() -> KeyRing.fromEnvironment(KEY_A, KEY_B + "," + KEY_B))
                .isInstanceOf(KeyConfigurationException.class)
                .hasMessageStartingWith("CREDENTIAL_ENCRYPTION_KEY_PREVIOUS (entry 2) lists key")
                .hasMessageNotContaining(KEY_B);
    }

    @Test
    void rejectsMissingCurrentKey() {
        assertThatThrownBy(() -> KeyRing.fromEnvironment("  ", KEY_B))
                .isInstanceOf(KeyConfigurationException.class)
                .hasMessageStartingWith("CREDENTIAL_ENCRYPTION_KEY is not set")
                .hasMessageNotContaining(KEY_B);
    }

    @Test
    void generatedKeysAreAcceptedAndDistinct() {
        String first = KeyRing.generateKey();
        String second = KeyRing.generateKey();

        assertThat(first).isNotEqualTo(second);
        assertThat(KeyRing.fromEnvironment(first, second).previousKeyIds()).hasSize(1);
    }
}
