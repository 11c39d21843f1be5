package dev.keyhouse.embeddedpostgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.config.KeyhouseProcess;

/**
 * The packaged jar on its embedded PostgreSQL: durable settings, a clean stop on SIGTERM, and no lost commit
 * when Keyhouse, or Keyhouse and PostgreSQL, are killed with SIGKILL.
 */
class EmbeddedDatabaseIT {

    @TempDir
    Path temp;

    private Path workDir;
    private final List<KeyhouseProcess> started = new ArrayList<>();
    private final List<Path> dataDirectories = new ArrayList<>();

    @BeforeEach
    void searchableWorkDir() throws IOException {
        // When the build runs as root, PostgreSQL runs as nobody and must be able to reach its folder.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        workDir = Files.createDirectory(temp.resolve("work"));
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (KeyhouseProcess keyhouse : started) {
            keyhouse.close();
        }
        for (Path dataDirectory : dataDirectories) {
            KeyhouseProcess.stopPostgres(dataDirectory);
        }
    }

    @Test
    void embeddedDatabaseIsDurableAndStopsWithKeyhouse() throws Exception {
        Path dataDirectory = track(workDir.resolve(".keyhouse/postgres")); // the default, relative to the working dir
        KeyhouseProcess keyhouse = start(null, "first.log");

        try (Connection connection = KeyhouseProcess.connect(dataDirectory)) {
            assertThat(show(connection, "fsync")).isEqualTo("on");
            assertThat(show(connection, "synchronous_commit")).isEqualTo("on");
            assertThat(show(connection, "full_page_writes")).isEqualTo("on");
        }
        long postmaster = PostmasterPidFile.read(dataDirectory).orElseThrow().pid();
        List<Long> serverProcesses = new ArrayList<>(List.of(postmaster));
        ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(child -> serverProcesses.add(child.pid())));

        assertThat(keyhouse.terminate(Duration.ofSeconds(30))).as("Keyhouse exits on SIGTERM").isTrue();

        assertThat(PostmasterPidFile.awaitExit(postmaster, Duration.ofSeconds(5))).as("postmaster stopped").isTrue();
        assertThat(serverProcesses).allSatisfy(pid -> assertThat(PostmasterPidFile.isRunning(pid)).isFalse());
        assertThat(postgresProcessesServing(dataDirectory)).isEmpty();
        assertThat(dataDirectory.resolve(PostmasterPidFile.NAME)).as("PostgreSQL released its data directory").doesNotExist();
        assertThat(Files.readString(dataDirectory.resolve(PostgresServer.LOG_FILE))).contains("database system is shut down");

        String log = keyhouse.logText();
        assertThat(log).contains("EMBEDDED PostgreSQL").contains("NOT for production");
        assertThat(keyhouse.keyValues()).allSatisfy(key -> assertThat(log).doesNotContain(key));
    }

    @Test
    void committedRowsSurviveKillingKeyhouseAndThenKeyhouseWithItsPostgres() throws Exception {
        Path dataDirectory = track(temp.resolve("data/postgres"));

        // 1. SIGKILL Keyhouse: its postmaster is orphaned and must be stopped cleanly by the next start.
        KeyhouseProcess first = start(dataDirectory, "first.log");
        try (Connection connection = KeyhouseProcess.connect(dataDirectory); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE durability_probe (id INT PRIMARY KEY, note TEXT NOT NULL)");
            statement.execute("INSERT INTO durability_probe SELECT g, 'before first kill' FROM generate_series(1, 100) g");
        }
        long orphan = PostmasterPidFile.read(dataDirectory).orElseThrow().pid();
        first.kill();
        assertThat(PostmasterPidFile.isRunning(orphan)).as("postmaster outlives a SIGKILLed Keyhouse").isTrue();

        KeyhouseProcess second = start(dataDirectory, "second.log");
        assertThat(PostmasterPidFile.isRunning(orphan)).as("the orphan was stopped").isFalse();
        assertThat(second.logText()).contains("left running by an earlier Keyhouse");
        try (Connection connection = KeyhouseProcess.connect(dataDirectory); Statement statement = connection.createStatement()) {
            assertThat(count(statement)).isEqualTo(100);
            statement.execute("INSERT INTO durability_probe SELECT g, 'before second kill' FROM generate_series(101, 150) g");
        }

        // 2. SIGKILL Keyhouse and its postmaster: postmaster.pid goes stale, PostgreSQL replays its WAL.
        long postmaster = PostmasterPidFile.read(dataDirectory).orElseThrow().pid();
        second.kill();
        ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
        assertThat(PostmasterPidFile.awaitExit(postmaster, Duration.ofSeconds(10))).isTrue();
        assertThat(dataDirectory.resolve(PostmasterPidFile.NAME)).as("stale postmaster.pid").exists();

        KeyhouseProcess third = start(dataDirectory, "third.log");
        assertThat(third.logText()).contains("removing the stale postmaster.pid");
        assertThat(Files.readString(dataDirectory.resolve(PostgresServer.LOG_FILE)))
                .contains("database system was interrupted; last known up at")
                .containsPattern("automatic recovery in progress|not properly shut down");
        try (Connection connection = KeyhouseProcess.connect(dataDirectory); Statement statement = connection.createStatement()) {
            assertThat(count(statement)).isEqualTo(150);
        }
        assertThat(third.terminate(Duration.ofSeconds(30))).isTrue();
    }

    private KeyhouseProcess start(Path dataDirectory, String logName) throws Exception {
        KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, dataDirectory, logName);
        started.add(keyhouse);
        return keyhouse.awaitReady();
    }

    private Path track(Path dataDirectory) {
        dataDirectories.add(dataDirectory);
        return dataDirectory;
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("SHOW " + setting)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static int count(Statement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM durability_probe")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static List<Long> postgresProcessesServing(Path dataDirectory) {
        String directory = dataDirectory.toAbsolutePath().normalize().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> PostmasterPidFile.isRunning(p.pid()))
                .filter(p -> p.info().commandLine().map(line -> line.contains("postgres") && line.contains(directory)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }
}
