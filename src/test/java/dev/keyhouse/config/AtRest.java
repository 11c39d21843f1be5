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

import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;
import dev.keyhouse.runtimes.SecretForms;

/**
 * What a database server really holds, for tests that prove no plaintext secret is at rest: its raw storage (every file
 * under the data directory after a {@code CHECKPOINT}: table and index files with their dead tuples, the WAL in
 * {@code pg_wal/}, the server's own logs and state) and a logical dump of every table as the server serialises it
 * ({@code COPY … TO STDOUT} through pgjdbc's {@link CopyManager}). Needs only the JDBC driver and a server whose data
 * directory this process can read: the embedded PostgreSQL the tests start, reached as its superuser
 * ({@link EmbeddedDatabase#SUPERUSER}, trusted on loopback; {@code CHECKPOINT}, {@code SHOW data_directory} and a
 * dump of tables whatever their owner need it).
 *
 * <p>The raw search reads bytes as they lie on disk. Two things could hide a value from it, and {@link #prepare()}
 * (run before the values are written) rules both out: PostgreSQL compresses values of about 2 kB and more (pglz or
 * lz4, a control byte every 8 bytes), so every column that can hold text or bytes is set to {@code STORAGE EXTERNAL}
 * (out of line, never compressed; kept in the row up to 8 kB), and each value is also searched by halves (see
 * {@link #needles}); and a checkpoint recycles old WAL segments, so {@code wal_keep_size} keeps them.
 * Unlogged and temporary tables never reach the WAL or, before a shutdown, the disk: {@link #volatileTables()} lists
 * them, and a leak test asserts there are none. Each value is searched in every form {@link SecretForms} knows (as
 * is, JSON- and env-escaped, URL-encoded, base64), and in the dump also as COPY's text format escapes it.
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
     * Makes what is written from now on searchable on disk: no column of the application's tables compresses its
     * values, and the server keeps {@code 4GB} of WAL however often it checkpoints. Call before writing what the
     * search looks for. Idempotent.
     */
    public static void prepare() {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET wal_keep_size = '4GB'");
            s.execute("SELECT pg_reload_conf()");
            List<String> alters = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT format('ALTER TABLE %I.%I SET (toast_tuple_target = 8160)', "
                    + "n.nspname, t.relname) FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
                    + "WHERE t.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    + "AND n.nspname NOT LIKE 'pg_toast%' UNION ALL "
                    + "SELECT format('ALTER TABLE %I.%I ALTER COLUMN %I SET STORAGE EXTERNAL', "
                    + "n.nspname, t.relname, a.attname) FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid "
                    + "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE t.relkind = 'r' AND a.attnum > 0 "
                    + "AND NOT a.attisdropped AND a.attstorage IN ('x', 'm') "
                    + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'")) {
                while (r.next()) {
                    alters.add(r.getString(1));
                }
            }
            for (String alter : alters) {
                s.execute(alter);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("preparing the database for the at-rest search failed: " + e.getMessage(), e);
        }
    }

    /** Unlogged and temporary tables (never in the WAL, not on disk before a shutdown), as {@code schema.table}. */
    public static List<String> volatileTables() {
        List<String> tables = new ArrayList<>();
        try (Connection c = superuser(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT format('%I.%I', n.nspname, t.relname) FROM pg_class t "
                        + "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE t.relkind = 'r' "
                        + "AND t.relpersistence IN ('u', 't') ORDER BY 1")) {
            while (r.next()) {
                tables.add(r.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return tables;
    }

    /**
     * Every value in every form {@link SecretForms} knows, as UTF-8 bytes, named {@code "<name>"} for the value as is
     * and {@code "<name> as <form>"} otherwise. A value whose name ends in {@code (bytes)} stands for raw bytes, one
     * char per byte (ISO-8859-1), and is searched as those bytes alone.
     */
    public static Map<String, byte[]> needles(Map<String, String> values) {
        Map<String, byte[]> needles = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            if (name.endsWith("(bytes)")) {
                withHalves(needles, name, value.getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            for (String form : SecretForms.of(value, Math.min(8, value.length()))) {
                withHalves(needles, form.equals(value) ? name : name + " as " + form, form.getBytes(StandardCharsets.UTF_8));
            }
        });
        return needles;
    }

    /**
     * The bytes, and for 16 bytes or more each half too: PostgreSQL cuts a value stored out of line into TOAST chunks
     * of about 2 kB, and the WAL puts a page header every 8 kB, so a value can lie on disk in two pieces; wherever the
     * cut falls, one half is whole on one side of it.
     */
    private static void withHalves(Map<String, byte[]> needles, String name, byte[] bytes) {
        needles.put(name, bytes);
        if (bytes.length >= 16) {
            needles.put(name + " (first half)", java.util.Arrays.copyOfRange(bytes, 0, bytes.length / 2));
            needles.put(name + " (second half)", java.util.Arrays.copyOfRange(bytes, bytes.length / 2, bytes.length));
        }
    }

    /**
     * Every (value, file) pair where a file under {@code dataDirectory} holds a value in any of its {@link #needles}. Files that vanish
     * while the search runs (temporary files, recycled WAL segments) are passed over.
     *
     * @param values name → value (see {@link #needles} for names ending in {@code (bytes)})
     */
    public static List<Hit> searchFiles(Path dataDirectory, Map<String, String> values) {
        Map<String, byte[]> needles = needles(values);
        List<String> names = List.copyOf(needles.keySet());
        // every needle in one pass over each file's bytes (a search per needle read each file thousands of times)
        MultiSearch search = MultiSearch.ofBytes(List.copyOf(needles.values()));
        List<Hit> hits = new ArrayList<>();
        for (Path file : files(dataDirectory)) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + " of the database's storage", e);
            }
            String relative = dataDirectory.relativize(file).toString();
            java.util.BitSet found = search.in(bytes);
            for (int n = found.nextSetBit(0); n >= 0; n = found.nextSetBit(n + 1)) {
                hits.add(new Hit(names.get(n), relative));
            }
        }
        return hits;
    }

    /** Every regular file under the directory, in a stable order. */
    public static List<Path> files(Path directory) {
        for (int attempt = 1;; attempt++) {
            try (Stream<Path> walk = Files.walk(directory)) {
                return walk.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException | UncheckedIOException e) {
                // a temporary folder of the server's that vanished while it was walked: walk again
                if (attempt == 3) {
                    throw new IllegalStateException("cannot list " + directory + ": " + e.getMessage(), e);
                }
            }
        }
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

    /**
     * Every value's occurrences in a dump, in each of its {@link #needles} forms: as COPY's text format writes it
     * ({@code \\} before a backslash, {@code \t}, {@code \n}, {@code \r} for tab and line breaks), and as the
     * {@code \x…} hex COPY writes for bytea.
     */
    public static List<Hit> searchDump(String dump, Map<String, String> values) {
        // each needle twice, as text (2n) and as bytea hex (2n + 1), all in one pass over the dump
        List<String> names = new ArrayList<>();
        List<String> forms = new ArrayList<>();
        needles(values).forEach((name, bytes) -> {
            names.add(name);
            forms.add(copyEscaped(new String(bytes, StandardCharsets.UTF_8)));
            forms.add(HexFormat.of().formatHex(bytes));
        });
        java.util.BitSet found = MultiSearch.ofStrings(forms).in(dump);
        List<Hit> hits = new ArrayList<>();
        for (int n = found.nextSetBit(0); n >= 0; n = found.nextSetBit(n + 1)) {
            hits.add(new Hit(names.get(n / 2), n % 2 == 0 ? "COPY dump (text)" : "COPY dump (bytea hex)"));
        }
        return hits;
    }

    private static String copyEscaped(String text) {
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
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
