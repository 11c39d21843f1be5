package dev.keyhouse.environment;

import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

import dev.keyhouse.auth.SigningKeys;
import dev.keyhouse.config.DatabaseInUse;
import dev.keyhouse.config.DevelopmentKeys;
import dev.keyhouse.config.DotEnvConfigSourceFactory;
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
 * itself only when it is not a secret. Secrets show a keyed fingerprint instead, except the keys: the encryption keys
 * show their key ids ({@link KeyRing#keyIdOf}), the one identifier a key has everywhere (ciphertexts, Key rotation,
 * secret summaries, metrics, the log, the audit log), and the JWT signing keys the {@code kid} their tokens carry
 * ({@link SigningKeys#kidOf}). And the database really in use ({@link DatabaseInUse}), with a
 * note on each database variable that selection leaves unused.
 */
@ApplicationScoped
public class EnvironmentReport {

    /**
     * Where a value came from, as operators read it: the process environment, the working directory's {@code .env}
     * (read by Keyhouse's dialect or by SmallRye's own reader, or generated into it by dev mode at this start), the
     * Vault secret, a JVM system property ({@code -Dquarkus.http.port=...}), {@code application.properties} (a
     * profile's value), the catalog default, or nowhere.
     */
    public enum Source {
        ENVIRONMENT("environment"), ENV_FILE(".env file"), VAULT("Vault"),
        SYSTEM_PROPERTY("system property (-D)"), CONFIGURATION("application.properties"), DEFAULT("default"),
        UNSET("unset");

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
     * Vault. {@code keyIds} is set only for the keys that are set (8 hex digits each, in the variable's order: the
     * encryption keys' key ids, the JWT signing keys' {@code kid}s), whose {@code fingerprint} is null: a key is named
     * by its one id alone. {@code note} says why a value is
     * not in effect (a database variable the selection does not use), else null.
     */
    public record Entry(String name, String purpose, boolean required, boolean secret, Source source, boolean set,
            String value, String fingerprint, VaultOrigin vault, List<String> keyIds, String note) {

        /** A required variable without a value: flagged on the page. */
        public boolean missing() {
            return required && !set;
        }

        /** What {@link #keyIds} are called on the page: a JWT signing key's {@code kid}, an encryption key's key id. */
        public String keyIdLabel() {
            return name.startsWith("JWT_") ? "kid" : "key id";
        }
    }

    private final SmallRyeConfig config;
    private final SecretFingerprints fingerprints;
    private final KeyRing keys;
    private final SigningKeys signingKeys;

    /** @param signingKeys the JWT signing keys, shown by the {@code kid} their tokens carry */
    public EnvironmentReport(Config config, SecretFingerprints fingerprints, KeyRing keys, SigningKeys signingKeys) {
        this.config = config.unwrap(SmallRyeConfig.class);
        this.fingerprints = fingerprints;
        this.keys = keys;
        this.signingKeys = signingKeys;
    }

    /** Every catalog variable, in catalog order. */
    public List<Entry> entries() {
        Optional<DatabaseInUse> database = database();
        return EnvCatalog.all().stream().map(variable -> entry(variable, database)).toList();
    }

    /** The database this process uses; empty only where the configuration has no database source. */
    public Optional<DatabaseInUse> database() {
        return DatabaseInUse.of(config);
    }

    private Entry entry(EnvVar variable, Optional<DatabaseInUse> database) {
        Optional<String> effective = config.getOptionalValue(variable.property(), String.class).filter(v -> !v.isBlank());
        Source source = source(variable, effective);
        boolean set = effective.isPresent();
        String value = set && !variable.secret() ? effective.get() : null;
        List<String> keyIds = set ? keyIds(variable) : null;
        String fingerprint = set && variable.secret() && keyIds == null ? fingerprints.of(effective.get()) : null;
        VaultOrigin vault = source == Source.VAULT ? vaultOrigin().orElse(null) : null;
        return new Entry(variable.name(), variable.purpose(), variable.required(), variable.secret(), source, set, value,
                fingerprint, vault, keyIds, database.map(d -> unusedDatabaseNote(variable.name(), d)).orElse(null));
    }

    /**
     * The ids of the keys in effect for a key variable, null for others: an encryption key's key id (the ring was
     * built from it), a JWT signing key's {@code kid} (the one its tokens carry in their header, {@link SigningKeys}).
     */
    private List<String> keyIds(EnvVar variable) {
        return switch (variable.name()) {
            case EnvCatalog.CREDENTIAL_ENCRYPTION_KEY -> List.of(KeyRing.hex(keys.currentKeyId()));
            case EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS -> keys.previousKeyIds().stream().map(KeyRing::hex).toList();
            case EnvCatalog.JWT_SECRET_KEY -> List.of(signingKeys.current().kid());
            case EnvCatalog.JWT_SECRET_KEY_PREVIOUS -> signingKeys.previous().map(SigningKeys.SigningKey::kid).stream()
                    .toList();
            default -> null;
        };
    }

    /** Why {@code name} does not take effect with {@code database} in use; null when it does or is no database variable. */
    static String unusedDatabaseNote(String name, DatabaseInUse database) {
        boolean postgres = name.startsWith("POSTGRES_");
        if (database.embedded() && (postgres || name.equals(EnvCatalog.SYSTEM_DATABASE_URL))) {
            return "not used: the embedded PostgreSQL is in use (POSTGRES_PASSWORD and SYSTEM_DATABASE_URL are unset)";
        }
        if (!database.embedded() && name.equals("EMBEDDED_DATABASE_DIR")) {
            return "not used: the database is external (" + database.from() + ")";
        }
        if (!database.embedded() && postgres && database.from().equals(EnvCatalog.SYSTEM_DATABASE_URL)) {
            return "not used: SYSTEM_DATABASE_URL wins over POSTGRES_*";
        }
        return null;
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
            return sourceNamed(byName.getSourceName());
        }
        // the variable is unset, but the property it feeds may be given itself (-Dquarkus.http.port=18091, or
        // QUARKUS_HTTP_PORT in the environment): that is where the value came from, not application.properties
        Source byProperty = sourceNamed(config.getConfigValue(variable.property()).getSourceName());
        if (byProperty != Source.CONFIGURATION) {
            return byProperty;
        }
        if (variable.hasDefault() && variable.defaultValue().equals(effective.get())) {
            return Source.DEFAULT;
        }
        return Source.CONFIGURATION;
    }

    /**
     * The source a configuration source's name stands for. SmallRye names the process environment
     * {@code EnvConfigSource} and its own {@code .env} reader {@code EnvConfigSource[source=file:…/.env]}: the
     * name alone tells them apart, so the file is matched first.
     */
    static Source sourceNamed(String sourceName) {
        String origin = sourceName == null ? "" : sourceName;
        // a PropertiesConfigSource shows its given name inside its own: PropertiesConfigSource[source=<name>]
        if (origin.contains(DotEnvConfigSourceFactory.NAME) || origin.contains(DevelopmentKeys.SOURCE_NAME)
                || origin.startsWith(SMALLRYE_ENVIRONMENT + "[source=")) {
            return Source.ENV_FILE;
        }
        if (origin.equals(SMALLRYE_ENVIRONMENT)) {
            return Source.ENVIRONMENT;
        }
        if (origin.startsWith(VaultConfigSource.NAME_PREFIX)) {
            return Source.VAULT;
        }
        if (origin.startsWith("SysPropConfigSource")) {
            return Source.SYSTEM_PROPERTY;
        }
        return Source.CONFIGURATION;
    }

    /** SmallRye's name of the process environment's source, the prefix of its {@code .env} reader's. */
    private static final String SMALLRYE_ENVIRONMENT = "EnvConfigSource";
}
