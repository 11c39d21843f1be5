package dev.keyhouse.web;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * Turns CORS_ORIGINS, CORS_LAN_IP (as {@code keyhouse.cors.origins} and {@code keyhouse.cors.lan-ip}, which
 * {@code application.properties} maps from them) and HTTP_PORT (default 8080) into the origin list of Quarkus'
 * own CORS filter, {@code quarkus.http.cors.origins}; see {@link CorsOrigins}.
 */
public class CorsConfigSourceFactory implements ConfigSourceFactory {

    static final String ORIGINS = "keyhouse.cors.origins";
    static final String LAN_IP = "keyhouse.cors.lan-ip";
    /**
     * The variable itself, not {@code quarkus.http.port}: Quarkus' test framework publishes the port it bound as
     * system properties of that family, and one left behind by an earlier application (an HTTPS test profile) would
     * otherwise become the origins' port.
     */
    static final String PORT = "HTTP_PORT";
    static final String FILTER_ORIGINS = "quarkus.http.cors.origins";
    /** Above application.properties (250), below environment variables (300) and system properties (400). */
    private static final int ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<String> allowed = CorsOrigins.allowed(text(context, ORIGINS), text(context, LAN_IP), port(context));
        return List.of(new MapBackedConfigSource("KeyhouseCorsConfigSource",
                Map.of(FILTER_ORIGINS, String.join(",", allowed)), ORDINAL) {
        });
    }

    private static int port(ConfigSourceContext context) {
        try {
            return Integer.parseInt(text(context, PORT).strip());
        } catch (RuntimeException e) {
            return 8080;
        }
    }

    private static String text(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null ? null : value.getValue();
    }
}
