package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.EnvironmentValues;
import dev.keyhouse.config.StartupCheck;
import dev.keyhouse.crypto.GenerateKey;

/**
 * Keyhouse's own variables from one KV v2 secret, against {@link VaultStandIn}: each login method, the precedence of
 * the host's values, and every way Vault can refuse, each named without a credential or a value.
 */
class VaultBootstrapTest {

    private static final String MOUNT = "secret";
    private static final String PATH = "keyhouse/production";
    private static final String KV_PATH = "secret/data/keyhouse/production";

    private static VaultStandIn vault;
    private final Map<String, String> secret = new HashMap<>();

    @BeforeAll
    static void startVault() {
        vault = VaultStandIn.start();
    }

    @AfterAll
    static void stopVault() {
        vault.close();
    }

    @BeforeEach
    void everyVariableKeyhouseNeeds() {
        VaultBootstrap.forget();
        vault.seal(false);
        secret.clear();
        secret.put(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, GenerateKey.newKey());
        secret.put(EnvCatalog.JWT_SECRET_KEY, GenerateKey.newKey());
        secret.put(EnvCatalog.SYSTEM_ADMIN_PASSWORD, "admin-password-" + System.nanoTime());
        secret.put("PROVISIONER_INTERNAL_TOKEN", "runtime-token-" + System.nanoTime());
    }

