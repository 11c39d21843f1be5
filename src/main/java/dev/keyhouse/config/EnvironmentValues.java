package dev.keyhouse.config;

import java.util.Map;
import java.util.Optional;

/**
 * Where each catalog variable's value comes from, in Quarkus's order: the process environment, then the
 * {@code .env} file in the working directory, then Vault ({@code VAULT_KV_PATH}), then the catalog default.
 */
public final class EnvironmentValues {

    /** Where a value came from, as the Environment page shows it. */
    public enum Source {
        ENVIRONMENT, DOTENV, VAULT, DEFAULT, UNSET
    }

    /** A variable's effective value and its origin; {@code value} is null when unset. */
    public record Resolved(EnvVar variable, String value, Source source) {
        public boolean isSet() {
            return value != null;
        }

        @Override
        public String toString() {
            // never the value: it may be a secret
            return variable.name() + " from " + source;
        }
    }

    private final Map<String, String> processEnvironment;
    private final Map<String, String> dotEnv;
    private final Map<String, String> vault;

    public EnvironmentValues(Map<String, String> processEnvironment, Map<String, String> dotEnv) {
        this(processEnvironment, dotEnv, Map.of());
    }

    /** @param vault the catalog variables read from Vault ({@code dev.keyhouse.vault.VaultBootstrap}) */
    public EnvironmentValues(Map<String, String> processEnvironment, Map<String, String> dotEnv,
            Map<String, String> vault) {
        this.processEnvironment = Map.copyOf(processEnvironment);
        this.dotEnv = Map.copyOf(dotEnv);
        this.vault = Map.copyOf(vault);
    }

    public Resolved resolve(EnvVar variable) {
        String fromEnv = nonBlank(processEnvironment.get(variable.name()));
        if (fromEnv != null) {
            return new Resolved(variable, fromEnv, Source.ENVIRONMENT);
        }
        String fromFile = nonBlank(dotEnv.get(variable.name()));
        if (fromFile != null) {
            return new Resolved(variable, fromFile, Source.DOTENV);
        }
        String fromVault = nonBlank(vault.get(variable.name()));
        if (fromVault != null) {
            return new Resolved(variable, fromVault, Source.VAULT);
        }
        if (variable.hasDefault()) {
            return new Resolved(variable, variable.defaultValue(), Source.DEFAULT);
        }
        return new Resolved(variable, null, Source.UNSET);
    }

    /** The explicitly set value (environment, .env or Vault), ignoring defaults. */
    public Optional<String> explicit(String name) {
        return EnvCatalog.find(name).map(this::resolve)
                .filter(r -> r.source() == Source.ENVIRONMENT || r.source() == Source.DOTENV
                        || r.source() == Source.VAULT)
                .map(Resolved::value);
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
