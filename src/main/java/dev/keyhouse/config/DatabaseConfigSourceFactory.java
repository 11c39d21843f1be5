package dev.keyhouse.config;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;

import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;

/**
 * Chooses the database and turns the choice into {@code quarkus.datasource.*}:
 * {@code SYSTEM_DATABASE_URL} if set; else {@code POSTGRES_*} if {@code POSTGRES_PASSWORD} is set; else the
 * embedded PostgreSQL in {@code EMBEDDED_DATABASE_DIR}.
 *
 * <p>Reads the {@code keyhouse.database.*} properties, which {@code application.properties} maps from those
 * variables. The context hands them over with {@code ${VAR:default}} already expanded (profiles applied too),
 * so the variables are not read again here.
 */
public class DatabaseConfigSourceFactory implements ConfigSourceFactory {

    static final String URL = "keyhouse.database.url";
    static final String HOST = "keyhouse.database.host";
    static final String PORT = "keyhouse.database.port";
    static final String NAME = "keyhouse.database.name";
    static final String USER = "keyhouse.database.user";
    static final String PASSWORD = "keyhouse.database.password";
    static final String EMBEDDED_DIR = "keyhouse.database.embedded-dir";
    /** Test profile only: fsync, synchronous_commit and full_page_writes off. */
    static final String EMBEDDED_DURABLE = "keyhouse.database.embedded-durable";
    /** Test profile only: start every test run from an empty embedded database. */
    static final String EMBEDDED_WIPE = "keyhouse.database.embedded-wipe-at-start";

    private static final Pattern VARIABLE = Pattern.compile("^\\$\\{([A-Za-z_][A-Za-z0-9_]*)");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        return List.of(new DatabaseConfigSource(select(context)));
    }

    static DatabaseSelection select(ConfigSourceContext context) {
        ConfigValue url = context.getValue(URL);
        if (present(url)) {
            String variable = variableOf(url, EnvCatalog.SYSTEM_DATABASE_URL);
            try {
                return DatabaseSelection.external(DatabaseUrl.parse(url.getValue(), variable), variable);
            } catch (IllegalArgumentException e) {
                return DatabaseSelection.invalid(e.getMessage());
            }
        }
        if (present(context.getValue(PASSWORD))) {
            try {
                return DatabaseSelection.external(DatabaseUrl.of(text(context, HOST), text(context, PORT),
                        text(context, NAME), text(context, USER), text(context, PASSWORD)), "POSTGRES_*");
            } catch (IllegalArgumentException e) {
                return DatabaseSelection.invalid(e.getMessage());
            }
        }
        String directory = text(context, EMBEDDED_DIR);
        return DatabaseSelection.embedded(Path.of(directory == null || directory.isBlank() ? ".keyhouse/postgres" : directory),
                new EmbeddedDatabase.Options(!"false".equalsIgnoreCase(text(context, EMBEDDED_DURABLE)),
                        "true".equalsIgnoreCase(text(context, EMBEDDED_WIPE))));
    }

    /** The variable a property's {@code ${VAR:…}} expression reads, so errors name what the operator set. */
    private static String variableOf(ConfigValue value, String fallback) {
        Matcher matcher = VARIABLE.matcher(value.getRawValue() == null ? "" : value.getRawValue());
        return matcher.find() ? matcher.group(1) : fallback;
    }

    private static boolean present(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }

    private static String text(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null ? null : value.getValue();
    }
}
