package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dev mode generates missing keys once into a mode-600 .env and keeps what is already there. */
class DevelopmentKeysTest {

    @TempDir
    Path dir;

    @Test
    void missingKeysAreGeneratedOnceIntoAPrivateEnvFile() throws Exception {
        Path file = dir.resolve(".env");
        Files.writeString(file, "# mine\nLOG_LEVEL=DEBUG\n");
        DotEnvFile dotEnv = new DotEnvFile(file);

        Map<String, String> generated = DevelopmentKeys.generateMissing(name -> dotEnv.read().get(name), dotEnv);

        assertThat(generated).containsOnlyKeys(DevelopmentKeys.KEYS);
        assertThat(Base64.getDecoder().decode(generated.get(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY))).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Map<String, String> stored = dotEnv.read();
        assertThat(stored).containsAllEntriesOf(generated).containsEntry("LOG_LEVEL", "DEBUG");
        assertThat(Files.readString(file)).startsWith("# mine\n");

        Map<String, String> again = DevelopmentKeys.generateMissing(name -> dotEnv.read().get(name), dotEnv);
        assertThat(again).as("a second start generates nothing").isEmpty();
        assertThat(dotEnv.read()).isEqualTo(stored);
    }

    @Test
    void keysAlreadySetElsewhereAreNotGenerated() {
        DotEnvFile dotEnv = new DotEnvFile(dir.resolve(".env"));
        Map<String, String> generated = DevelopmentKeys.generateMissing(
                name -> name.equals(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY) ? "set-in-the-environment" : null, dotEnv);
        assertThat(generated).doesNotContainKey(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY)
                .containsKeys(EnvCatalog.JWT_SECRET_KEY, EnvCatalog.SYSTEM_ADMIN_PASSWORD);
    }
}
