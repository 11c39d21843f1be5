package dev.keyhouse.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Keyhouse install in a test's temp folder, for integration tests that kill the packaged jar and start it again
 * on the same embedded database: a work folder, a data folder, and every process started from it, all stopped by
 * {@link #close()} (the database too, even when a killed Keyhouse left it running).
 */
public final class KeyhouseHome implements AutoCloseable {

    private final Path workDir;
    private final Path dataDirectory;
    private final List<KeyhouseProcess> started = new ArrayList<>();

    public KeyhouseHome(Path temp) throws IOException {
        // When the build runs as root, PostgreSQL runs as nobody and must be able to reach its folder.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        workDir = Files.createDirectory(temp.resolve("work"));
        dataDirectory = temp.resolve("data/postgres");
    }

    public Path workDir() {
        return workDir;
    }

    /** Starts Keyhouse here with {@code environment} (see {@link KeyhouseProcess#start}) and waits until it is ready. */
    public KeyhouseProcess start(String log, Map<String, String> environment) throws IOException, InterruptedException {
        KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, dataDirectory, log, environment);
        started.add(keyhouse);
        return keyhouse.awaitReady();
    }

    /** A connection to this install's embedded database. */
    public Connection connect() throws IOException, SQLException {
        return KeyhouseProcess.connect(dataDirectory);
    }

    @Override
    public void close() throws Exception {
        for (KeyhouseProcess keyhouse : started) {
            keyhouse.close();
        }
        KeyhouseProcess.stopPostgres(dataDirectory);
    }
}
