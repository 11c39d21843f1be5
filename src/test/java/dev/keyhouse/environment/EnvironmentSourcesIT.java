package dev.keyhouse.environment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.KeyhouseHome;
import dev.keyhouse.config.KeyhouseProcess;
import dev.keyhouse.crypto.GenerateKey;

/**
 * Issue 20, item 6, on the packaged application: values from the working directory's {@code .env} show as source
 * {@code env-file}, the host's as {@code environment}, the rest as {@code default}; the embedded database is named
 * as the one in use, with its address and data directory, and {@code POSTGRES_*} as not used.
 */
class EnvironmentSourcesIT {

    @TempDir
    Path temp;

    @Test
    void envFileValuesAndTheEmbeddedDatabaseAreShownAsTheyAre() throws Exception {
        String encryptionKey = GenerateKey.newKey();
        String runtimeToken = "env-file-runtime-token-" + System.nanoTime();
        try (KeyhouseHome home = new KeyhouseHome(temp)) {
            Files.writeString(home.workDir().resolve(".env"), EnvCatalog.CREDENTIAL_ENCRYPTION_KEY + "="
                    + encryptionKey + "\nPROVISIONER_INTERNAL_TOKEN=" + runtimeToken + "\nROTATION_BATCH_SIZE=250\n");
            Map<String, String> host = new HashMap<>();
            host.put(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, ""); // from .env, not the host
            String password = "environment-it-" + System.nanoTime();
            host.put(EnvCatalog.SYSTEM_ADMIN_PASSWORD, password);
            KeyhouseProcess keyhouse = home.start("environment.log", host);
            String bearer = keyhouse.bearer("admin@keyhouse.local", password);
            HttpResponse<String> api = keyhouse.get("/api/v1/environment", bearer);
            assertThat(api.statusCode()).isEqualTo(200);
            Map<String, JsonNode> byName = new HashMap<>();
            new ObjectMapper().readTree(api.body()).forEach(v -> byName.put(v.path("name").asText(), v));
            for (String fromFile : new String[] {EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, "PROVISIONER_INTERNAL_TOKEN",
                    "ROTATION_BATCH_SIZE"}) {
                assertThat(byName.get(fromFile).path("source").asText()).as(fromFile).isEqualTo("env-file");
            }
            assertThat(byName.get("ROTATION_BATCH_SIZE").path("value").asText()).isEqualTo("250");
            assertThat(byName.get("HTTP_PORT").path("source").asText()).isEqualTo("environment");
            assertThat(byName.get(EnvCatalog.JWT_SECRET_KEY).path("source").asText()).isEqualTo("environment");
            assertThat(byName.get("JWT_ALGORITHM").path("source").asText()).isEqualTo("default");
            JsonNode postgresHost = byName.get("POSTGRES_HOST");
            assertThat(postgresHost.path("source").asText()).isEqualTo("default");
            assertThat(postgresHost.path("note").asText()).startsWith("not used: the embedded PostgreSQL is in use");
            assertThat(byName.get("EMBEDDED_DATABASE_DIR").path("note").isNull()).isTrue();

            HttpResponse<String> page = keyhouse.get("/admin/environment", bearer);
            assertThat(page.statusCode()).isEqualTo(200);
            String port = keyhouse.logText().replaceAll("(?s).*embedded PostgreSQL \\S+ started on 127\\.0\\.0\\.1:(\\d+).*",
                    "$1");
            assertThat(port).as("the log names the embedded server's port").matches("\\d+");
            assertThat(page.body()).contains("embedded PostgreSQL")
                    .contains("<code>127.0.0.1:" + port + "/keyhouse</code>")
                    .contains("<code>" + temp.resolve("data/postgres").toAbsolutePath().normalize() + "</code>")
                    .contains("not used: the embedded PostgreSQL is in use")
                    .contains("<td>.env file</td>");
            assertThat(api.body() + page.body() + keyhouse.logText()).doesNotContain(encryptionKey, runtimeToken);
        }
    }
}
