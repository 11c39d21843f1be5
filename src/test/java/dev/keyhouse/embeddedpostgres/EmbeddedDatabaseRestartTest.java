package dev.keyhouse.embeddedpostgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import javax.sql.DataSource;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

import dev.keyhouse.Profiles;
import dev.keyhouse.config.TestDatabase;

/**
 * A test profile makes Quarkus restart in a new class loader; the embedded PostgreSQL must not start again. Any profile
 * on the shared test database other than the default one restarts Quarkus after DatabaseTest's application: this
 * class runs in the runtime tests' (their restart settings do not matter here), so it costs no build of its own.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class EmbeddedDatabaseRestartTest {

    @Inject
    DataSource dataSource;

    @Test
    void aQuarkusRestartReusesTheRunningEmbeddedDatabase() throws Exception {
        Assumptions.assumeTrue(System.getenv("TEST_DATABASE_URL") == null || System.getenv("TEST_DATABASE_URL").isBlank());

        assertThat(TestDatabase.samePostmasterAsEarlierTests()).isTrue();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM flyway_schema_history")) {
            rows.next();
            assertThat(rows.getInt(1)).isPositive();
        }
    }
}
