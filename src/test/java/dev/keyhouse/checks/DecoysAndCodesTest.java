package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * {@link Decoys}: a decoy has the real key's shape (length, kept prefix, each character's class) and is never the key;
 * {@link Verdict#safeCode}: only a short code is kept, never something shaped like a key or a sentence.
 */
class DecoysAndCodesTest {

    /** Real-looking key shapes with the prefix each keeps. */
    private static final Map<String, String> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("sk-proj-" + "Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7", "sk-proj-");
        SHAPES.put("sk-ant-api03-" + "Zy8xW6vU4tS2rQ0pO8nM6lK4jI2hG0fE8dC6bA4zY2xW0vU8tS6rQ4pO2nM0lK8jI6hG4fE2dC0b-AAAA",
                "sk-ant-api03-");
        SHAPES.put("AIzaSyD3x" + "Q7mK2pL9vR4tY6uW8zA1bC5dE0fG3hJ", "AIza");
        SHAPES.put("0123456789abcdef0123456789abcdef", "");
        SHAPES.put("0123456789abcdef0123456789abcdef01234567", "");
        SHAPES.put("SK" + "0123456789abcdef0123456789abcdef", "SK");
        SHAPES.put("sk-" + "0123456789abcdef0123456789abcdef", "sk-");
    }

    private static String classOf(char c) {
        if (c >= '0' && c <= '9') {
            return "digit";
        }
        if (c >= 'a' && c <= 'z') {
            return "lower";
        }
        if (c >= 'A' && c <= 'Z') {
            return "upper";
        }
        return String.valueOf(c);
    }

    @Test
    void aDecoyHasTheKeysShapeAndIsNeverTheKey() {
        SHAPES.forEach((key, prefix) -> {
            for (int round = 0; round < 200; round++) {
                String decoy = Decoys.of(key);
                assertThat(decoy).as(key).isNotEqualTo(key).hasSameSizeAs(key).startsWith(prefix);
                boolean hex = key.substring(prefix.length()).matches("[0-9a-fA-F]+");
                for (int i = prefix.length(); i < key.length(); i++) {
                    char real = key.charAt(i);
                    char fake = decoy.charAt(i);
                    if (hex) {
                        assertThat(String.valueOf(fake)).as("%s at %d stays hex", key, i).matches("[0-9a-f]");
                    } else {
                        assertThat(classOf(fake)).as("%s at %d", key, i).isEqualTo(classOf(real));
                    }
                }
            }
        });
        // the random part really changes: 200 decoys of one key are (all but surely) different
        assertThat(java.util.stream.IntStream.range(0, 200).mapToObj(i -> Decoys.of("SK0123456789abcdef0123456789abcdef"))
                .distinct().count()).isGreaterThan(190);
    }

    /**
     * A value with nothing to replace after its prefix once made {@link Decoys#of} loop for ever on a check thread
     * (4 such checks took the whole pool): every value now gets a decoy of its length, different from it, at once.
     */
    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aDecoyOfAShortOrOddValueIsStillNeverTheValueAndComesAtOnce() {
        // the README's own example keys (sk-..., sk-proj-...) once spun a check thread forever
        for (String value : List.of("a", "7", "ab", "A1", "x-y", "sk-1", "AIza0", "0", "__", "-", "x", "ab-", "sk-",
                "sk-proj-", "sk-proj-...", "sk-...", "sk-proj-!!!!!!!!", "key!!!!!", "AIza", "SK", "sk-ant-api03-", "é",
                "ключ-ключ", "sk-ключ")) {
            for (int round = 0; round < 50; round++) {
                assertThat(Decoys.of(value)).as(value).isNotEqualTo(value).hasSameSizeAs(value);
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Decoys.of(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyAShortCodeIsKeptNeverAKeyOrASentence() {
        Map<String, String> kept = new LinkedHashMap<>();
        kept.put("insufficient_quota", "insufficient_quota");
        kept.put("API_KEY_INVALID", "API_KEY_INVALID");
        kept.put("rate_limit_exceeded", "rate_limit_exceeded");
        kept.put("invalid-api-key", "invalid-api-key");
        kept.put("quota_exceeded", "quota_exceeded");
        kept.put("20003", "20003");
        kept.put("error.auth.invalid", "error.auth.invalid");
        kept.put("urn:code:1", "urn:code:1");
        kept.put("PERMISSION_DENIED", "PERMISSION_DENIED");
        kept.put("Unauthenticated", "Unauthenticated");
        kept.put("authentication_error", "authentication_error");
        kept.put("E1001", "E1001");
        kept.put("invalid_api_key", "invalid_api_key");
        kept.put("detail.quota_exceeded", "detail.quota_exceeded");
        kept.forEach((code, expected) -> assertThat(Verdict.safeCode(code)).as(code).isEqualTo(expected));

        List<String> dropped = List.of(
                "sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5",
                "Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5",
                "AIzaSyD3xQ7mK2pL9vR4tY6uW8zA1bC5dE0fG3hJ",
                "SK0123456789abcdef0123456789abcdef",
                "0123456789abcdef0123456789abcdef",
                "0123456789abcdef0123456789abcdef01234567",
                "abcdefabcdefabcdefabcdef",
                "0123456789abcdef",
                "3f2b9c1e-7a4d-4e8f-9b6a-2c1d0e9f8a7b",
                "sk_3f2b9c1e_7a4d4e8f9b6a",
                "Incorrect API key provided: sk-proj-abc",
                "You exceeded your current quota",
                "bad\nline",
                "code\"with'quotes",
                "x".repeat(Verdict.CODE_MAX + 1),
                "",
                "ключ");
        for (String code : dropped) {
            assertThat(Verdict.safeCode(code)).as(code).isNull();
            assertThat(new Verdict(CheckResult.INVALID_KEY, code).code()).as(code).isNull();
        }
        assertThat(Verdict.safeCode(null)).isNull();
    }
}
