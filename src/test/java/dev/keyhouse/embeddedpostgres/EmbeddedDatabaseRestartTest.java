package dev.keyhouse.embeddedpostgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import javax.sql.DataSource;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

import dev.keyhouse.config.TestDatabase;

/** A test profile makes Quarkus restart in a new class loader; the embedded PostgreSQL must not start again. */
@QuarkusTest
@TestProfile(EmbeddedDatabaseRestartTest.Restarted.class)
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

    public static class Restarted implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "restarted";
        }
    }
}
