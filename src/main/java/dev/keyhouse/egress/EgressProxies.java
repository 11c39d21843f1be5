package dev.keyhouse.egress;

import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The {@link EgressProxy} bean, from {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} (properties
 * {@code keyhouse.egress.https-proxy}, {@code .http-proxy}, {@code .no-proxy}). Start-up has checked them
 * ({@link dev.keyhouse.config.StartupCheck}); the {@link Egress} bean itself stays direct, only provider key checks
 * use this.
 */
@Singleton
public class EgressProxies {

    /** @throws IllegalArgumentException naming the variable (never its value) when one is malformed */
    @Produces
    @Singleton
    EgressProxy proxy(@ConfigProperty(name = "keyhouse.egress.https-proxy") Optional<String> httpsProxy,
            @ConfigProperty(name = "keyhouse.egress.http-proxy") Optional<String> httpProxy,
            @ConfigProperty(name = "keyhouse.egress.no-proxy") Optional<String> noProxy) {
        return EgressProxy.of(httpsProxy.orElse(null), httpProxy.orElse(null), noProxy.orElse(null));
    }
}
