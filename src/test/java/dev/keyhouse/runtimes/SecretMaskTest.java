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
