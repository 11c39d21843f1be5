package dev.keyhouse.config;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.Config;

/**
 * JDBC connections of Keyhouse's own, outside the Agroal pool, to the database the pool uses (same URL, user and
 * password, whichever source chose them: the embedded PostgreSQL, SYSTEM_DATABASE_URL or POSTGRES_*). For work that
 * keeps a session for long — a session-level advisory lock held for a whole job, a LISTEN — so it never takes a slot
 * from the requests, and a request that holds such a connection may still take one pooled connection without ever
 * holding one pooled connection while it waits for another (issue 17).
 */
@ApplicationScoped
public class DirectConnections {

    private final Config config;

    public DirectConnections(Config config) {
        this.config = config;
    }

    /**
     * Opens a connection in autocommit mode; the caller closes it.
     *
     * @param applicationName what {@code pg_stat_activity.application_name} shows, e.g. {@code keyhouse-rotation}
     * @param socketTimeoutSeconds how long a read may block before the connection is given up (0: no limit)
     * @throws SQLException when the database refuses or cannot be reached (the message may name the host, never the
     *         password)
     */
    public Connection open(String applicationName, int socketTimeoutSeconds) throws SQLException {
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        Properties properties = new Properties();
        config.getOptionalValue("quarkus.datasource.username", String.class)
                .ifPresent(user -> properties.setProperty("user", user));
        config.getOptionalValue("quarkus.datasource.password", String.class)
                .ifPresent(password -> properties.setProperty("password", password));
        properties.setProperty("ApplicationName", applicationName);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        Connection connection = new org.postgresql.Driver().connect(url, properties);
        if (connection == null) {
            throw new SQLException("the datasource URL is not a PostgreSQL JDBC URL", "08001");
        }
        connection.setAutoCommit(true);
        return connection;
    }
}
