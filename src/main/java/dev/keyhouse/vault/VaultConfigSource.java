package dev.keyhouse.vault;

import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Keyhouse's own variables from Vault as a configuration source ({@link VaultBootstrap}), ordinal 280: below the
 * process environment (300) and {@code .env} (295, 296), above {@code application.properties} (250), so a
 * {@code ${VAR:default}} there finds a Vault value before its default. A plain source (not a factory) so that the
 * factories that build on the variables (the database choice, the development keys) see its values.
 *
 * <p>When Vault is configured but cannot be read the source refuses to build, with the start-up check's message: the
 * packaged application reports it before Quarkus starts, this covers dev mode. {@link #getProperties()} is empty so no
 * tool can dump the values; {@link #getValue} answers by name.
 */
public final class VaultConfigSource implements ConfigSource {

    /** Between {@code .env} (295) and {@code application.properties} (250). */
    public static final int ORDINAL = 280;
    /** Source names begin with this; the Environment page reads it as source {@code vault}. */
    public static final String NAME_PREFIX = "vault ";

    private final VaultBootstrap.Loaded loaded;

    /** For the service loader: reads the host's {@code VAULT_*} settings and the secret (once per process). */
    public VaultConfigSource() {
        this(VaultBootstrap.loadFromHost());
    }

    VaultConfigSource(VaultBootstrap.Loaded loaded) {
        if (!loaded.problems().isEmpty()) {
            throw new IllegalStateException("Keyhouse cannot read its configuration from Vault: "
                    + String.join("; ", loaded.problems()));
        }
        this.loaded = loaded;
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.of();
    }

    @Override
    public Set<String> getPropertyNames() {
        return loaded.values().keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return loaded.values().get(propertyName);
    }

    @Override
    public String getName() {
        return NAME_PREFIX + loaded.secret().map(s -> s.path().dataPath() + " (KV v2, version " + s.version() + ")")
                .orElse("(no VAULT_KV_PATH)");
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
