package dev.keyhouse.checks;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.keyhouse.egress.Egress;
import dev.keyhouse.egress.EgressPolicy;
import dev.keyhouse.settings.ProviderKind;

/** Test fixtures: {@link ProviderChecks} that may reach loopback only, and targets built from field pairs. */
public final class Checks {

    /** Loopback listed, as the stand-ins run on it; no DNS: a name resolves to nothing. */
    public static final Egress LOOPBACK = new Egress(EgressPolicy.parse("127.0.0.1,::1"), name -> {
        throw new java.net.UnknownHostException(name);
    });

    /** The timeout of one call in these tests: short, so that a SLOW stand-in shows as unreachable quickly. */
    public static final Duration TIMEOUT = Duration.ofSeconds(1);

    private Checks() {
    }

    /** Checks that run {@code checks} against loopback with {@link #TIMEOUT}. */
    public static ProviderChecks of(ProviderCheck... checks) {
        return new ProviderChecks(List.of(checks), LOOPBACK, TIMEOUT);
    }

    /** A target from alternating field names and values; {@code secrets} names the secret fields among them. */
    public static CheckTarget target(ProviderKind kind, String provider, Set<String> secrets, String... pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return new CheckTarget(kind, provider, values, secrets);
    }
}
