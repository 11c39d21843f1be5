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
import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.config.EnvironmentValues;
import dev.keyhouse.config.KeyhouseMain;
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
        assertThat(loaded.warnings()).as("in name order, never hash order").containsExactly(
                "Vault secret secret/data/keyhouse/production sets SOMETHING_ELSE, which Keyhouse does not read (see"
                        + " .env.example)",
                "Vault secret secret/data/keyhouse/production sets VAULT_ADDR, which only the host may set (it says"
                        + " how to reach Vault): ignored",
                "Vault secret secret/data/keyhouse/production sets jwt_secret_key, which Keyhouse does not read (names"
                        + " are case-sensitive: did you mean JWT_SECRET_KEY?)");
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

    /** The pre-start check as KeyhouseMain runs it, with no .env. */
    private static KeyhouseMain.Verdict check(Map<String, String> hostValues) {
        return KeyhouseMain.check(hostValues, EnvFileDialect.parse(""), true);
    }

    /** The breaker's finding: a bad value read from Vault names the secret, not only the variable. */
    @Test
    void aBadValueFromVaultNamesTheSecret() {
        secret.put(EnvCatalog.SYSTEM_ADMIN_PASSWORD, "short");
        secret.put("HTTP_PORT", "99999999999");
        vault.put(MOUNT, PATH, secret);
        List<String> problems = check(tokenHost(vault.rootToken())).problems();
        assertThat(problems).containsExactly(
                "SYSTEM_ADMIN_PASSWORD (from Vault secret secret/data/keyhouse/production) must be at least 12"
                        + " characters",
                "HTTP_PORT (from Vault secret secret/data/keyhouse/production) must be a whole number from 1 to 65535"
                        + " (a port)");
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        hostValues.put("HTTP_PORT", "0");
        assertThat(check(hostValues).problems()).as("the host's value wins, and is named as the environment's")
                .contains("HTTP_PORT (from the environment) must be a whole number from 1 to 65535 (a port)");
    }

    /** An empty string in Vault is said to be empty there, not "not set in the environment, .env or Vault". */
    @Test
    void aRequiredVariableEmptyInVaultIsSaidToBeEmptyThere() {
        secret.put(EnvCatalog.SYSTEM_ADMIN_PASSWORD, "");
        secret.put(EnvCatalog.JWT_SECRET_KEY, "   ");
        vault.put(MOUNT, PATH, secret);
        assertThat(check(tokenHost(vault.rootToken())).problems()).containsExactly(
                "JWT_SECRET_KEY is empty in Vault secret secret/data/keyhouse/production: " + "generate one with: openssl rand -base64 32",
                "SYSTEM_ADMIN_PASSWORD is empty in Vault secret secret/data/keyhouse/production: choose a password of"
                        + " 12 or more characters, e.g. openssl rand -base64 18");
    }

    /** The breaker's finding 3 with Vault configured: a seed variable's vault: reference, from Vault or the host. */
    @Test
    void aVaultReferenceInASeedVariableIsRefusedBeforeStart() {
        secret.put("OPENAI_API_KEY", "vault:secret/llm#openai_key");
        vault.put(MOUNT, PATH, secret);
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        hostValues.put("DEEPSEEK_API_KEY", "vault:secret/llm#deepseek_key?version=2");
        List<String> problems = check(hostValues).problems();
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).isEqualTo("OPENAI_API_KEY (from Vault secret secret/data/keyhouse/production)"
                + " holds a vault: reference, which cannot seed the llm setting (a seed takes the key itself): unset"
                + " OPENAI_API_KEY and save the reference as the llm setting's API key at /admin/settings or with PUT"
                + " /api/v1/settings/llm");
        assertThat(problems.get(1)).startsWith("DEEPSEEK_API_KEY (from the environment) holds a vault: reference");
    }

    /** An empty token file is named locally, as a missing one is, and Vault is never sent an empty jwt. */
    @Test
    void anEmptyKubernetesTokenFileIsNamed(@TempDir Path dir) throws Exception {
        int before = vault.count("POST", "/v1/auth/kubernetes/login");
        for (String content : List.of("", "\n", "  \n")) {
            VaultBootstrap.forget();
            Path empty = Files.writeString(dir.resolve("token"), content);
            VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(Map.of("VAULT_ADDR", vault.address(),
                    "VAULT_KUBERNETES_ROLE", "keyhouse", "VAULT_KUBERNETES_TOKEN_PATH", empty.toString(),
                    "VAULT_KV_PATH", KV_PATH)));
            assertThat(loaded.problems()).singleElement().asString().isEqualTo("VAULT_KUBERNETES_TOKEN_PATH " + empty
                    + " is empty: Kubernetes auth presents the service account token from that file (is the projected"
                    + " token mounted there yet?)");
        }
        assertThat(vault.count("POST", "/v1/auth/kubernetes/login")).isEqualTo(before);
    }

    /** A token set with AppRole or Kubernetes wins, and start-up says which login is used and what it ignores. */
    @Test
    void severalLoginsWarnNamingTheOneUsedAndTheOnesIgnored() {
        vault.put(MOUNT, PATH, secret);
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        hostValues.put("VAULT_ROLE_ID", "role");
        hostValues.put("VAULT_SECRET_ID", "secret-id-planted");
        hostValues.put("VAULT_KUBERNETES_ROLE", "keyhouse");
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(hostValues));
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.warnings()).containsExactly("more than one Vault login is set: Keyhouse logs in with the"
                + " token in VAULT_TOKEN and ignores VAULT_ROLE_ID, VAULT_SECRET_ID, VAULT_KUBERNETES_ROLE; unset the"
                + " login you do not use");
        assertThat(String.join("\n", loaded.warnings())).doesNotContain("secret-id-planted", vault.rootToken());
        assertThat(VaultSettings.ignoredLogins(host(Map.of("VAULT_ROLE_ID", "r", "VAULT_SECRET_ID", "s",
                "VAULT_KUBERNETES_ROLE", "k")), new VaultSettings.AppRoleAuth("r", "s"))).containsExactly(
                        "more than one Vault login is set: Keyhouse logs in with AppRole (VAULT_ROLE_ID, VAULT_SECRET_ID)"
                                + " and ignores VAULT_KUBERNETES_ROLE; unset the login you do not use");
        assertThat(VaultSettings.ignoredLogins(host(Map.of("VAULT_TOKEN", "t")), new VaultSettings.TokenAuth("t")))
                .isEmpty();
    }

    /** Start-up's Vault warnings and values come in name order, never in a map's hash order. */
    @Test
    void warningsAndValuesComeInNameOrder() {
        vault.put(MOUNT, PATH, secret);
        Map<String, String> hostValues = tokenHost(vault.rootToken());
        for (String name : List.of("SYSTEM_ADMIN_PASSWORD", "CREDENTIAL_ENCRYPTION_KEY", "PROVISIONER_INTERNAL_TOKEN",
                "JWT_SECRET_KEY")) {
            hostValues.put(name, secret.get(name));
        }
        VaultBootstrap.Loaded loaded = VaultBootstrap.load(host(hostValues));
        assertThat(loaded.warnings()).extracting(w -> w.split(" ")[0]).containsExactly("CREDENTIAL_ENCRYPTION_KEY",
                "JWT_SECRET_KEY", "PROVISIONER_INTERNAL_TOKEN", "SYSTEM_ADMIN_PASSWORD");
        assertThat(loaded.values().keySet()).containsExactly("CREDENTIAL_ENCRYPTION_KEY", "JWT_SECRET_KEY",
                "PROVISIONER_INTERNAL_TOKEN", "SYSTEM_ADMIN_PASSWORD");
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
