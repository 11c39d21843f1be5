package dev.keyhouse.crypto;

import static dev.keyhouse.crypto.TestKeys.KEY_A;
import static dev.keyhouse.crypto.TestKeys.KEY_B;
import static dev.keyhouse.crypto.TestKeys.KEY_C;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CredentialCipherTest {

    private static final String PURPOSE = "provider_setting/llm/api_key";
    private static final String SECRET = "sk-test-0123456789abcdef";

    private final UUID row = UUID.randomUUID();
    private final CredentialCipher cipherA = new CredentialCipher(KeyRing.of(KEY_A, List.of()));

    @Test
    void roundTrip() {
        Ciphertext sealed = cipherA.seal(row, PURPOSE, SECRET);

        assertThat(cipherA.open(row, PURPOSE, sealed.bytes())).isEqualTo(new Opened.Plaintext(SECRET));
        assertThat(sealed.keyId()).isEqualTo(cipherA.keyRing().currentKeyId());
        assertThat(new String(sealed.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
    }

    @Test
    void roundTripOfEmptyAndNonAsciiValues() {
        for (String value : List.of("", "clé-🔑-ключ")) {
            Ciphertext sealed = cipherA.seal(row, PURPOSE, value);
            assertThat(cipherA.open(row, PURPOSE, sealed.bytes())).isEqualTo(new Opened.Plaintext(value));
        }
    }

    @Test
    void sealingTwiceGivesDifferentCiphertexts() {
        assertThat(cipherA.seal(row, PURPOSE, SECRET).bytes()).isNotEqualTo(cipherA.seal(row, PURPOSE, SECRET).bytes());
    }

    @Test
    void ciphertextCarriesTinkPrefixWithKeyId() {
        Ciphertext sealed = cipherA.seal(row, PURPOSE, SECRET);

        assertThat(sealed.bytes()[0]).isEqualTo((byte) 0x01);
        assertThat(CredentialCipher.keyIdOf(sealed.bytes())).hasValue(sealed.keyId());
        assertThat(sealed.bytes()).hasSize(5 + 12 + SECRET.length() + 16);
    }

    @Test
    void valuesAnEarlierKeyhouseSealedUnderTheSha256IdOpenAfterTheUpgradeAndNeedARewrite() {
        for (String value : List.of("", SECRET, "clé-🔑-ключ")) {
            for (String key : List.of(KEY_A, KEY_B)) {
                byte[] legacy = LegacyCiphertexts.seal(key, row, PURPOSE, value);
                long legacyId = LegacyCiphertexts.sha256Id(key);
                assertThat(CredentialCipher.keyIdOf(legacy)).hasValue(legacyId);
                // KEY_A current, KEY_B previous: values under either key's old id open
                CredentialCipher upgraded = new CredentialCipher(KeyRing.fromEnvironment(KEY_A, KEY_B));
                assertThat(upgraded.open(row, PURPOSE, legacy)).isEqualTo(new Opened.Plaintext(value));
                assertThat(upgraded.needsRewrite(legacyId)).isTrue();
                assertThat(upgraded.isCurrent(legacyId)).isFalse();
                // bound to row and purpose like any value
                assertThat(upgraded.open(UUID.randomUUID(), PURPOSE, legacy))
                        .isEqualTo(new Opened.Unreadable(legacyId, Opened.Reason.DOES_NOT_AUTHENTICATE));
            }
        }
        // a key no longer configured no longer opens its legacy values either
        byte[] underB = LegacyCiphertexts.seal(KEY_B, row, PURPOSE, SECRET);
        assertThat(cipherA.open(row, PURPOSE, underB)).isEqualTo(
                new Opened.Unreadable(LegacyCiphertexts.sha256Id(KEY_B), Opened.Reason.KEY_NOT_CONFIGURED));
    }

    @Test
    void newValuesAreSealedUnderTheKeyedIdNeverTheLegacyOne() {
        for (String key : List.of(KEY_A, KEY_B, KEY_C)) {
            CredentialCipher cipher = new CredentialCipher(KeyRing.of(key, List.of()));
            Ciphertext sealed = cipher.seal(row, PURPOSE, SECRET);
            long keyed = KeyRing.keyIdOf(java.util.Base64.getDecoder().decode(key));
            assertThat(sealed.keyId()).isEqualTo(keyed).isNotEqualTo(LegacyCiphertexts.sha256Id(key));
            assertThat(CredentialCipher.keyIdOf(sealed.bytes())).hasValue(keyed);
        }
    }

    @Test
    void valueUnderPreviousKeyOpensAfterRotation() {
        Ciphertext sealed = cipherA.seal(row, PURPOSE, SECRET);
        CredentialCipher rotated = new CredentialCipher(KeyRing.fromEnvironment(KEY_B, KEY_A));

        assertThat(rotated.open(row, PURPOSE, sealed.bytes())).isEqualTo(new Opened.Plaintext(SECRET));
        assertThat(rotated.needsRewrite(sealed.keyId())).isTrue();
        assertThat(rotated.isCurrent(sealed.keyId())).isFalse();

        Ciphertext rewritten = rotated.seal(row, PURPOSE, SECRET);
        assertThat(rewritten.keyId()).isEqualTo(rotated.keyRing().currentKeyId()).isNotEqualTo(sealed.keyId());
        assertThat(rotated.needsRewrite(rewritten.keyId())).isFalse();
        assertThat(rotated.isCurrent(rewritten.keyId())).isTrue();
    }

    @Test
    void ciphertextOnAnotherRowDoesNotAuthenticate() {
        Ciphertext sealed = cipherA.seal(row, PURPOSE, SECRET);

        Opened opened = cipherA.open(UUID.randomUUID(), PURPOSE, sealed.bytes());

        assertThat(opened).isEqualTo(new Opened.Unreadable(sealed.keyId(), Opened.Reason.DOES_NOT_AUTHENTICATE));
        assertThat(opened.toString()).contains("does not authenticate").doesNotContain(SECRET);
    }

    @Test
    void ciphertextUnderAnotherPurposeDoesNotAuthenticate() {
        Ciphertext sealed = cipherA.seal(row, PURPOSE, SECRET);

        assertThat(cipherA.open(row, "provider_setting/stt/api_key", sealed.bytes()))
                .isEqualTo(new Opened.Unreadable(sealed.keyId(), Opened.Reason.DOES_NOT_AUTHENTICATE));
    }

    @Test
    void tamperedCiphertextDoesNotAuthenticate() {
        byte[] bytes = cipherA.seal(row, PURPOSE, SECRET).bytes();
        bytes[bytes.length - 1] ^= 1;

        assertThat(cipherA.open(row, PURPOSE, bytes))
                .isInstanceOfSatisfying(Opened.Unreadable.class,
                        u -> assertThat(u.reason()).isEqualTo(Opened.Reason.DOES_NOT_AUTHENTICATE));
    }

    @Test
    void ciphertextUnderUnknownKeyNamesThatKey() {
        CredentialCipher cipherC = new CredentialCipher(KeyRing.of(KEY_C, List.of()));
        Ciphertext sealed = cipherC.seal(row, PURPOSE, SECRET);
        String hexC = KeyRing.hex(cipherC.keyRing().currentKeyId());

        Opened opened = new CredentialCipher(KeyRing.fromEnvironment(KEY_A, KEY_B)).open(row, PURPOSE, sealed.bytes());

        assertThat(opened).isInstanceOfSatisfying(Opened.Unreadable.class, u -> {
            assertThat(u.reason()).isEqualTo(Opened.Reason.KEY_NOT_CONFIGURED);
            assertThat(u.keyId()).isEqualTo(cipherC.keyRing().currentKeyId());
            assertThat(u.message()).isEqualTo("written under key " + hexC + ", which is not configured");
        });
    }

    @Test
    void malformedCiphertextsAreUnreadableNotExceptions() {
        byte[] sealed = cipherA.seal(row, PURPOSE, SECRET).bytes();
        long keyId = cipherA.keyRing().currentKeyId();

        assertThat(cipherA.open(row, PURPOSE, null))
                .isEqualTo(new Opened.Unreadable(Opened.Unreadable.NO_KEY_ID, Opened.Reason.MALFORMED));
        assertThat(cipherA.open(row, PURPOSE, new byte[0]))
                .isEqualTo(new Opened.Unreadable(Opened.Unreadable.NO_KEY_ID, Opened.Reason.MALFORMED));
        assertThat(cipherA.open(row, PURPOSE, Arrays.copyOf(sealed, 4)))
                .isEqualTo(new Opened.Unreadable(Opened.Unreadable.NO_KEY_ID, Opened.Reason.MALFORMED));
        assertThat(cipherA.open(row, PURPOSE, Arrays.copyOf(sealed, 20)))
                .isEqualTo(new Opened.Unreadable(keyId, Opened.Reason.MALFORMED));
        byte[] noPrefix = sealed.clone();
        noPrefix[0] = 0x00;
        assertThat(cipherA.open(row, PURPOSE, noPrefix))
                .isEqualTo(new Opened.Unreadable(Opened.Unreadable.NO_KEY_ID, Opened.Reason.MALFORMED));
        assertThat(CredentialCipher.keyIdOf(noPrefix)).isEmpty();
    }

    @Test
    void associatedDataIsRowBytesThenPurpose() {
        UUID id = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");

        byte[] ad = CredentialCipher.associatedData(id, "p/é");

        assertThat(ad).containsExactly(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 'p', '/', 0xc3, 0xa9);
    }

    @Test
    void resultsNeverPrintValues() {
        Ciphertext sealed = cipherA.seal(row, PURPOSE, SECRET);

        assertThat(sealed.toString()).doesNotContain(SECRET).contains(KeyRing.hex(sealed.keyId()));
        assertThat(cipherA.open(row, PURPOSE, sealed.bytes()).toString()).doesNotContain(SECRET);
    }
}
