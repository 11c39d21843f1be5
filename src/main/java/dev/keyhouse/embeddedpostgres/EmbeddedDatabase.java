package dev.keyhouse.embeddedpostgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * A real PostgreSQL, from binaries shipped in the jar, whose data lives in {@code EMBEDDED_DATABASE_DIR}.
 * For local use when no database is configured; not for production.
 *
 * <p>Started at most once per JVM per data directory: dev-mode reloads and {@code @QuarkusTest} restarts load
 * this class again in new class loaders, so the running instance is recorded in a system property, which
 * every class loader sees. A shutdown hook stops it with {@code pg_ctl stop -m fast}.
 *
 * <p>Start-up recovers from a killed Keyhouse: a postmaster still serving the directory is stopped cleanly,
 * a {@code postmaster.pid} whose PID is dead or reused is removed, and PostgreSQL replays its WAL.
 */
public final class EmbeddedDatabase {

    /** The application's database and its owner on the embedded cluster. */
    public static final String DATABASE = "keyhouse";
    public static final String USER = "keyhouse";
    /** The superuser initdb makes, trusted on loopback; Keyhouse uses it only to create {@link #USER}'s database. */
    public static final String SUPERUSER = "postgres";
    /** A held lock on this file inside the data directory marks it as in use by a live Keyhouse. */
    static final String LOCK_FILE = "keyhouse.lock";
    private static final String REGISTRY = "keyhouse.embedded-postgres.port:";
    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);

    /**
     * @param durable fsync, synchronous_commit and full_page_writes on; off only for tests
     * @param wipeAtStart delete the data directory before the first start in this JVM; tests only
     */
    public record Options(boolean durable, boolean wipeAtStart) {
    }

    private final Path directory;
    private final Options options;

    private EmbeddedDatabase(Path directory, Options options) {
        this.directory = directory;
        this.options = options;
    }

    /** Starts the embedded PostgreSQL in {@code dataDirectory} unless this JVM already did; returns its JDBC URL. */
    public static String jdbcUrl(Path dataDirectory, Options options) {
        Path directory = dataDirectory.toAbsolutePath().normalize();
        String key = (REGISTRY + directory).intern();
        synchronized (key) { // interned: the same monitor in every class loader
            String port = System.getProperty(key);
            if (port == null) {
                port = String.valueOf(new EmbeddedDatabase(directory, options).start());
                System.setProperty(key, port);
            } else {
                LOG.debugf("embedded PostgreSQL in %s already runs on port %s; reusing it", directory, port);
            }
            return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
        }
    }

    private int start() {
        long started = System.nanoTime();
        try {
            Path binaries = PostgresBinaries.unpack();
            if (options.wipeAtStart()) {
                wipe(binaries);
            }
            Files.createDirectories(directory);
            PostgresServer server = PostgresServer.forDirectory(binaries, directory);
            if (!server.initialized()) {
                requireEmpty();
                LOG.infof("creating a new embedded PostgreSQL cluster in %s", directory);
                server.initdb(options.durable());
            }
            FileLock lock = lock();
            recoverFromCrash(server);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAtExit(server, lock), "keyhouse-embedded-postgres-stop"));
            int port = startServer(server);
            String version = createApplicationDatabase(port);
            LOG.infof("embedded PostgreSQL %s started on 127.0.0.1:%d in %d ms (fsync, synchronous_commit and "
                    + "full_page_writes %s)", version, port, (System.nanoTime() - started) / 1_000_000,
                    options.durable() ? "on" : "OFF, for tests");
            return port;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("The embedded PostgreSQL in " + directory
                    + " (EMBEDDED_DATABASE_DIR) could not start: " + e.getMessage(), e);
        }
    }

    private void requireEmpty() throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            if (entries.findAny().isPresent()) {
                throw new IOException("the folder is not empty and is not a PostgreSQL data directory; point "
                        + "EMBEDDED_DATABASE_DIR at an empty or new folder");
            }
        }
    }

    private FileLock lock() throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
        } catch (OverlappingFileLockException e) {
            // held by this JVM, through another class loader that did not record its port
        }
        channel.close();
        throw new IOException("another running Keyhouse uses this data directory (" + LOCK_FILE + " is locked)");
    }

    private void recoverFromCrash(PostgresServer server) throws IOException {
        var pidFile = PostmasterPidFile.read(directory);
        if (pidFile.isEmpty()) {
            return;
        }
        long pid = pidFile.get().pid();
        switch (pidFile.get().owner(directory)) {
            case POSTMASTER_OF_THIS_DIRECTORY -> {
                LOG.warnf("a PostgreSQL (pid %d) left running by an earlier Keyhouse still serves %s; stopping it"
                        + " cleanly before starting", pid, directory);
                server.stop();
                if (!PostmasterPidFile.awaitExit(pid, Duration.ofSeconds(30))) {
                    throw new IOException("the PostgreSQL left running (pid " + pid + ") did not stop");
                }
            }
            case NO_PROCESS -> {
                LOG.warnf("removing the stale postmaster.pid in %s (pid %d no longer runs); PostgreSQL will recover"
                        + " from its write-ahead log", directory, pid);
                Files.deleteIfExists(directory.resolve(PostmasterPidFile.NAME));
            }
            case OTHER_PROCESS -> {
                LOG.warnf("removing the stale postmaster.pid in %s (pid %d now belongs to another program);"
                        + " PostgreSQL will recover from its write-ahead log", directory, pid);
                Files.deleteIfExists(directory.resolve(PostmasterPidFile.NAME));
            }
        }
    }

    /** Starts the server on a free port; returns the port. */
    private int startServer(PostgresServer server) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listen_addresses", "127.0.0.1");
        settings.put("unix_socket_directories", "''"); // TCP only: no socket files in /tmp
        String durability = options.durable() ? "on" : "off";
        settings.put("fsync", durability);
        settings.put("synchronous_commit", durability);
        settings.put("full_page_writes", durability);
        try {
            int port = freePort();
            server.start(port, settings);
            return port;
        } catch (IOException first) {
            // Children of a killed postmaster can hold its shared memory for a moment after it died.
            LOG.warnf("embedded PostgreSQL did not start (%s); retrying once", first.getMessage());
            sleep(2000);
            try {
                int port = freePort();
                server.start(port, settings);
                return port;
            } catch (IOException second) {
                throw new IOException(second.getMessage() + "\nserver log:\n" + server.logTail(), second);
            }
        }
    }

    /** Creates the application's role and database on first start; returns the server version. */
    private String createApplicationDatabase(int port) throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", SUPERUSER);
        try (Connection connection = new org.postgresql.Driver().connect(
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres", credentials);
                Statement statement = connection.createStatement()) {
            if (!exists(statement, "SELECT 1 FROM pg_roles WHERE rolname = '" + USER + "'")) {
                statement.execute("CREATE ROLE " + USER + " LOGIN");
            }
            if (!exists(statement, "SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
            }
            try (ResultSet version = statement.executeQuery("SHOW server_version")) {
                version.next();
                return version.getString(1);
            }
        }
    }

    private static boolean exists(Statement statement, String query) throws SQLException {
        try (ResultSet rows = statement.executeQuery(query)) {
            return rows.next();
        }
    }

    private void wipe(Path binaries) throws IOException {
        if (Files.exists(directory.resolve("PG_VERSION"))) {
            var pidFile = PostmasterPidFile.read(directory);
            if (pidFile.isPresent()
                    && pidFile.get().owner(directory) == PostmasterPidFile.Owner.POSTMASTER_OF_THIS_DIRECTORY) {
                PostgresServer.forDirectory(binaries, directory).stop();
            }
        }
        PostgresBinaries.deleteTree(directory);
    }

    /**
     * Armed while the application runs ({@link EmbeddedDatabaseShutdown}): the JVM runs its shutdown hooks at once,
     * so the hook that stops the embedded PostgreSQL first waits (at most {@link #APPLICATION_STOP_WAIT}) for the
     * application's own shutdown (its last writes: pending fetch acknowledgements, a rollout's or rotation job's
     * state). Unarmed (the application never started, or another class loader's copy), it stops at once.
     */
    static final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> APPLICATION =
            new java.util.concurrent.atomic.AtomicReference<>();
    static final Duration APPLICATION_STOP_WAIT = Duration.ofSeconds(30);

    private void stopAtExit(PostgresServer server, FileLock lock) {
        java.util.concurrent.CountDownLatch running = APPLICATION.get();
        if (running != null) {
            try {
                if (!running.await(APPLICATION_STOP_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.warnf("the application did not finish stopping within %d s; stopping the embedded PostgreSQL"
                            + " anyway", APPLICATION_STOP_WAIT.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (Files.exists(directory.resolve(PostmasterPidFile.NAME))) {
                server.stop();
                LOG.infof("embedded PostgreSQL in %s stopped", directory);
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf("embedded PostgreSQL in %s did not stop: %s", directory, e.getMessage());
        } finally {
            try {
                lock.release();
                lock.channel().close();
            } catch (IOException e) {
                LOG.debugf("releasing %s: %s", LOCK_FILE, e.getMessage());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
