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
}
