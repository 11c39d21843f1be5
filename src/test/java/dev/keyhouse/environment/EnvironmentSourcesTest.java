package dev.keyhouse.environment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.config.DatabaseInUse;
import dev.keyhouse.config.DevelopmentKeys;
import dev.keyhouse.config.DotEnvConfigSourceFactory;
import dev.keyhouse.environment.EnvironmentReport.Source;
import io.smallrye.config.DotEnvConfigSourceProvider;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Issue 20, item 6: the Environment page names the source each value really came from, by the names the real
 * configuration sources carry, and says which database variables the database in use ignores.
 */
class EnvironmentSourcesTest {

    @Test
    void smallRyesOwnEnvFileReaderIsTheEnvFileNotTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve(".env"), "ROTATION_BATCH_SIZE=250\n");
        List<ConfigSource> sources = new DotEnvConfigSourceProvider(file.toUri().toString())
                .getConfigSources(getClass().getClassLoader());
        // the file's source, by its value (the provider also lists a lookup of the class path)
        String name = sources.stream().filter(source -> "250".equals(source.getValue("ROTATION_BATCH_SIZE")))
                .map(ConfigSource::getName).findFirst().orElseThrow();
        assertThat(name).contains(file.toString());
        assertThat(name).as("SmallRye's .env reader is named after the process environment's source")
                .startsWith(new EnvConfigSource(Map.of(), 300).getName());
        assertThat(EnvironmentReport.sourceNamed(name)).isEqualTo(Source.ENV_FILE);
    }

    @Test
    void eachRealSourceNameMapsToWhereTheValueCameFrom() {
        assertThat(EnvironmentReport.sourceNamed(new EnvConfigSource(Map.of(), 300).getName()))
                .isEqualTo(Source.ENVIRONMENT);
        assertThat(EnvironmentReport.sourceNamed(named(DotEnvConfigSourceFactory.NAME))).isEqualTo(Source.ENV_FILE);
        assertThat(EnvironmentReport.sourceNamed(named(DevelopmentKeys.SOURCE_NAME)))
                .as("generated into .env at this start").isEqualTo(Source.ENV_FILE);
        assertThat(EnvironmentReport.sourceNamed("vault secret/data/keyhouse/production (KV v2, version 3)"))
                .isEqualTo(Source.VAULT);
        assertThat(EnvironmentReport.sourceNamed(named("file:/srv/keyhouse/application.properties")))
                .isEqualTo(Source.CONFIGURATION);
        // issue 20's breaker: HTTP_PORT unset, quarkus.http.port given as -D, was labelled application.properties
        assertThat(EnvironmentReport.sourceNamed(new io.smallrye.config.SysPropConfigSource().getName()))
                .isEqualTo(Source.SYSTEM_PROPERTY);
        assertThat(Source.SYSTEM_PROPERTY.label()).isEqualTo("system property (-D)");
        assertThat(Source.ENV_FILE.label()).isEqualTo(".env file");
        assertThat(Source.CONFIGURATION.label()).isEqualTo("application.properties");
    }

    /** The name a {@link PropertiesConfigSource} given {@code name} really carries. */
    private static String named(String name) {
        return new PropertiesConfigSource(Map.of(), name, 100).getName();
    }

    @Test
    void theDatabaseVariablesTheDatabaseInUseIgnoresAreNamedSo() {
        DatabaseInUse embedded = new DatabaseInUse(true, "127.0.0.1:41234/keyhouse", "keyhouse",
                "EMBEDDED_DATABASE_DIR", "/srv/keyhouse/.keyhouse/postgres");
        assertThat(EnvironmentReport.unusedDatabaseNote("POSTGRES_HOST", embedded))
                .startsWith("not used: the embedded PostgreSQL is in use");
        assertThat(EnvironmentReport.unusedDatabaseNote("SYSTEM_DATABASE_URL", embedded))
                .startsWith("not used: the embedded PostgreSQL is in use");
        assertThat(EnvironmentReport.unusedDatabaseNote("EMBEDDED_DATABASE_DIR", embedded)).isNull();
        assertThat(EnvironmentReport.unusedDatabaseNote("LOG_LEVEL", embedded)).isNull();

        DatabaseInUse byUrl = new DatabaseInUse(false, "db.internal:5432/keyhouse", "keyhouse", "SYSTEM_DATABASE_URL",
                null);
        assertThat(EnvironmentReport.unusedDatabaseNote("POSTGRES_HOST", byUrl))
                .isEqualTo("not used: SYSTEM_DATABASE_URL wins over POSTGRES_*");
        assertThat(EnvironmentReport.unusedDatabaseNote("EMBEDDED_DATABASE_DIR", byUrl))
                .isEqualTo("not used: the database is external (SYSTEM_DATABASE_URL)");
        assertThat(EnvironmentReport.unusedDatabaseNote("SYSTEM_DATABASE_URL", byUrl)).isNull();

        DatabaseInUse byParts = new DatabaseInUse(false, "db.internal:5432/keyhouse", "keyhouse", "POSTGRES_*", null);
        assertThat(EnvironmentReport.unusedDatabaseNote("POSTGRES_HOST", byParts)).isNull();
        assertThat(EnvironmentReport.unusedDatabaseNote("EMBEDDED_DATABASE_DIR", byParts))
                .isEqualTo("not used: the database is external (POSTGRES_*)");
    }
}
