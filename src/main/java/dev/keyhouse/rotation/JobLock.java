package dev.keyhouse.rotation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The one-job-at-a-time lock shared by every replica on the database: a session-level PostgreSQL advisory lock.
 * It lives as long as the connection that took it, so a killed process releases it with its connection.
 */
final class JobLock {

    /** The advisory lock key: "khrotate" as 8 ASCII bytes, so it is recognisable in {@code pg_locks}. */
    static final long KEY = 0x6b68726f74617465L;

    private JobLock() {
    }

    /** Takes the lock on this connection if no other session holds it; never waits. */
    static boolean tryAcquire(Connection connection) throws SQLException {
        return bool(connection, "SELECT pg_try_advisory_lock(?)");
    }

    /**
     * Releases the lock so the pooled connection goes back clean. A connection that broke has lost the lock with
     * its session, so failures here are ignored.
     */
    static void release(Connection connection) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
                connection.setAutoCommit(true);
            }
            bool(connection, "SELECT pg_advisory_unlock(?)");
        } catch (SQLException brokenConnectionLostTheLockAnyway) {
            // nothing to release
        }
    }

    private static boolean bool(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, KEY);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }
}
