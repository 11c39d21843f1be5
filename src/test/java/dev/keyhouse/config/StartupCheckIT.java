package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.crypto.GenerateKey;

/** The packaged jar refuses a bad environment with one message and exit status 78, before starting anything. */
class StartupCheckIT {

    @TempDir
    Path workDir;

    @Test
    void withoutKeysItExitsWithOneMessageNamingEachVariable() throws Exception {
        Path data = workDir.resolve("data");
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, data, "no-keys.log",
                Map.of(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, "", EnvCatalog.JWT_SECRET_KEY, "",
                        EnvCatalog.SYSTEM_ADMIN_PASSWORD, ""))) {
            assertThat(keyhouse.awaitExit(Duration.ofSeconds(60))).as("exit status").isEqualTo(KeyhouseMain.EXIT_CONFIGURATION);
            String output = keyhouse.logText();
            assertThat(output).contains("Keyhouse cannot start: 3 configuration problems",
                    "CREDENTIAL_ENCRYPTION_KEY is not set", "JWT_SECRET_KEY is not set",
                    "SYSTEM_ADMIN_PASSWORD is not set", "openssl rand -base64 32");
            assertThat(output).as("one message, no stack trace").doesNotContain("Exception", "\tat ");
            assertThat(data).as("no database was started").doesNotExist();
        }
    }

    @Test
    void badValuesAreNamedButNeverPrinted() throws Exception {
        String current = GenerateKey.newKey();
        String plantedBadKey = "planted-not-a-key-7f3a9c";
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "bad-keys.log",
                Map.of(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, current,
                        EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, current,
                        EnvCatalog.JWT_SECRET_KEY, plantedBadKey))) {
            assertThat(keyhouse.awaitExit(Duration.ofSeconds(60))).isEqualTo(KeyhouseMain.EXIT_CONFIGURATION);
            String output = keyhouse.logText();
            assertThat(output).contains("JWT_SECRET_KEY (from the environment) must be standard base64",
                    "CREDENTIAL_ENCRYPTION_KEY_PREVIOUS repeats CREDENTIAL_ENCRYPTION_KEY");
            assertThat(output).doesNotContain(current, plantedBadKey);
            assertThat(Files.exists(workDir.resolve("data"))).isFalse();
        }
    }

    /**
     * The issue's .env: saved with a BOM, a quoted password (Compose and a shell drop the quotes), an {@code export}
     * line. Keyhouse reads the same values Compose and a shell do, and warns about what systemd would read otherwise.
     */
    @Test
    void aDotEnvIsReadAsComposeAndAShellReadIt() throws Exception {
        String password = "quoted admin pass " + java.util.UUID.randomUUID();
        String token = "runtime-token-" + java.util.UUID.randomUUID();
        try (KeyhouseHome home = new KeyhouseHome(workDir)) {
            Files.writeString(home.workDir().resolve(".env"), "\uFEFF# written by hand\n"
                    + "SYSTEM_ADMIN_PASSWORD=\"" + password + "\"\n"
                    + "export PROVISIONER_INTERNAL_TOKEN=" + token + "\n");
            KeyhouseProcess keyhouse = home.start("dotenv.log", Map.of(EnvCatalog.SYSTEM_ADMIN_PASSWORD, ""));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> signIn = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(keyhouse.baseUrl() + "/api/v1/auth/token"))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"email\":\"admin@keyhouse.local\","
                            + "\"password\":\"" + password + "\"}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).as("sign-in with the password as typed, without the quotes").isEqualTo(200);
            java.net.http.HttpResponse<String> config = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(keyhouse.baseUrl() + "/api/v1/internal/runtime-config"))
                    .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(config.statusCode()).as("the exported token enables runtime-config").isEqualTo(200);
            String output = keyhouse.logText();
            assertThat(output).contains(".env line 1: the file starts with a UTF-8 byte-order mark")
                    .contains(".env line 3: 'export NAME=' is read by a shell and python-dotenv, but systemd");
            assertThat(output).doesNotContain(password, token);
        }
    }

    /** {@code JWT_SECRET_KEY=$(openssl rand -base64 64)} written into .env spans two lines: the second is named. */
    @Test
    void aKeyWrappedOntoASecondLineOfDotEnvIsNamedByLine() throws Exception {
        String wrapped = opensslWrapped(64);
        Files.writeString(workDir.resolve(".env"), "JWT_ALGORITHM=HS512\nJWT_SECRET_KEY=" + wrapped + "\n");
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "wrapped.log",
                Map.of(EnvCatalog.JWT_SECRET_KEY, ""))) {
            assertThat(keyhouse.awaitExit(Duration.ofSeconds(60))).isEqualTo(KeyhouseMain.EXIT_CONFIGURATION);
            String output = keyhouse.logText();
            assertThat(output).contains(".env line 3: continues the value of line 2",
                    "openssl rand -base64 64 | tr -d '\\n'");
            for (String part : wrapped.split("\n")) {
                assertThat(output).doesNotContain(part);
            }
        }
    }

    /** The same key in the process environment, line break and all, is what the README's command makes: accepted. */
    @Test
    void anHs512KeyAsOpensslPrintsItIsAccepted() throws Exception {
        try (KeyhouseHome home = new KeyhouseHome(workDir)) {
            KeyhouseProcess keyhouse = home.start("hs512.log",
                    Map.of("JWT_ALGORITHM", "HS512", EnvCatalog.JWT_SECRET_KEY, opensslWrapped(64) + "\n"));
            assertThat(keyhouse.logText()).doesNotContain("JWT_SECRET_KEY must be", "JWT_SECRET_KEY (from");
        }
    }

    /** Standard base64 of {@code bytes} random bytes in lines of 64 characters, as {@code openssl rand -base64} prints. */
    private static String opensslWrapped(int bytes) {
        byte[] key = new byte[bytes];
        new java.security.SecureRandom().nextBytes(key);
        String text = java.util.Base64.getEncoder().encodeToString(key);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i += 64) {
            out.append(i == 0 ? "" : "\n").append(text, i, Math.min(text.length(), i + 64));
        }
        return out.toString();
    }
}
