package dev.keyhouse.settings;

import java.util.Optional;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/** Seeds the llm setting at start from OPENAI_API_KEY, ANTHROPIC_API_KEY or DEEPSEEK_API_KEY (first set wins). */
@Singleton
public class ProviderBootstrap {

    /** A host variable, the provider it stands for and the model a fresh setting starts with. */
    record Seed(String variable, String provider, String model, Optional<String> key) {
        @Override
        public String toString() {
            return "Seed[" + variable + "]";
        }
    }

    private final BootstrapConfig config;
    private final ProviderSettings settings;

    public ProviderBootstrap(BootstrapConfig config, ProviderSettings settings) {
        this.config = config;
        this.settings = settings;
    }

    void onStart(@Observes StartupEvent event) {
        seed();
    }

    /** Seeds llm from the first variable set, unless llm is configured; returns whether it did. */
    public boolean seed() {
        return chosen(config)
                .map(seed -> settings.bootstrapLlm(seed.variable(), seed.provider(), seed.model(), seed.key().get()))
                .orElse(false);
    }

    /** The seed of the first variable set (non-blank), in the order OpenAI, Anthropic, DeepSeek. */
    static Optional<Seed> chosen(BootstrapConfig config) {
        Seed[] seeds = {
            new Seed("OPENAI_API_KEY", "openai", "gpt-4o-mini", config.openaiApiKey()),
            new Seed("ANTHROPIC_API_KEY", "anthropic", "claude-3-5-haiku-latest", config.anthropicApiKey()),
            new Seed("DEEPSEEK_API_KEY", "deepseek", "deepseek-chat", config.deepseekApiKey()),
        };
        for (Seed seed : seeds) {
            Optional<String> key = seed.key().filter(k -> !k.isBlank());
            if (key.isPresent()) {
                return Optional.of(new Seed(seed.variable(), seed.provider(), seed.model(), key));
            }
        }
        return Optional.empty();
    }
}
