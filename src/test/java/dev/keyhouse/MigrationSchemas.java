package dev.keyhouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Databases of a previous version for migration tests, each in a schema of its own on the embedded PostgreSQL: the
 * migrations up to a version ({@link #flyway}), raw SQL on a connection of its own ({@link #connection}), and the
 * schema dropped afterwards ({@link #drop}).
 */
@ApplicationScoped
public class MigrationSchemas {

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;
    @ConfigProperty(name = "quarkus.datasource.username")
    String user;
    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    /** Flyway migrating {@code schema} (made when missing) with the shipped migrations up to {@code target}, e.g. "23". */
    public Flyway flyway(String schema, String target) {
        return Flyway.configure().dataSource(url, user, password.orElse(null)).schemas(schema).defaultSchema(schema)
                .locations("classpath:db/migration").target(target).load();
    }

    /**
     * A connection of its own, not the pool's: the search_path set on it never reaches a connection the application
     * uses.
     */
    public Connection connection() throws SQLException {
        return java.sql.DriverManager.getConnection(url, user, password.orElse(null));
    }

    /** Drops {@code schema} and everything in it. */
    public void drop(String schema) throws SQLException {
        try (Connection c = connection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
