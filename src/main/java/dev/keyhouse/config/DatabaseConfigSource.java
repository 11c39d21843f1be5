package dev.keyhouse.config;

import java.nio.file.Path;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.ExecutionMode;

import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;

/**
 * Supplies {@code quarkus.datasource.jdbc.url}, {@code .username} and {@code .password} from a
 * {@link DatabaseSelection}.
 *
 * <p>The embedded PostgreSQL starts on the first read of the URL at run time, never while Quarkus builds the
 * application (that build also reads configuration, through this same source).
 */
final class DatabaseConfigSource implements ConfigSource {

    static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    static final String USERNAME = "quarkus.datasource.username";
    static final String PASSWORD = "quarkus.datasource.password";
    /** Above application.properties (250), below environment variables (300) and system properties (400). */
    private static final int ORDINAL = 275;
    private static final Logger LOG = Logger.getLogger(DatabaseConfigSource.class);
    /** Where the build's AppCDS run keeps its database: wiped at each such run, never used by a real start. */
    static final Path APPCDS_DIRECTORY = Path.of(System.getProperty("java.io.tmpdir"), "keyhouse-appcds-postgres");

    private final DatabaseSelection selection;
    private volatile String resolvedUrl;

    DatabaseConfigSource(DatabaseSelection selection) {
        this.selection = selection;
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(JDBC_URL, USERNAME, PASSWORD);
    }

    @Override
    public String getValue(String propertyName) {
        switch (propertyName) {
            case JDBC_URL:
                return jdbcUrl();
            case USERNAME:
                if (selection.isEmbedded()) {
                    return EmbeddedDatabase.USER;
                }
                return selection.url() == null ? null : selection.url().username();
            case PASSWORD:
                return selection.url() == null ? null : selection.url().password();
            default:
                return null;
        }
    }

    private String jdbcUrl() {
        if (!atRunTime()) {
            return null;
        }
        if (selection.error() != null) {
            throw new IllegalArgumentException(selection.error());
        }
        String url = resolvedUrl;
        if (url == null) {
            synchronized (this) {
                url = resolvedUrl;
                if (url == null) {
                    url = resolve();
                    resolvedUrl = url;
                }
            }
        }
        return url;
    }

    private String resolve() {
        if (!selection.isEmbedded()) {
            LOG.infof("Database: PostgreSQL at %s as user %s (from %s)", selection.url().location(),
                    selection.url().username() == null ? "(named in the URL parameters)" : selection.url().username(),
                    selection.source());
            return selection.url().jdbcUrl();
        }
        if (ApplicationLifecycleManager.isAppCDSGeneration()) {
            // the build's AppCDS run (-Dquarkus.package.jar.appcds.enabled=true) starts the application once to see
            // which classes it loads: on a throw-away cluster, never in the working folder (target/quarkus-app)
            String url = EmbeddedDatabase.jdbcUrl(APPCDS_DIRECTORY, new EmbeddedDatabase.Options(false, true));
            LOG.infof("Database: a throw-away embedded PostgreSQL in %s for the AppCDS archive run", APPCDS_DIRECTORY);
            return url;
        }
        String url = EmbeddedDatabase.jdbcUrl(selection.embeddedDirectory(), selection.embeddedOptions());
        LOG.warnf("Database: EMBEDDED PostgreSQL at %s as user %s, data in %s. It is for local development and"
                + " tests only, NOT for production: set SYSTEM_DATABASE_URL or POSTGRES_* there.",
                url.substring("jdbc:postgresql://".length()), EmbeddedDatabase.USER,
                selection.embeddedDirectory().toAbsolutePath().normalize());
        return url;
    }

    private static boolean atRunTime() {
        ExecutionMode mode = ExecutionMode.current();
        return mode == ExecutionMode.RUNTIME_INIT || mode == ExecutionMode.RUNNING;
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }

    @Override
    public String getName() {
        return "KeyhouseDatabaseConfigSource";
    }
}
