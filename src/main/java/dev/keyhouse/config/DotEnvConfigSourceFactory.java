package dev.keyhouse.config;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.PropertiesConfigSource;

/**
 * The working directory's {@code .env} as {@link EnvFileDialect} reads it, one ordinal above SmallRye's own
 * {@code .env} source (295, Java properties rules: it would keep the quotes of {@code NAME="value"} and miss
 * {@code export NAME=value}), below the process environment (300). Names are taken exactly, as a shell, systemd and
 * Compose take them: {@code http_port} is not {@code HTTP_PORT} (SmallRye's environment sources would match it
 * regardless of case, past the start-up check). Lines the dialect refuses set nothing here; the start-up check stops
 * Keyhouse on them.
 */
public final class DotEnvConfigSourceFactory implements ConfigSourceFactory {

    /** SmallRye's {@code .env} source's ordinal plus one. */
    static final int ORDINAL = 296;
    /** The source's name; the Environment page reads it as source ".env file". */
    public static final String NAME = ".env (Keyhouse env-file dialect)";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        Map<String, String> values = DotEnvFile.inWorkingDirectory().read();
        return List.of(new PropertiesConfigSource(values, NAME, ORDINAL));
    }
}
