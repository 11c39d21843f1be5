package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The seed itself, plain JUnit: a {@code vault:} reference in a seed variable (the pre-start check refuses it first)
 * seeds nothing and throws nothing out of start-up; the next variable is not taken instead.
 */
class ProviderBootstrapSeedTest {

    @Test
    void aVaultReferenceSeedsNothingAndDoesNotThrow() {
        for (String reference : List.of("vault:secret/llm#openai_key", "vault:secret/llm#openai_key?version=3",
                " VAULT:secret/llm#openai_key ", "vault:broken")) {
            assertThat(ProviderBootstrap.chosen(SeedVariables.of(reference, "sk-ant-valid-0123456789", null)))
                    .as("OPENAI_API_KEY=" + reference).isEmpty();
            assertThat(ProviderBootstrap.chosen(SeedVariables.of(null, reference, "sk-deepseek-0123456789")))
                    .as("ANTHROPIC_API_KEY=" + reference).isEmpty();
            assertThat(ProviderBootstrap.chosen(SeedVariables.of(null, null, reference)))
                    .as("DEEPSEEK_API_KEY=" + reference).isEmpty();
        }
        assertThat(ProviderBootstrap.chosen(SeedVariables.of("sk-proj-0123456789abcdef", null, null)))
                .get().hasToString("Seed[OPENAI_API_KEY]");
        assertThat(ProviderBootstrap.vaultReferenceRefusal("OPENAI_API_KEY")).isEqualTo("OPENAI_API_KEY holds a"
                + " vault: reference, which cannot seed the llm setting (a seed takes the key itself): unset"
                + " OPENAI_API_KEY and save the reference as the llm setting's API key at /admin/settings or with PUT"
                + " /api/v1/settings/llm");
    }
}
