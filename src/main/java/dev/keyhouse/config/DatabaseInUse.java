package dev.keyhouse.config;

import java.util.Optional;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The database this process really uses, as {@link DatabaseConfigSourceFactory} chose it, for the Environment page:
 * the embedded PostgreSQL (its address and data directory) or the external one (its location and the variable(s) it
 * came from). Never a password.
 *
 * @param embedded whether it is the embedded PostgreSQL
 * @param location {@code host:port/database}; for the embedded server the loopback port it listens on
 * @param user the user Keyhouse connects as, or {@code null} when the URL's parameters name it
 * @param from {@code SYSTEM_DATABASE_URL} or {@code POSTGRES_*} for an external database; {@code EMBEDDED_DATABASE_DIR}
 *        for the embedded one
 * @param dataDirectory the embedded server's data directory (absolute), or {@code null} for an external database
 */
public record DatabaseInUse(boolean embedded, String location, String user, String from, String dataDirectory) {

    /** The choice {@code config} was built with; empty when its database source is absent (a plain unit test). */
    public static Optional<DatabaseInUse> of(Config config) {
        for (ConfigSource source : config.getConfigSources()) {
            if (source instanceof DatabaseConfigSource database) {
                return Optional.ofNullable(database.inUse());
            }
        }
        return Optional.empty();
    }
}
