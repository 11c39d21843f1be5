package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Management;
import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;
import dev.keyhouse.embeddedpostgres.PostmasterPidFile;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** The application reaches its database and Flyway migrated it; tests run on their own embedded PostgreSQL. */
@QuarkusTest
class DatabaseTest {

    @Inject
    DataSource dataSource;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @Test
    void flywayCreatedTheSealedValuesTable() throws SQLException {
        assertThat(query("SELECT to_regclass('public.sealed_values')::text")).isEqualTo("sealed_values");
        long migrations;
        try (var files = java.nio.file.Files.list(Path.of("migrations"))) {
            migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(query("SELECT count(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL"))
                .isEqualTo(String.valueOf(migrations));
    }

    @Test
    void connectsAsTheApplicationRoleToItsOwnDatabase() throws SQLException {
        Assumptions.assumeTrue(usesEmbeddedDatabase(), "TEST_DATABASE_URL is set");

        assertThat(query("SELECT current_database()")).isEqualTo(EmbeddedDatabase.DATABASE);
        assertThat(query("SELECT current_user")).isEqualTo(EmbeddedDatabase.USER);
    }

    @Test
    void testsRunTheEmbeddedDatabaseUnderTargetWithoutFsync() throws Exception {
        Assumptions.assumeTrue(usesEmbeddedDatabase(), "TEST_DATABASE_URL is set");

        // Both settings come from TestDatabase: proof that the selection sees test overrides.
        assertThat(query("SHOW fsync")).isEqualTo("off");
        int port = PostmasterPidFile.read(Path.of(TestDatabase.DIRECTORY)).orElseThrow().port();
        assertThat(jdbcUrl).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/" + EmbeddedDatabase.DATABASE);
        assertThat(TestDatabase.samePostmasterAsEarlierTests()).isTrue();
    }

    @Test
    void readinessIncludesTheDatabaseCheck() {
        Management.given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", hasItem("Database connections health check"))
                .body("checks.find { it.name == 'Database connections health check' }.status", is("UP"));
    }

    private boolean usesEmbeddedDatabase() {
        String testUrl = System.getenv("TEST_DATABASE_URL");
        return testUrl == null || testUrl.isBlank();
    }

    private String query(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).isTrue();
            return rows.getString(1);
        }
    }
}
