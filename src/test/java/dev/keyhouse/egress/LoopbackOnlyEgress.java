package dev.keyhouse.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The {@link Egress} of every Quarkus test: the application's policy, but names resolve without DNS, and only
 * {@code localhost} resolves (to 127.0.0.1). Tests send traffic to loopback only; a save that checks a key with a
 * provider's real host (api.openai.com) sees it as unreachable, and no packet, not even a DNS query, leaves the
 * machine. Address literals need no lookup and are checked by the policy as in production.
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
        if ("localhost".equals(name.toLowerCase(Locale.ROOT))) {
            return new InetAddress[] {InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1})};
        }
        throw new UnknownHostException(name + ": tests resolve no name but localhost");
    }
}
