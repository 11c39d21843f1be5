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
            assertThat(output).contains("JWT_SECRET_KEY must be standard base64",
                    "CREDENTIAL_ENCRYPTION_KEY_PREVIOUS repeats CREDENTIAL_ENCRYPTION_KEY");
            assertThat(output).doesNotContain(current, plantedBadKey);
            assertThat(Files.exists(workDir.resolve("data"))).isFalse();
        }
    }
}
