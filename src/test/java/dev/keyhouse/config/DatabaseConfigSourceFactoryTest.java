package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigValue;

import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;

class DatabaseConfigSourceFactoryTest {

    private final Map<String, String> values = new HashMap<>(Map.of(
            DatabaseConfigSourceFactory.HOST, "localhost",
            DatabaseConfigSourceFactory.PORT, "5432",
            DatabaseConfigSourceFactory.NAME, "keyhouse",
            DatabaseConfigSourceFactory.USER, "keyhouse",
            DatabaseConfigSourceFactory.EMBEDDED_DIR, ".keyhouse/postgres"));

    @Test
    void systemDatabaseUrlWinsOverPostgresVariables() {
        values.put(DatabaseConfigSourceFactory.URL, "postgresql://u:p@url-host/urldb");
        values.put(DatabaseConfigSourceFactory.PASSWORD, "pw");

        DatabaseSelection selection = DatabaseConfigSourceFactory.select(context());

        assertThat(selection.url().location()).isEqualTo("url-host:5432/urldb");
        assertThat(selection.source()).isEqualTo("SYSTEM_DATABASE_URL");
    }

    @Test
    void postgresPasswordSelectsTheDsn() {
        values.put(DatabaseConfigSourceFactory.PASSWORD, "pw");

        DatabaseSelection selection = DatabaseConfigSourceFactory.select(context());

        assertThat(selection.isEmbedded()).isFalse();
        assertThat(selection.url().jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/keyhouse");
        assertThat(selection.url().password()).isEqualTo("pw");
    }

    @Test
    void nothingConfiguredSelectsTheDurableEmbeddedDatabase() {
        DatabaseSelection selection = DatabaseConfigSourceFactory.select(context());

        assertThat(selection.isEmbedded()).isTrue();
        assertThat(selection.embeddedDirectory()).isEqualTo(Path.of(".keyhouse/postgres"));
        assertThat(selection.embeddedOptions().durable()).isTrue();
        assertThat(selection.embeddedOptions().wipeAtStart()).isFalse();
    }

    @Test
    void malformedUrlIsReportedAgainstTheVariableInItsExpression() {
        values.put(DatabaseConfigSourceFactory.URL, "nonsense-with-password");

        DatabaseSelection selection = DatabaseConfigSourceFactory.select(context("${TEST_DATABASE_URL:}"));

        assertThat(selection.error()).startsWith("TEST_DATABASE_URL is not a valid PostgreSQL URL")
                .doesNotContain("nonsense-with-password");
    }

    @Test
    void postgresVariablesNameTheServerTheDatabaseAndTheUser() {
        values.put(DatabaseConfigSourceFactory.PASSWORD, "pw");
        values.put(DatabaseConfigSourceFactory.HOST, "db.internal");
        values.put(DatabaseConfigSourceFactory.PORT, "6543");
        values.put(DatabaseConfigSourceFactory.NAME, "secrets");
        values.put(DatabaseConfigSourceFactory.USER, "keyhouse_app");

        DatabaseSelection selection = DatabaseConfigSourceFactory.select(context());

        assertThat(selection.url().jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/secrets");
        assertThat(selection.url().username()).isEqualTo("keyhouse_app");
    }

    @Test
    void embeddedDatabaseDirChoosesTheDataFolder() {
        values.put(DatabaseConfigSourceFactory.EMBEDDED_DIR, "/var/lib/keyhouse/pg");

        DatabaseSelection selection = DatabaseConfigSourceFactory.select(context());

        assertThat(selection.isEmbedded()).isTrue();
        assertThat(selection.embeddedDirectory()).isEqualTo(Path.of("/var/lib/keyhouse/pg"));
    }

    @Test
    void readingTheDatasourceOutsideRunTimeNeverStartsAnything() {
        DatabaseConfigSource source = new DatabaseConfigSource(DatabaseConfigSourceFactory.select(context()));

        assertThat(source.getValue(DatabaseConfigSource.JDBC_URL)).isNull();
        assertThat(source.getValue(DatabaseConfigSource.USERNAME)).isEqualTo(EmbeddedDatabase.USER);
    }

    private ConfigSourceContext context() {
        return context(null);
    }

    private ConfigSourceContext context(String rawUrl) {
        return new ConfigSourceContext() {
            @Override
            public ConfigValue getValue(String name) {
                return ConfigValue.builder().withName(name).withValue(values.get(name))
                        .withRawValue(name.equals(DatabaseConfigSourceFactory.URL) && rawUrl != null ? rawUrl : values.get(name))
                        .build();
            }

            @Override
            public Iterator<String> iterateNames() {
                return values.keySet().iterator();
            }
        };
    }
}
