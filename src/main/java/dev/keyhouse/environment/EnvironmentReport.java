package dev.keyhouse.environment;

import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.EnvVar;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.vault.VaultBootstrap;
import dev.keyhouse.vault.VaultConfigSource;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The environment Keyhouse runs with, read-only: every catalog variable, where its value came from, and the value
 * itself only when it is not a secret. Secrets show a keyed fingerprint instead, except the encryption keys, which
 * show their key ids ({@link KeyRing#keyIdOf}): the one identifier a key has everywhere (ciphertexts, Key rotation,
 * secret summaries, metrics, the log, the audit log).
 */
@ApplicationScoped
public class EnvironmentReport {

    /** Where a value came from, as operators read it. */
    public enum Source {
        ENVIRONMENT("environment"), ENV_FILE(".env file"), VAULT("vault"), CONFIGURATION("configuration"),
        DEFAULT("default"), UNSET("unset");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * Where in Vault a value came from: the KV v2 API path ({@code secret/data/keyhouse/production}) and the secret's
     * version that was read at start-up.
     */
    public record VaultOrigin(String path, int kvVersion) {
    }

    /**
     * One variable as the page and the API show it; {@code value} is null for secrets, {@code vault} unless from
     * Vault. {@code keyIds} is set only for the encryption keys that are set (8 hex digits each, in the variable's
     * order), whose {@code fingerprint} is null: a key is named by its key id alone.
     */
    public record Entry(String name, String purpose, boolean required, boolean secret, Source source, boolean set,
            String value, String fingerprint, VaultOrigin vault, List<String> keyIds) {

        /** A required variable without a value: flagged on the page. */
        public boolean missing() {
            return required && !set;
        }
    }

    private final SmallRyeConfig config;
    private final SecretFingerprints fingerprints;
    private final KeyRing keys;

    public EnvironmentReport(Config config, SecretFingerprints fingerprints, KeyRing keys) {
        this.config = config.unwrap(SmallRyeConfig.class);
        this.fingerprints = fingerprints;
        this.keys = keys;
    }

    public List<Entry> entries() {
        return EnvCatalog.all().stream().map(this::entry).toList();
    }

    private Entry entry(EnvVar variable) {
        Optional<String> effective = config.getOptionalValue(variable.property(), String.class).filter(v -> !v.isBlank());
        Source source = source(variable, effective);
        boolean set = effective.isPresent();
        String value = set && !variable.secret() ? effective.get() : null;
        List<String> keyIds = set ? keyIds(variable) : null;
        String fingerprint = set && variable.secret() && keyIds == null ? fingerprints.of(effective.get()) : null;
        VaultOrigin vault = source == Source.VAULT ? vaultOrigin().orElse(null) : null;
        return new Entry(variable.name(), variable.purpose(), variable.required(), variable.secret(), source, set, value,
                fingerprint, vault, keyIds);
    }

    /** The ids of the keys in effect for an encryption-key variable (the ring was built from it); null for others. */
    private List<String> keyIds(EnvVar variable) {
        return switch (variable.name()) {
            case EnvCatalog.CREDENTIAL_ENCRYPTION_KEY -> List.of(KeyRing.hex(keys.currentKeyId()));
            case EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS -> keys.previousKeyIds().stream().map(KeyRing::hex).toList();
            default -> null;
        };
    }

    private static Optional<VaultOrigin> vaultOrigin() {
        return VaultBootstrap.atStart().secret().map(s -> new VaultOrigin(s.path().dataPath(), s.version()));
    }

    private Source source(EnvVar variable, Optional<String> effective) {
        if (effective.isEmpty()) {
            return Source.UNSET;
        }
        ConfigValue byName = config.getConfigValue(variable.name());
        if (byName.getValue() != null && !byName.getValue().isBlank()) {
            String origin = byName.getSourceName() == null ? "" : byName.getSourceName();
            if (origin.startsWith("EnvConfigSource")) {
                return Source.ENVIRONMENT;
            }
            if (origin.contains(".env")) {
                return Source.ENV_FILE;
            }
            if (origin.startsWith(VaultConfigSource.NAME_PREFIX)) {
                return Source.VAULT;
            }
            return Source.CONFIGURATION;
        }
        if (variable.hasDefault() && variable.defaultValue().equals(effective.get())) {
            return Source.DEFAULT;
        }
        return Source.CONFIGURATION;
    }
}
