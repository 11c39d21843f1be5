package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

/**
 * Agroal's "acquisition timeout" (every pooled connection stayed busy for the pool's acquisition timeout) is overload,
 * answered 503 with Retry-After, wherever Hibernate or JTA wrapped it; any other SQL failure stays a 500.
 */
class PoolExhaustedTest {

    @Test
    void agroalsAcquisitionTimeoutIsRecognisedUnderTheWrappersHibernateAddsAndNothingElseIs() {
        SQLException agroal = new SQLException("Sorry, acquisition timeout!");
        RuntimeException hibernate = new org.hibernate.exception.JDBCConnectionException(
                "Unable to acquire JDBC Connection [Sorry, acquisition timeout!]", agroal);
        assertThat(ProblemMapper.poolExhausted(hibernate)).isTrue();
        assertThat(ProblemMapper.poolExhausted(new jakarta.persistence.PersistenceException(hibernate))).isTrue();
        assertThat(ProblemMapper.poolExhausted(new IllegalStateException(new SQLException("relation does not exist"))))
                .isFalse();
        assertThat(ProblemMapper.poolExhausted(new IllegalStateException("acquisition timeout"))).as("not an SQLException")
                .isFalse();
    }

    /**
     * A database connection that failed (PostgreSQL killed the backend, or is down) is a 503 to wait out, and never
     * mistaken for the client hanging up, though pgjdbc's cause is a reset or a broken pipe (found by a breaker:
     * pg_terminate_backend made the next calls answer 400 "malformed").
     */
    @Test
    void aFailedDatabaseConnectionIsTheDatabasesNotTheClientsAndItsSqlStateIsNamed() {
        SQLException terminated = new org.postgresql.util.PSQLException("An I/O error occurred while sending to the"
                + " backend.", org.postgresql.util.PSQLState.CONNECTION_FAILURE, new java.net.SocketException(
                        "Connection reset"));
        RuntimeException hibernate = new org.hibernate.exception.JDBCConnectionException("could not execute query",
                terminated);
        assertThat(ProblemMapper.clientHungUp(hibernate)).isFalse();
        assertThat(ProblemMapper.databaseLost(hibernate)).isEqualTo("08006");
        assertThat(ProblemMapper.databaseLost(new SQLException("terminating connection due to administrator command",
                "57P01"))).isEqualTo("57P01");
        assertThat(ProblemMapper.databaseLost(new SQLException("duplicate key", "23505"))).isNull();
        assertThat(ProblemMapper.clientHungUp(new java.io.IOException("Connection reset"))).as("the client's own")
                .isTrue();
    }
}