    private static Function<String, Optional<String>> host(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name)).filter(v -> !v.isBlank());
    }

    private Map<String, String> tokenHost(String token) {
        return new HashMap<>(Map.of("VAULT_ADDR", vault.address(), "VAULT_TOKEN", token, "VAULT_KV_PATH", KV_PATH));
    }

    /** What KeyhouseMain checks: the start-up problems with Vault's values as a source. */
    private static List<String> startupProblems(Map<String, String> hostValues, VaultBootstrap.Loaded loaded) {
        if (!loaded.problems().isEmpty()) {
            return loaded.problems();
        }
        EnvironmentValues values = new EnvironmentValues(hostValues, Map.of(), loaded.values());
        return new StartupCheck(values::explicit, loaded.secret().map(s -> "the environment, .env or Vault secret "
                + s.path()).orElse(null)).problems(true);
    }

    @Test
    void onlyTheAddressATokenAndThePathOnTheHostAreEnough() {
        int version = vault.put(MOUNT, PATH, secret);
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(hostValues));
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.values()).isEqualTo(secret);
        assertThat(loaded.secret().orElseThrow().version()).isEqualTo(version);
        assertThat(startupProblems(hostValues, loaded)).isEmpty();
        EnvironmentValues values = new EnvironmentValues(hostValues, Map.of(), loaded.values());
        assertThat(values.resolve(EnvCatalog.find(EnvCatalog.JWT_SECRET_KEY).orElseThrow()).source())
                .isEqualTo(EnvironmentValues.Source.VAULT);
        VaultConfigSource source = new VaultConfigSource(loaded);
        assertThat(source.getValue(EnvCatalog.JWT_SECRET_KEY)).isEqualTo(secret.get(EnvCatalog.JWT_SECRET_KEY));
        assertThat(source.getName()).isEqualTo("vault secret/data/keyhouse/production (KV v2, version " + version + ")");
        assertThat(source.getProperties()).as("nothing a tool could dump").isEmpty();
        assertThat(source.getOrdinal()).isBetween(251, 294);
    }

    @Test
    void theSameSettingsAreReadOncePerProcess() {
        vault.put(MOUNT, PATH, secret);
        int before = vault.count("GET", "/v1/secret/data/keyhouse/production");
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        VaultBootstrap.load(host(hostValues));
        VaultBootstrap.load(host(hostValues));
        assertThat(vault.count("GET", "/v1/secret/data/keyhouse/production") - before).isEqualTo(1);
    }

    @Test
    void appRoleLogsInThenReads() {
        vault.put(MOUNT, PATH, secret);
        String secretId = vault.addAppRole("keyhouse-role");
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(Map.of("VAULT_ADDR", vault.address(),
                "VAULT_ROLE_ID", "keyhouse-role", "VAULT_SECRET_ID", secretId, "VAULT_KV_PATH", KV_PATH)));
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.values()).isEqualTo(secret);
        assertThat(vault.count("POST", "/v1/auth/approle/login")).isPositive();
    }

    @Test
    void aWrongAppRoleSecretIdIsARefusedLogin() {
        vault.put(MOUNT, PATH, secret);
        vault.addAppRole("keyhouse-role-2");
        String planted = "planted-secret-id-" + System.nanoTime();
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(Map.of("VAULT_ADDR", vault.address(),
                "VAULT_ROLE_ID", "keyhouse-role-2", "VAULT_SECRET_ID", planted, "VAULT_KV_PATH", KV_PATH)));
        assertThat(loaded.problems()).singleElement().asString()
                .startsWith("VAULT_KV_PATH: Vault at " + vault.address() + " refused the login with AppRole")
                .doesNotContain(planted);
        assertThat(loaded.values()).isEmpty();
    }

    @Test
    void kubernetesAuthPresentsThePodsToken(@TempDir Path dir) throws Exception {
        vault.put(MOUNT, PATH, secret);
        String jwt = "eyJhbGciOiJSUzI1NiJ9.planted." + System.nanoTime();
        vault.addKubernetesRole("keyhouse", jwt);
        Path tokenFile = Files.writeString(dir.resolve("token"), jwt);
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(Map.of("VAULT_ADDR", vault.address(),
                "VAULT_KUBERNETES_ROLE", "keyhouse", "VAULT_KUBERNETES_TOKEN_PATH", tokenFile.toString(),
                "VAULT_KV_PATH", KV_PATH)));
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.values()).isEqualTo(secret);
        assertThat(vault.count("POST", "/v1/auth/kubernetes/login")).isPositive();
    }

    @Test
    void aVariableMissingFromEverySourceIsNamedWithTheVaultPath() {
        secret.remove(EnvCatalog.JWT_SECRET_KEY);
        vault.put(MOUNT, PATH, secret);
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        assertThat(startupProblems(hostValues, VaultBootstrap.load(host(hostValues)))).singleElement().asString()
                .startsWith("JWT_SECRET_KEY is not set in the environment, .env or Vault secret "
                        + "secret/data/keyhouse/production: ");
    }

    @Test
    void theHostWinsOverVaultAndSaysSo() {
        vault.put(MOUNT, PATH, secret);
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        String hostKey = GenerateKey.newKey();
        hostValues.put(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, hostKey);
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(hostValues));
        EnvironmentValues values = new EnvironmentValues(hostValues, Map.of(), loaded.values());
        EnvironmentValues.Resolved key = values.resolve(EnvCatalog.find(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY).orElseThrow());
        assertThat(key.value()).isEqualTo(hostKey);
        assertThat(key.source()).isEqualTo(EnvironmentValues.Source.ENVIRONMENT);
        assertThat(loaded.warnings()).containsExactly("CREDENTIAL_ENCRYPTION_KEY is set both on the host (environment"
                + " or .env) and in Vault secret secret/data/keyhouse/production: the host's value is used");
        assertThat(String.join("\n", loaded.warnings())).doesNotContain(hostKey,
                secret.get(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY));
    }

    @Test
    void keysKeyhouseDoesNotReadAndVaultSettingsInVaultAreIgnoredByName() {
        secret.put("jwt_secret_key", "lower-case-value");
        secret.put("SOMETHING_ELSE", "x");
        secret.put("VAULT_ADDR", "http://127.0.0.1:1");
        vault.put(MOUNT, PATH, secret);
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(tokenHost(vault.rootToken())));
        assertThat(loaded.values()).doesNotContainKeys("jwt_secret_key", "SOMETHING_ELSE", "VAULT_ADDR");
        assertThat(loaded.warnings()).containsExactlyInAnyOrder(
                "Vault secret secret/data/keyhouse/production sets jwt_secret_key, which Keyhouse does not read (names"
                        + " are case-sensitive: did you mean JWT_SECRET_KEY?)",
                "Vault secret secret/data/keyhouse/production sets SOMETHING_ELSE, which Keyhouse does not read (see"
                        + " .env.example)",
                "Vault secret secret/data/keyhouse/production sets VAULT_ADDR, which only the host may set (it says"
                        + " how to reach Vault): ignored");
    }

    @Test
    void aValueThatIsNotAStringIsRefusedByNameNeverTurnedIntoText() {
        Map<String, Object> json = new HashMap<>(secret);
        json.put("PROVISIONER_INTERNAL_TOKEN", Map.of("x", "rt-planted-object-value"));
        json.put("JWT_EXPIRE_MINUTES", 60);
        vault.putJson(MOUNT, PATH, json);
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(tokenHost(vault.rootToken())));
        assertThat(loaded.problems()).containsExactly(
                "Vault secret secret/data/keyhouse/production holds JWT_EXPIRE_MINUTES as a JSON number, boolean,"
                        + " object or list, not a string: write it as a string",
                "Vault secret secret/data/keyhouse/production holds PROVISIONER_INTERNAL_TOKEN as a JSON number,"
                        + " boolean, object or list, not a string: write it as a string");
        assertThat(loaded.values()).isEmpty();
    }

    @Test
    void aMissingKubernetesTokenFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("no-token");
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(Map.of("VAULT_ADDR", vault.address(),
                "VAULT_KUBERNETES_ROLE", "keyhouse", "VAULT_KUBERNETES_TOKEN_PATH", missing.toString(),
                "VAULT_KV_PATH", KV_PATH)));
        assertThat(loaded.problems()).singleElement().asString()
                .startsWith("VAULT_KUBERNETES_TOKEN_PATH " + missing + " cannot be read");
    }

    @Test
    void aSealedVaultIsNamed() {
        vault.put(MOUNT, PATH, secret);
        vault.seal(true);
        String token = vault.rootToken();
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(tokenHost(token)));
        assertThat(loaded.problems()).singleElement().asString()
                .startsWith("VAULT_KV_PATH: Vault at " + vault.address() + " is sealed or not ready (503")
                .doesNotContain(token);
        assertThatNoSourceBuilds(loaded);
    }

    @Test
    void aRefusedTokenIsNamedNeverPrinted() {
        vault.put(MOUNT, PATH, secret);
        String revoked = vault.issueToken();
        vault.revoke(revoked);
        for (String token : List.of(revoked, "hvs.planted-unknown-" + System.nanoTime())) {
            VaultBootstrap.forget();
            VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(tokenHost(token)));
            assertThat(loaded.problems()).singleElement().asString()
                    .startsWith("VAULT_KV_PATH: Vault at " + vault.address() + " refused the token in VAULT_TOKEN for"
                            + " secret/data/keyhouse/production (403")
                    .contains("its policy does not allow read on secret/data/keyhouse/production")
                    .doesNotContain(token);
        }
    }

    @Test
    void aMissingSecretIsNamed() {
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        hostValues.put("VAULT_KV_PATH", "secret/data/keyhouse/nowhere");
        assertThat(VaultBootstrap.load(host(hostValues)).problems()).singleElement().asString()
                .contains("secret/data/keyhouse/nowhere", "does not exist (404)");
    }

    @Test
    void anUnreachableVaultIsNamed() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        hostValues.put("VAULT_ADDR", "http://127.0.0.1:" + closedPort);
        assertThat(VaultBootstrap.load(host(hostValues)).problems()).singleElement().asString()
                .startsWith("VAULT_KV_PATH: Vault at http://127.0.0.1:" + closedPort + " is unreachable")
                .doesNotContain(vault.rootToken());
    }

    /**
     * The database choice is a configuration source factory built on {@code ${POSTGRES_PASSWORD:}}: it sees Vault's
     * values (a plain source), so a database password kept only in Vault selects the external database.
     */
    @Test
    void aDatabasePasswordInVaultReachesTheDatabaseChoice() {
        String password = "db-password-" + System.nanoTime();
        secret.put("POSTGRES_PASSWORD", password);
        secret.put("POSTGRES_HOST", "db.internal");
        vault.put(MOUNT, PATH, secret);
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(tokenHost(vault.rootToken())));
        io.smallrye.config.SmallRyeConfig config = new io.smallrye.config.SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new VaultConfigSource(loaded), new io.smallrye.config.PropertiesConfigSource(Map.of(
                        "keyhouse.database.password", "${POSTGRES_PASSWORD:}",
                        "keyhouse.database.host", "${POSTGRES_HOST:localhost}",
                        "keyhouse.database.port", "5432", "keyhouse.database.name", "keyhouse",
                        "keyhouse.database.user", "keyhouse"), "application.properties", 250))
                .withSources(new dev.keyhouse.config.DatabaseConfigSourceFactory()).build();
        // the external database is chosen (the embedded one has no password), with Vault's password
        assertThat(config.getRawValue("quarkus.datasource.password")).isEqualTo(password);
        assertThat(config.getRawValue("quarkus.datasource.username")).isEqualTo("keyhouse");
    }

    private static void assertThatNoSourceBuilds(VaultBootstrap.Loaded loaded) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new VaultConfigSource(loaded))
                .hasMessageStartingWith("Keyhouse cannot read its configuration from Vault: VAULT_KV_PATH: Vault at");
    }

    /**
     * The Environment page and the start-up report show what this process read first: a later read with other
     * VAULT_* (or of a newer KV version) never replaces it, so they never name a version the process does not run on.
     */
    @Test
    void whatTheProcessReadFirstIsWhatItReports() {
        VaultBootstrap.Loaded first = VaultBootstrap.atStart();
        VaultBootstrap.load(host(tokenHost(vault.rootToken())));
        vault.put(MOUNT, PATH, secret);
        Map<String, String> other = new java.util.HashMap<>(tokenHost(vault.rootToken()));
        other.put("VAULT_ROLE_ID", "someone-else");
        VaultBootstrap.load(host(other));
        assertThat(VaultBootstrap.atStart()).isSameAs(first);
    }
}
