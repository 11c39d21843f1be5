package dev.keyhouse.config;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.EnvConfigSource;

/**
 * The working directory's {@code .env} as {@link EnvFileDialect} reads it, one ordinal above SmallRye's own
 * {@code .env} source (295, Java properties rules: it would keep the quotes of {@code NAME="value"} and miss
 * {@code export NAME=value}), below the process environment (300). Names map to properties as environment variables
 * do. Lines the dialect refuses set nothing here; the start-up check stops Keyhouse on them.
 */
public final class DotEnvConfigSourceFactory implements ConfigSourceFactory {

    /** SmallRye's {@code .env} source's ordinal plus one. */
    static final int ORDINAL = 296;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        Map<String, String> values = DotEnvFile.inWorkingDirectory().read();
        return List.of(new EnvConfigSource(values, ORDINAL) {
            @Override
            public String getName() {
                return ".env (Keyhouse env-file dialect)";
            }
        });
    }
}
