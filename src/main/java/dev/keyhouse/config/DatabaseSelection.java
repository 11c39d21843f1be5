package dev.keyhouse.config;

import java.nio.file.Path;

import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;

/**
 * Which database Keyhouse uses, decided from the environment before the datasource exists.
 *
 * @param url the external database, or {@code null}
 * @param source the variable(s) the external database came from, for the log
 * @param embeddedDirectory the embedded PostgreSQL's data directory, or {@code null}
 * @param embeddedOptions how the embedded PostgreSQL runs, or {@code null}
 * @param error why the configured database is unusable (names the variable, never its value), or {@code null}
 */
record DatabaseSelection(DatabaseUrl url, String source, Path embeddedDirectory, EmbeddedDatabase.Options embeddedOptions,
        String error) {

    static DatabaseSelection external(DatabaseUrl url, String source) {
        return new DatabaseSelection(url, source, null, null, null);
    }

    static DatabaseSelection embedded(Path directory, EmbeddedDatabase.Options options) {
        return new DatabaseSelection(null, null, directory, options, null);
    }

    static DatabaseSelection invalid(String error) {
        return new DatabaseSelection(null, null, null, null, error);
    }

    boolean isEmbedded() {
        return embeddedDirectory != null;
    }
}
