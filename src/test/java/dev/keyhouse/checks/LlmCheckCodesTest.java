package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A provider that puts the key into the very fields a check reads its code from (error type, code, status, reason,
 * detail code, limit source) gets no code kept: every LLM key shape fails {@link LlmCheck#code(String)}, including the
 * short ones {@link Verdict} alone would let through ({@code sk-} and 32 hex, {@code AIza...}).
 */
class LlmCheckCodesTest {

    private static final List<String> KEYS = List.of("sk-0123456789abcdef0123456789abcdef",
            "AIzaSyAbCdEfGhIjKlMnOpQrStUvWxYz_1234567", "AIzaSyAbCdEfGhIjKlMnOpQrStUvWxYzaBcDeFg",
            "sk-proj-" + "Ab1".repeat(16), "sk-or-v1-" + "0a".repeat(32), "sk-ant-api03-" + "aB3_-".repeat(18) + "AA");

    @Test
    void aKeyInACodeFieldIsNeverTheCode() throws Exception {
        ProviderCall call = ProviderCall.get(URI.create("https://provider.example/v1/models"), Map.of());
        List<ProviderCheck> checks = List.of(new OpenAiCheck(), new AnthropicCheck(), new GoogleCheck(),
                new OpenRouterCheck(), new DeepSeekCheck());
        for (String key : KEYS) {
            ObjectNode body = new ObjectMapper().createObjectNode();
            ObjectNode error = body.putObject("error");
            error.put("type", key).put("code", key).put("status", key).put("message", key);
            error.putObject("details").put("error_code", key);
            error.putObject("metadata").put("limit_source", key);
            ObjectNode google = new ObjectMapper().createObjectNode();
            google.putObject("error").put("status", key).putArray("details").addObject()
                    .put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", key);
            for (ProviderCheck check : checks) {
                for (int status : new int[] {400, 401, 402, 403, 404, 429, 500, 529}) {
                    assertThat(String.valueOf(check.classify(call, status, body).code())).as(check + " " + status + " " + key)
                            .doesNotContain(key.substring(key.length() - 8));
                    assertThat(String.valueOf(check.classify(call, status, google).code())).as(check + " " + status + " " + key)
                            .doesNotContain(key.substring(key.length() - 8));
                }
            }
        }
    }

    @Test
    void theProvidersOwnCodesAreKept() {
        for (String code : new String[] {"invalid_api_key", "insufficient_quota", "unsupported_country_region_territory",
                "authentication_error", "enforced_spend_limit_reached", "API_KEY_INVALID", "RESOURCE_EXHAUSTED",
                "API_KEY_SERVICE_BLOCKED", "openrouter_credits", "requests"}) {
            assertThat(LlmCheck.code(code)).isEqualTo(code);
        }
        for (String notACode : new String[] {"Invalid API key", "sk-abc", "AIzaSyAbc", "api_key_2", "Mixed_Case",
                "", "a".repeat(25)}) {
            assertThat(LlmCheck.code(notACode)).as(notACode).isNull();
        }
    }
}
