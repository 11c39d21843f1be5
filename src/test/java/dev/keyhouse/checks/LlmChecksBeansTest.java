package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.settings.ProviderKind;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** The running app finds a check for every LLM provider in {@link ProviderKind#LLM}: each is a bean ProviderChecks sees. */
@QuarkusTest
class LlmChecksBeansTest {

    private static final Map<String, Class<?>> EXPECTED = Map.of("openai", OpenAiCheck.class, "custom",
            OpenAiCheck.class, "anthropic", AnthropicCheck.class, "google", GoogleCheck.class, "openrouter",
            OpenRouterCheck.class, "deepseek", DeepSeekCheck.class);

    @Inject
    ProviderChecks checks;

    @Test
    void everyLlmProviderHasItsCheck() {
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrderElementsOf(ProviderKind.LLM.providers());
        for (String provider : ProviderKind.LLM.providers()) {
            ProviderCheck check = checks.checkFor(ProviderKind.LLM, provider).orElseThrow(
                    () -> new AssertionError("no check for llm/" + provider));
            // a client proxy subclasses the bean class
            assertThat(check).as(provider).isInstanceOf(EXPECTED.get(provider));
            assertThat(check.kind()).isEqualTo(ProviderKind.LLM);
            assertThat(check.providers()).contains(provider);
            assertThat(check.proves()).as(provider).isNotBlank();
        }
    }
}
