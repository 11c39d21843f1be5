package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Which host variable seeds the llm setting, and as which provider (OPENAI_API_KEY itself: ProviderBootstrapTest). */
class ProviderSeedTest {

    private static BootstrapConfig config(String openai, String anthropic, String deepseek) {
        return new BootstrapConfig() {
            @Override
            public Optional<String> openaiApiKey() {
                return Optional.ofNullable(openai);
            }

            @Override
            public Optional<String> anthropicApiKey() {
                return Optional.ofNullable(anthropic);
            }

            @Override
            public Optional<String> deepseekApiKey() {
                return Optional.ofNullable(deepseek);
            }
        };
    }

    @Test
    void anthropicApiKeySeedsAnAnthropicSetting() {
        ProviderBootstrap.Seed seed = ProviderBootstrap.chosen(config(null, "sk-ant-test", "sk-ds-test")).orElseThrow();
        assertThat(seed.variable()).isEqualTo("ANTHROPIC_API_KEY");
        assertThat(seed.provider()).isEqualTo("anthropic");
        assertThat(seed.key()).contains("sk-ant-test");
    }

    @Test
    void deepseekApiKeySeedsADeepseekSetting() {
        ProviderBootstrap.Seed seed = ProviderBootstrap.chosen(config(" ", null, "sk-ds-test")).orElseThrow();
        assertThat(seed.variable()).isEqualTo("DEEPSEEK_API_KEY");
        assertThat(seed.provider()).isEqualTo("deepseek");
        assertThat(seed.key()).contains("sk-ds-test");
    }

    @Test
    void openAiWinsAndNothingSetSeedsNothing() {
        assertThat(ProviderBootstrap.chosen(config("sk-oa", "sk-ant", "sk-ds")).orElseThrow().provider())
                .isEqualTo("openai");
        assertThat(ProviderBootstrap.chosen(config(null, "", null))).isEmpty();
    }
}
