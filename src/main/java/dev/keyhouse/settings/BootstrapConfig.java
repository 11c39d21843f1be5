package dev.keyhouse.settings;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * Host variables that seed the {@code llm} setting on first start, when it was never configured. The first one
 * set, in this order, wins; after that the setting lives in Keyhouse and these are ignored.
 */
@ConfigMapping(prefix = "keyhouse.bootstrap")
public interface BootstrapConfig {

    /** OPENAI_API_KEY: seeds llm as provider openai. */
    Optional<String> openaiApiKey();

    /** ANTHROPIC_API_KEY: seeds llm as provider anthropic. */
    Optional<String> anthropicApiKey();

    /** DEEPSEEK_API_KEY: seeds llm as provider deepseek. */
    Optional<String> deepseekApiKey();
}
