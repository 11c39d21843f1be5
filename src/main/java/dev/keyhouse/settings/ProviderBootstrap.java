package dev.keyhouse.settings;

import java.util.Optional;

import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import dev.keyhouse.vault.VaultReference;

/**
 * Seeds the llm setting at start from OPENAI_API_KEY, ANTHROPIC_API_KEY or DEEPSEEK_API_KEY (first set wins). The
 * key is cleaned by the same rules as a key typed into the form or sent over REST; one that breaks them stops
 * start-up with a message naming the variable, never the value. A {@code vault:} reference is no key to seed with
 * (only a saved setting holds one, pinned at save): the pre-start check refuses it ({@code StartupCheck}); should one
 * get here all the same, it seeds nothing and start-up goes on, with an error in the log naming the variable.
 */
@Singleton
public class ProviderBootstrap {

    private static final Logger LOG = Logger.getLogger(ProviderBootstrap.class);

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

    /**
     * Seeds llm from the first variable set, unless llm is configured; returns whether it did.
     *
     * @throws IllegalStateException naming the variable when its value breaks the rules for a secret, whether or
     *         not llm is configured: nothing is saved and start-up stops
     */
    public boolean seed() {
        return chosen(config)
                .map(seed -> settings.bootstrapLlm(seed.variable(), seed.provider(), seed.model(), seed.key().get()))
                .orElse(false);
    }

    /**
     * The seed of the first variable set (non-blank), in the order OpenAI, Anthropic, DeepSeek, its key cleaned by the
     * rules for a secret.
     *
     * @throws IllegalStateException naming the first variable whose value breaks those rules
     */
    static Optional<Seed> chosen(BootstrapConfig config) {
        Seed[] seeds = {
            new Seed("OPENAI_API_KEY", "openai", "gpt-4o-mini", config.openaiApiKey()),
            new Seed("ANTHROPIC_API_KEY", "anthropic", "claude-3-5-haiku-latest", config.anthropicApiKey()),
            new Seed("DEEPSEEK_API_KEY", "deepseek", "deepseek-chat", config.deepseekApiKey()),
        };
        for (Seed seed : seeds) {
            FieldRules.Cleaned key = FieldRules.clean(FieldType.SECRET, seed.key().orElse(null));
            if (VaultReference.isReference(seed.key().map(String::strip).orElse(null))) {
                // belt and braces: StartupCheck refuses it before Quarkus starts; never a stack trace out of start-up
                LOG.error(vaultReferenceRefusal(seed.variable()) + "; nothing is seeded");
                return Optional.empty();
            }
            if (!key.ok()) {
                throw new IllegalStateException(refusal(seed.variable(), key.problem()));
            }
            if (key.value() != null) {
                return Optional.of(new Seed(seed.variable(), seed.provider(), seed.model(), Optional.of(key.value())));
            }
        }
        return Optional.empty();
    }

    /**
     * What the start-up check says of a seed variable holding a {@code vault:} reference (pinned or not), one line:
     * a seed takes the key itself; a reference is saved as a setting, where the save pins and checks it.
     */
    public static String vaultReferenceRefusal(String variable) {
        return variable + " holds a vault: reference, which cannot seed the llm setting (a seed takes the key itself):"
                + " unset " + variable + " and save the reference as the llm setting's API key at /admin/settings or"
                + " with PUT /api/v1/settings/llm";
    }

    /** The start-up message for a seed variable whose value breaks the rules; {@code problem} never quotes it. */
    static String refusal(String variable, String problem) {
        return variable + " cannot seed the llm setting: " + problem + ". Keyhouse does not start with it:"
                + " correct the variable (its value is not shown) or unset it.";
    }
}
