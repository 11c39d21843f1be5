package dev.keyhouse.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class FingerprintsTest {

    private final byte[] key = Fingerprints.newKey();

    @Test
    void sameSecretAndKeyGiveSameFingerprint() {
        assertThat(new Fingerprints(key).of("sk-abc")).isEqualTo(new Fingerprints(key.clone()).of("sk-abc"));
    }

    @Test
    void differentFingerprintKeyGivesDifferentFingerprint() {
        assertThat(new Fingerprints(key).of("sk-abc")).isNotEqualTo(new Fingerprints(Fingerprints.newKey()).of("sk-abc"));
    }

    @Test
    void differentSecretsGiveDifferentFingerprints() {
        assertThat(new Fingerprints(key).of("sk-abc")).isNotEqualTo(new Fingerprints(key).of("sk-abd"));
    }

    @Test
    void fingerprintIsEightLowercaseHexDigits() {
        assertThat(new Fingerprints(key).of("sk-abc")).matches("[0-9a-f]{8}");
        assertThat(new Fingerprints(key).of("")).matches("[0-9a-f]{8}");
    }

    @Test
    void fingerprintIsKeyedNotABareHash() throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest("password".getBytes(StandardCharsets.UTF_8));

        assertThat(new Fingerprints(key).of("password")).isNotEqualTo(HexFormat.of().formatHex(sha, 0, 4));
    }

    @Test
    void matchesHmacSha256KnownAnswer() {
        // RFC 4231 test case 2: key "Jefe", truncated to 4 bytes; the key is zero-padded to 32 bytes by HMAC.
        byte[] jefe = new byte[Fingerprints.KEY_BYTES];
        System.arraycopy("Jefe".getBytes(StandardCharsets.US_ASCII), 0, jefe, 0, 4);

        assertThat(new Fingerprints(jefe).of("what do ya want for nothing?")).isEqualTo("5bdcc146");
    }

    @Test
    void rejectsKeyOfWrongLengthAndNeverPrintsKey() {
        assertThatThrownBy(() -> new Fingerprints(new byte[16])).hasMessageContaining("32 bytes, not 16");
        assertThat(new Fingerprints(key).toString()).isEqualTo("Fingerprints[key redacted]");
    }
}
