package dev.keyhouse.vault;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A {@link VaultStandIn} for a test profile: started before the application, so {@code VAULT_ADDR} and
 * {@code VAULT_TOKEN} (a service token of the stand-in, not its root token) are in the configuration from the start,
 * and stopped after it. The profile's tests reach it through {@link #vault()} and {@link #token()}.
 */
public class VaultStandInResource implements QuarkusTestResourceLifecycleManager {

    private static volatile VaultStandIn vault;
    private static volatile String token;

    /** The running stand-in; fails when the profile did not start it. */
    public static VaultStandIn vault() {
        if (vault == null) {
            throw new IllegalStateException("no Vault stand-in: the test profile must list VaultStandInResource");
        }
        return vault;
    }

    /** The token Keyhouse reads with (VAULT_TOKEN). */
    public static String token() {
        vault();
        return token;
    }

    @Override
    public Map<String, String> start() {
        vault = VaultStandIn.start();
        token = vault.issueToken();
        return Map.of("keyhouse.vault.address", vault.address(), "keyhouse.vault.token", token);
    }

    @Override
    public void stop() {
        if (vault != null) {
            vault.close();
        }
    }
}
