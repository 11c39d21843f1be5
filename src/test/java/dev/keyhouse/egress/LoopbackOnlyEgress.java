package dev.keyhouse.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The {@link Egress} of every {@code @QuarkusTest}: the configured policy as in production, but no host name is
 * resolved except {@code localhost} (from the hosts file), so no test can send anything, not even a DNS query, to a
 * provider's public host. A save of a setting with a provider's default base URL (https://api.openai.com/v1) is
 * checked live on save: here that check is {@code unreachable} at once. Tests reach their stand-ins on 127.0.0.1.
 */
@Alternative
@Priority(1)
@Singleton
public class LoopbackOnlyEgress extends Egress {

    @Inject
    public LoopbackOnlyEgress(@ConfigProperty(name = "keyhouse.egress.allowed-hosts") Optional<String> allowedHosts) {
        super(EgressPolicy.parse(allowedHosts.orElse("")), LoopbackOnlyEgress::resolve);
    }

    static InetAddress[] resolve(String name) throws UnknownHostException {
        if ("localhost".equalsIgnoreCase(name)) {
            return InetAddress.getAllByName("localhost");
        }
        throw new UnknownHostException(name + ": tests resolve no host name but localhost");
    }
}
