package dev.keyhouse.web;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * Turns TRUSTED_PROXIES ({@code keyhouse.http.trusted-proxies}, mapped in {@code application.properties}) into
 * Quarkus' forwarded-header settings: when it lists any proxy, {@code quarkus.http.proxy.proxy-address-forwarding}
 * and {@code allow-x-forwarded} are on and {@code trusted-proxies} is that list (see {@link TrustedProxies}), so the
 * client address and scheme come from {@code X-Forwarded-For} / {@code X-Forwarded-Proto} only when the connection
 * comes from one of them; when it is empty, forwarding stays off and the headers are ignored from everyone.
 */
public class ProxyConfigSourceFactory implements ConfigSourceFactory {

    static final String TRUSTED = "keyhouse.http.trusted-proxies";
    /** Above application.properties (250), below environment variables (300) and system properties (400). */
    private static final int ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue value = context.getValue(TRUSTED);
        List<String> ranges = TrustedProxies.ranges(value == null ? null : value.getValue());
        Map<String, String> properties = ranges.isEmpty()
                ? Map.of("quarkus.http.proxy.proxy-address-forwarding", "false")
                : Map.of(
                        "quarkus.http.proxy.proxy-address-forwarding", "true",
                        "quarkus.http.proxy.allow-x-forwarded", "true",
                        "quarkus.http.proxy.allow-forwarded", "false",
                        "quarkus.http.proxy.enable-forwarded-host", "false",
                        "quarkus.http.proxy.enable-forwarded-prefix", "false",
                        "quarkus.http.proxy.trusted-proxies", String.join(",", ranges));
        return List.of(new MapBackedConfigSource("KeyhouseProxyConfigSource", properties, ORDINAL) {
        });
    }
}
