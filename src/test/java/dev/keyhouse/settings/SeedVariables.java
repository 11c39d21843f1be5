package dev.keyhouse.settings;

import java.util.Optional;

/** The seed variables as a host sets them (OPENAI_API_KEY, ANTHROPIC_API_KEY, DEEPSEEK_API_KEY); null is unset. */
final class SeedVariables {

    private SeedVariables() {
    }

    static BootstrapConfig of(String openai, String anthropic, String deepseek) {
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
}
