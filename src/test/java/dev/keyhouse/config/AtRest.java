package dev.keyhouse.config;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;


import org.eclipse.microprofile.config.ConfigProvider;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * What a database server really holds, for tests that prove no plaintext secret is at rest: its raw storage (every file
 * under the data directory after a {@code CHECKPOINT}: table and index files with their dead tuples, the WAL in
 * {@code pg_wal/}, the server's own logs and state) and a logical dump of every table as the server serialises it
 * ({@code COPY … TO STDOUT} through pgjdbc's {@link CopyManager}). Needs only the JDBC driver and a server whose data
 * directory this process can read: the embedded PostgreSQL the tests start, reached as its superuser
 * ({@link EmbeddedDatabase#SUPERUSER}, trusted on loopback; {@code CHECKPOINT}, {@code SHOW data_directory} and a
 * dump of tables whatever their owner need it).
 *
 * <p>The raw search reads bytes as they lie on disk, so it finds a value PostgreSQL stores inline (short text, jsonb
 * strings, bytea) but not one it compressed (values over about 2 kB, TOASTed with pglz or lz4); the logical dump
 * covers those, decompressed.
 */
public final class AtRest {

    private AtRest() {
    }

    /** One place a searched value was found: the file (relative to the data directory) or table, and which value. */
    public record Hit(String name, String where) {

        @Override
        public String toString() {
            return name + " in " + where;
        }
    }

    /**
     * The server's data directory, after a {@code CHECKPOINT} has written every dirty page and WAL record to disk.
     *
     * @throws IllegalStateException when the server's data directory is not on this machine (a {@code TEST_DATABASE_URL}
     *         elsewhere): the raw search cannot run, and says so rather than passing on nothing
     */
    public static Path checkpointedDataDirectory() {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
            try (ResultSet r = s.executeQuery("SHOW data_directory")) {
                r.next();
                Path dir = Path.of(r.getString(1));
                if (!Files.isDirectory(dir.resolve("pg_wal")) || !Files.isDirectory(dir.resolve("base"))) {
                    throw new IllegalStateException("the database server's data directory " + dir + " is not on this "
                            + "machine or not readable: the at-rest search needs the embedded PostgreSQL (unset "
                            + "TEST_DATABASE_URL)");
                }
                return dir;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("CHECKPOINT / SHOW data_directory failed: " + e.getMessage(), e);
        }
    }

    /**
     * Every (value, file) pair where a file under {@code dataDirectory} holds a value's UTF-8 bytes. Files that vanish
     * while the search runs (temporary files, recycled WAL segments) are passed over.
     *
     * @param values name → value; each is searched as UTF-8 bytes
     */
    public static List<Hit> searchFiles(Path dataDirectory, Map<String, String> values) {
        Map<String, String> needles = new LinkedHashMap<>();
        // a Latin-1 view of the bytes keeps every byte one char, so String.indexOf searches bytes
        values.forEach((name, value) -> needles.put(name,
                new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
        List<Hit> hits = new ArrayList<>();
        for (Path file : files(dataDirectory)) {
            String bytes;
            try {
                bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + " of the database's storage", e);
            }
            String relative = dataDirectory.relativize(file).toString();
            needles.forEach((name, needle) -> {
                if (bytes.contains(needle)) {
                    hits.add(new Hit(name, relative));
                }
            });
        }
        return hits;
    }

    /** Every regular file under the directory, in a stable order. */
    public static List<Path> files(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    /** The total size in bytes of {@link #files(Path)}. */
    public static long size(Path directory) {
        long total = 0;
        for (Path file : files(directory)) {
            try {
                total += Files.size(file);
            } catch (IOException e) {
                // vanished while listed
            }
        }
        return total;
    }

    /**
     * A logical dump: for every table of every schema but the server's own ({@code pg_catalog},
     * {@code information_schema}, {@code pg_toast}), a line {@code -- <schema>.<table>} and then its rows as
     * {@code COPY … TO STDOUT} writes them (text format: tab-separated, bytea as {@code \x} hex).
     */
    public static String copyDump() {
        StringWriter out = new StringWriter();
        try (Connection c = superuser()) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (String table : tables(c)) {
                out.write("-- " + table + "\n");
                copy.copyOut("COPY " + table + " TO STDOUT", out);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("COPY TO STDOUT failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Every value's occurrences in a dump: as text, and as the {@code \x…} hex COPY writes for bytea. */
    public static List<Hit> searchDump(String dump, Map<String, String> values) {
        List<Hit> hits = new ArrayList<>();
        values.forEach((name, value) -> {
            if (dump.contains(value)) {
                hits.add(new Hit(name, "COPY dump (text)"));
            }
            if (dump.contains(HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8)))) {
                hits.add(new Hit(name, "COPY dump (bytea hex)"));
            }
        });
        return hits;
    }

    /** A connection of its own (not from the application's pool) as the embedded server's superuser. */
    private static Connection superuser() throws SQLException {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        Properties credentials = new Properties();
        credentials.setProperty("user", EmbeddedDatabase.SUPERUSER);
        Connection connection = new org.postgresql.Driver().connect(url, credentials);
        if (connection == null) {
            throw new IllegalStateException("not a PostgreSQL JDBC URL: " + url);
        }
        return connection;
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT format('%I.%I', table_schema, table_name) "
                + "FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                + "AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%' "
                + "ORDER BY 1"); ResultSet r = s.executeQuery()) {
            while (r.next()) {
                tables.add(r.getString(1));
            }
        }
        return tables;
    }
}
