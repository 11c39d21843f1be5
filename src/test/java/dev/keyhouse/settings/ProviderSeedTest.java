package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which host variable seeds the llm setting, and as which provider (OPENAI_API_KEY itself: ProviderBootstrapTest). */
class ProviderSeedTest {

    @Test
    void anthropicApiKeySeedsAnAnthropicSetting() {
        ProviderBootstrap.Seed seed = ProviderBootstrap.chosen(SeedVariables.of(null, "sk-ant-test", "sk-ds-test")).orElseThrow();
        assertThat(seed.variable()).isEqualTo("ANTHROPIC_API_KEY");
        assertThat(seed.provider()).isEqualTo("anthropic");
        assertThat(seed.key()).contains("sk-ant-test");
    }

    @Test
    void deepseekApiKeySeedsADeepseekSetting() {
        ProviderBootstrap.Seed seed = ProviderBootstrap.chosen(SeedVariables.of(" ", null, "sk-ds-test")).orElseThrow();
        assertThat(seed.variable()).isEqualTo("DEEPSEEK_API_KEY");
        assertThat(seed.provider()).isEqualTo("deepseek");
        assertThat(seed.key()).contains("sk-ds-test");
    }

    @Test
    void openAiWinsAndNothingSetSeedsNothing() {
        assertThat(ProviderBootstrap.chosen(SeedVariables.of("sk-oa", "sk-ant", "sk-ds")).orElseThrow().provider())
                .isEqualTo("openai");
        assertThat(ProviderBootstrap.chosen(SeedVariables.of(null, "", null))).isEmpty();
    }
}
