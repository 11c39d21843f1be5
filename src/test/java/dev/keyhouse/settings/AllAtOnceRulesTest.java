package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.web.FieldErrors;

/**
 * Issue 20, point 7, without a server: an empty or multiply wrong submission of each kind is refused naming every
 * field at fault at once; the key is named even while the provider is missing or refused, not on a later submit.
 */
class AllAtOnceRulesTest {

    private static List<String> refused(ProviderKind kind, Map<String, String> input) {
        try {
            SettingRules.check(kind, input, new SettingValues());
        } catch (FieldErrors e) {
            return e.errors().stream().map(f -> f.field() + ": " + f.message()).toList();
        }
        throw new AssertionError("accepted: " + input.keySet());
    }

    private static Map<String, String> empty(ProviderKind kind) {
        Map<String, String> input = new LinkedHashMap<>();
        kind.fields().forEach(f -> input.put(f.json(), ""));
        return input;
    }

    /**
     * Issue 19's breaker: a key with a control or invisible character was refused as "looks like a masked key".
     * The character is the fault, named with its code point and position, whatever else the key looks like.
     */
    @Test
    void aKeyWithAControlOrInvisibleCharacterIsRefusedNamingTheCharacterNotAsMasked() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("sk-live-0123\u0007456789", "control character U+0007");
        keys.put("sk-****\u0000stuv", "control character U+0000");
        keys.put("REDACTED\u001b[0m", "control character U+001B");
        keys.put("sk-proj-...\u007fstuv", "control character U+007F");
        keys.put("xxxxxxxx\u0085", "control character U+0085");
        keys.put("sk-\u200bproj-0123456789", "invisible character U+200B");
        for (Map.Entry<String, String> key : keys.entrySet()) {
            Map<String, String> input = new LinkedHashMap<>(Map.of("provider", "openai", "model", "gpt-4o-mini"));
            input.put("apiKey", key.getKey());
            assertThat(refused(ProviderKind.LLM, input)).as(key.getValue()).singleElement().asString()
                    .startsWith("apiKey: " + key.getValue()).doesNotContain("masked");
        }
    }

    /**
     * Issue 19's breaker: a value no env-file line can hold (' or \\ together with $ or a backtick) was saved, and then
     * runtime-config's env answer and every target's environment file failed for the whole fleet. Every field is
     * served as an environment variable, so such a value is refused at save, naming its field.
     */
    @Test
    void aValueNoEnvironmentFileCanHoldIsRefusedAtSaveNamingItsField() {
        Map<String, String> stt = new LinkedHashMap<>(Map.of("provider", "deepgram", "model", "a'b$c`d\\e",
                "apiKey", "dg-env-0123456789abcdef"));
        assertThat(refused(ProviderKind.STT, stt)).singleElement().asString()
                .startsWith("model: cannot be served as an environment variable: it holds ' or");
        Map<String, String> tracing = new LinkedHashMap<>(Map.of("endpoint", "https://otlp.example.com:4318",
                "protocol", "grpc", "headers", "a=b,c=d$e'f"));
        assertThat(refused(ProviderKind.TRACING, tracing)).singleElement().asString()
                .startsWith("headers: cannot be served as an environment variable");
        Map<String, String> key = new LinkedHashMap<>(Map.of("provider", "openai", "model", "gpt-4o-mini",
                "apiKey", "sk-'quoted'-$HOME-0123456789"));
        assertThat(refused(ProviderKind.LLM, key)).singleElement().asString()
                .startsWith("apiKey: cannot be served as an environment variable").doesNotContain("$HOME");
    }

    @Test
    void anEmptyLanguageModelFormNamesProviderModelAndKeyAtOnce() {
        assertThat(refused(ProviderKind.LLM, empty(ProviderKind.LLM))).containsExactly(
                "provider: is required: one of " + String.join(", ", ProviderKind.LLM.providers()),
                "model: is required", "apiKey: is required unless the provider is custom");
    }

    @Test
    void aRefusedProviderDoesNotHideTheMissingKeyOrABadUrl() {
        Map<String, String> input = empty(ProviderKind.STT);
        input.put("provider", "nosuch");
        input.put("baseUrl", "not a url");
        assertThat(refused(ProviderKind.STT, input)).extracting(e -> e.substring(0, e.indexOf(':')))
                .containsExactlyInAnyOrder("provider", "model", "baseUrl", "apiKey");
    }

    @Test
    void aCustomProviderNeedsNoKeyButEveryOtherFieldIsNamed() {
        Map<String, String> input = empty(ProviderKind.TTS);
        input.put("provider", "custom");
        assertThat(refused(ProviderKind.TTS, input)).containsExactlyInAnyOrder("voice: is required",
                "baseUrl: is required");
    }

    @Test
    void fleetKindsNameEveryMissingSecretWithTheirFields() {
        assertThat(refused(ProviderKind.LIVEKIT, empty(ProviderKind.LIVEKIT)))
                .extracting(e -> e.substring(0, e.indexOf(':')))
                .containsExactlyInAnyOrder("url", "apiKey", "apiSecret");
        assertThat(refused(ProviderKind.STORAGE, empty(ProviderKind.STORAGE)))
                .extracting(e -> e.substring(0, e.indexOf(':'))).contains("bucket", "accessKey", "secretKey");
    }
}
