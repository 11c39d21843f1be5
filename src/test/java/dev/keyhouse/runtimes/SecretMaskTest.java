package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.runtimes.command.EnvironmentFile;

/**
 * Each hard secret, written into text by an encoder other than the one {@link SecretForms} uses (Jackson's
 * ObjectMapper, a hand-written ASCII-only JSON escaper, {@link URLEncoder}, a Basic header, a Kubernetes Secret's
 * base64 data at every alignment, the env-file line Keyhouse writes), is masked in full: nothing of the secret's
 * recognisable runs is left.
 */
class SecretMaskTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"sk-plain-0123456789abcdef", "tts\\key\"with\\\"quotes", "a key with spaces+plus/slash=",
            "dollar$HOME`tick`#hash", "clé-ünïcødé-密钥-🔑", "x'y<z>&amp;", "%41%42-already-encoded", "ab+/cd=="})
    void everyEncodingOfAHardSecretIsMasked(String secret) throws Exception {
        List<String> texts = new ArrayList<>();
        texts.add("plain: " + secret + " end");
        texts.add(EnvironmentFile.render(order(secret)));
        texts.add(JSON.writeValueAsString(Map.of("error", "bad key " + secret)));
        texts.add("{\"detail\": \"" + asciiJson(secret) + "\"}");
        texts.add("GET /v1/voices?key=" + URLEncoder.encode(secret, StandardCharsets.UTF_8) + "&x=1");
        texts.add("path /keys/" + URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
        texts.add("url " + java.util.regex.Pattern.compile("%[0-9A-F]{2}").matcher(URLEncoder.encode(secret,
                StandardCharsets.UTF_8)).replaceAll(m -> m.group().toLowerCase(java.util.Locale.ROOT)));
        for (String prefix : List.of("", "A", "AC", "ACc", "AC0123456789abcdef:")) {
            byte[] bytes = (prefix + secret + "|tail").getBytes(StandardCharsets.UTF_8);
            texts.add("Authorization: Basic " + Base64.getEncoder().encodeToString(bytes));
            texts.add("data: {\"key\": \"" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "\"}");
        }
        texts.add(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        texts.add("{\"k\": \"" + JSON.writeValueAsString(secret).replace("/", "\\/") + "\"}");
        texts.add("<td>" + secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&#39;") + "</td>");

        for (String text : texts) {
            String masked = SecretMask.mask(text, List.of(secret));
            assertThat(masked).as("masked: " + text).contains(SecretMask.MASK);
            assertThat(masked).as("nothing of the secret left in: " + text).doesNotContain(secret);
            for (String form : SecretForms.of(secret, 4)) {
                assertThat(masked).as("form " + form + " left in: " + text).doesNotContain(form);
            }
        }
    }

    /**
     * Breaker b20 H1: a runtime answering with the key split by a tag ({@code FIRST<b></b>SECOND}) had it shown whole,
     * a space inserted, in the run's error; split by a line break or a space, folded, escaped in part ({@code %2D},
     * {@code \\u002d}, {@code &#45;}) or cut short it passed too. Each is masked: no run of
     * {@value SecretFragments#FRAGMENT} letters and digits of the key is left, whatever sits between them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "0123456789abcdef0123456789abcdef",
            "tts-key_with.dots-and-dashes-9f8e7d6c5b4a"})
    void aSecretSplitFoldedEscapedInPartOrCutShortIsMasked(String secret) {
        int half = secret.length() / 2;
        String first = secret.substring(0, half);
        String second = secret.substring(half);
        List<String> texts = List.of("<p>" + first + "<b></b>" + second + "</p>", first + "\n" + second,
                first + " " + second, String.join("\n", secret.split("(?<=\\G.{7})")),
                secret.replace("-", "%2D"), secret.replace("-", "\\u002d"), secret.replace("-", "&#45;"),
                "{\"detail\": \"" + first + "\\n" + second + "\"}", "A: " + secret.substring(0, secret.length() * 2 / 3)
                        + "…", "A: …" + secret.substring(secret.length() / 3),
                // breaker bmask: upper- or lower-cased, and reversed (rev)
                "A: " + secret.toUpperCase(java.util.Locale.ROOT), "A: " + secret.toLowerCase(java.util.Locale.ROOT),
                "A: " + new StringBuilder(secret).reverse());
        for (String text : texts) {
            String masked = SecretMask.mask(text, List.of(secret));
            assertThat(masked).as("masked: " + text).contains(SecretMask.MASK);
            String left = masked.replace(SecretMask.MASK, "|").replaceAll("[^\\p{L}\\p{N}|]", "");
            String letters = secret.replaceAll("[^\\p{L}\\p{N}]", "").toLowerCase(java.util.Locale.ROOT);
            String shown = left.toLowerCase(java.util.Locale.ROOT);
            String reversed = new StringBuilder(shown).reverse().toString();
            for (int i = 0; i + SecretFragments.FRAGMENT <= letters.length(); i++) {
                String run = letters.substring(i, i + SecretFragments.FRAGMENT);
                assertThat(shown).as("a run of the key left in: " + masked).doesNotContain(run);
                assertThat(reversed).as("a reversed run of the key left in: " + masked).doesNotContain(run);
            }
        }
    }

    /**
     * Two secrets sharing a run ({@code held-<tag>}), masked one after the other as a driver's mask and then the held
     * secrets' mask are: the first mask's fragment of the run must not leave the rest of the second secret beside it
     * ("shared-[masked]-7f3a9c1e5d"), where the second mask's exact forms no longer match. The whole token goes.
     */
    @org.junit.jupiter.api.Test
    void aFragmentSharedWithAnotherSecretMasksTheWholeToken() {
        String first = "webhook-held-4f2a9b7c-0123456789";
        String second = "shared-held-4f2a9b7c-7f3a9c1e5d";
        String text = "<p>debug dump " + second + " end</p> LLM_API_KEY=" + first;
        String masked = SecretMask.mask(SecretMask.mask(text, List.of(first)), List.of(second));
        assertThat(masked).isEqualTo("<p>debug dump [masked] end</p> LLM_API_KEY=[masked]");
    }

    /**
     * A secret that spells the name of a variable Keyhouse writes ({@code twilio-api-secret-…}, case folded the same
     * letters as {@code TWILIO_API_SECRET}) masks its value in every line, but never the names: a name is public, and
     * an operator must see which variable held what (the CI failure of fc2f000: "[masked]=[masked]").
     */
    @org.junit.jupiter.api.Test
    void aSecretSpellingAVariableNameLeavesTheNameShown() {
        String secret = "twilio-api-secret-5f1c2e-0c9d";
        String text = "TWILIO_API_KEY=SK01\nTWILIO_API_SECRET=" + secret + "\nTWILIO_AUTH_TOKEN=x\n"
                + "echo TWILIO-API-SECRET-5F1C2E-0C9D and LLM_API_KEY";
        assertThat(SecretMask.mask(text, List.of(secret))).isEqualTo("TWILIO_API_KEY=SK01\nTWILIO_API_SECRET=[masked]"
                + "\nTWILIO_AUTH_TOKEN=x\necho [masked] and LLM_API_KEY");
    }

    /**
     * A runtime's name is masked by the exact forms only (breaker b9 H2, and the local CI of f24456c): a name sharing
     * a 12-letter run with a key is left whole, a name carrying the key is masked.
     */
    @org.junit.jupiter.api.Test
    void theExactMaskLeavesANameSharingARunWithAKeyAndMasksTheKey() {
        String key = "sk-failclosed-ack-new-4f1c2e9a-0c9d";
        java.util.function.UnaryOperator<String> names = SecretMask.exactMasker(List.of(key));
        assertThat(names.apply("failclosed-ack-ceff68ea")).isEqualTo("failclosed-ack-ceff68ea");
        assertThat(names.apply("q-" + key)).isEqualTo("q-[masked]");
        assertThat(SecretMask.mask("failclosed-ack-ceff68ea", List.of(key))).as("the full mask would garble it")
                .isEqualTo("[masked]");
    }

    /** Text that shares no run of 12 letters and digits with a secret is left as it is, escapes and all. */
    @org.junit.jupiter.api.Test
    void ordinaryTextAndShortSharedRunsAreLeftAlone() {
        String secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        String text = "<p>HTTP 501 Not Implemented</p> path=%2Fv1%2Fmodels \\u00e9t\\u00e9 &amp; sk-proj-AbCd"
                + " 0123456789";
        assertThat(SecretMask.mask(text, List.of(secret))).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tts\\key\"it's\\\"quoted", "clé ünïcødé-密钥-🔑"})
    void theEnvFileLineKeyhouseWritesIsMaskedWhole(String secret) {
        String file = EnvironmentFile.render(order(secret));
        assertThat(SecretMask.mask(file, List.of(secret))).containsPattern("\nTTS_API_KEY=([\"']?)"
                + java.util.regex.Pattern.quote(SecretMask.MASK) + "\\1\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "en"})
    void valuesTooShortToProtectAnythingLeaveTheTextAlone(String value) {
        String text = "engine started: abc en";
        assertThat(SecretMask.mask(text, List.of(value))).isEqualTo(text);
    }

    private static RestartOrder order(String secret) {
        return new RestartOrder(7, 3, Map.of("TTS_API_KEY", secret), Set.of("TTS_API_KEY"), Instant.now());
    }

    /** JSON with every non-ASCII UTF-16 unit as a lower-case backslash-u escape, as Python's json.dumps writes it. */
    private static String asciiJson(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
