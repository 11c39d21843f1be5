package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.KeyhouseHome;
import dev.keyhouse.config.KeyhouseProcess;
import dev.keyhouse.crypto.GenerateKey;

/**
 * The packaged application with nothing on the host but {@code VAULT_ADDR}, the login (AppRole) and
 * {@code VAULT_KV_PATH}: it starts on the secret's values and shows where they came from, and the secret id and the
 * values appear in no log, page, API answer or table; a sealed Vault or a refused token stops it before
 * anything starts, with one message (exit 78) that never prints the token.
 */
class VaultStartupIT {

    private static final String KV_PATH = "secret/data/keyhouse/production";
    private static VaultStandIn vault;

    @TempDir
    Path workDir;

    @BeforeAll
    static void startVault() {
        vault = VaultStandIn.start();
    }

    @AfterAll
    static void stopVault() {
        vault.close();
    }

    /** The host's environment: the keys KeyhouseProcess would generate removed, Vault's settings added. */
    private static Map<String, String> onlyVault(String token) {
        Map<String, String> env = new HashMap<>();
        env.put(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, "");
        env.put(EnvCatalog.JWT_SECRET_KEY, "");
        env.put(EnvCatalog.SYSTEM_ADMIN_PASSWORD, "");
        env.put("VAULT_ADDR", vault.address());
        env.put("VAULT_TOKEN", token);
        env.put("VAULT_KV_PATH", KV_PATH);
        return env;
    }

    @Test
    void startsOnTheSecretsValuesAndShowsVaultAsTheirSource() throws Exception {
        String encryptionKey = GenerateKey.newKey();
        String jwtKey = GenerateKey.newKey();
        String password = "vault-admin-password-" + System.nanoTime();
        String runtimeToken = "vault-runtime-token-" + System.nanoTime();
        int version = vault.put("secret", "keyhouse/production", Map.of(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY,
                encryptionKey, EnvCatalog.JWT_SECRET_KEY, jwtKey, EnvCatalog.SYSTEM_ADMIN_PASSWORD, password,
                "PROVISIONER_INTERNAL_TOKEN", runtimeToken));
        // AppRole: the host holds a role id and a secret id, which must appear nowhere Keyhouse writes or answers
        String secretId = vault.addAppRole("keyhouse-it");
        Map<String, String> host = onlyVault("");
        host.put("VAULT_ROLE_ID", "keyhouse-it");
        host.put("VAULT_SECRET_ID", secretId);
        try (KeyhouseHome home = new KeyhouseHome(workDir)) {
            KeyhouseProcess keyhouse = home.start("vault.log", host);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(URI.create(keyhouse.baseUrl()
                    + "/api/v1/auth/token")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"admin@keyhouse.local\",\"password\":\""
                            + password + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).as("sign-in with the admin password from Vault").isEqualTo(200);
            String bearer = new ObjectMapper().readTree(signIn.body()).path("access_token").asText();
            HttpResponse<String> environment = http.send(HttpRequest.newBuilder(URI.create(keyhouse.baseUrl()
                    + "/api/v1/environment")).header("Authorization", "Bearer " + bearer).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(environment.statusCode()).isEqualTo(200);
            Map<String, JsonNode> byName = new HashMap<>();
            new ObjectMapper().readTree(environment.body()).forEach(v -> byName.put(v.path("name").asText(), v));
            for (String name : new String[] {EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, EnvCatalog.JWT_SECRET_KEY,
                    EnvCatalog.SYSTEM_ADMIN_PASSWORD, "PROVISIONER_INTERNAL_TOKEN"}) {
                JsonNode variable = byName.get(name);
                assertThat(variable.path("source").asText()).as(name).isEqualTo("vault");
                assertThat(variable.path("vault").path("path").asText()).as(name).isEqualTo(KV_PATH);
                assertThat(variable.path("vault").path("kvVersion").asInt()).as(name).isEqualTo(version);
            }
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(keyhouse.baseUrl()
                    + "/admin/environment")).header("Authorization", "Bearer " + bearer).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<code>" + KV_PATH + "</code> <span class=\"muted\">KV v2, version "
                    + version + "</span>");
            assertThat(byName.get("VAULT_ADDR").path("source").asText()).isEqualTo("environment");
            assertThat(byName.get("VAULT_ADDR").path("vault").isNull()).isTrue();
            HttpResponse<String> config = http.send(HttpRequest.newBuilder(URI.create(keyhouse.baseUrl()
                    + "/api/v1/internal/runtime-config")).header("Authorization", "Bearer " + runtimeToken).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(config.statusCode()).as("the runtime token from Vault opens runtime-config").isEqualTo(200);
            String log = keyhouse.logText();
            assertThat(log).contains("Read 4 variables from Vault secret " + KV_PATH + " (KV v2, version " + version
                    + ") with AppRole (VAULT_ROLE_ID, VAULT_SECRET_ID)");
            assertThat(log + environment.body() + page.body()).doesNotContain(secretId, encryptionKey, jwtKey, password, runtimeToken);
            try (java.sql.Connection db = home.connect()) {
                StringBuilder everyRow = new StringBuilder();
                for (String table : dev.keyhouse.auth.Rows.column(db, "SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
                    dev.keyhouse.auth.Rows.column(db, "SELECT t::text FROM \"" + table + "\" t")
                            .forEach(row -> everyRow.append(row).append('\n'));
                }
                assertThat(everyRow).as("the search reads the tables").contains("admin@keyhouse.local");
                assertThat(everyRow.toString()).as("Vault's secret id and values in the database")
                        .doesNotContain(secretId, encryptionKey, jwtKey, password, runtimeToken);
            }
        }
    }

    @Test
    void aSealedVaultOrARefusedTokenStopsStartUpWithOneMessage() throws Exception {
        vault.put("secret", "keyhouse/production", Map.of(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, GenerateKey.newKey()));
        String refused = "hvs.planted-refused-" + System.nanoTime();
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "refused.log",
                onlyVault(refused))) {
            assertThat(keyhouse.awaitExit(Duration.ofSeconds(60))).isEqualTo(78);
            assertThat(keyhouse.logText()).contains("Keyhouse cannot start: 1 configuration problem",
                    "refused the token in VAULT_TOKEN for " + KV_PATH + " (403")
                    .doesNotContain(refused, "Exception", "\tat ");
        }
        String token = vault.issueToken();
        vault.seal(true);
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "sealed.log",
                onlyVault(token))) {
            assertThat(keyhouse.awaitExit(Duration.ofSeconds(60))).isEqualTo(78);
            assertThat(keyhouse.logText()).contains("Vault at " + vault.address() + " is sealed or not ready (503")
                    .doesNotContain(token, "Exception", "\tat ");
        } finally {
            vault.seal(false);
        }
        assertThat(workDir.resolve("data")).as("no database was started").doesNotExist();
    }
}
