package dev.keyhouse.embeddedpostgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * Runs {@code initdb} and {@code pg_ctl} for one data directory.
 *
 * <p>PostgreSQL refuses to run as root. When Keyhouse runs as root (containers, CI), the tools run as the
 * data directory's owner, or as {@code nobody} when root owns it, through util-linux {@code setpriv}.
 * The tools get an empty environment so the server never inherits Keyhouse's keys and passwords.
 */
public final class PostgresServer {

    private static final Logger LOG = Logger.getLogger(PostgresServer.class);
    static final String LOG_FILE = "postgresql.log";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path binaries;
    private final Path dataDirectory;
    private final List<String> runAs;

    private PostgresServer(Path binaries, Path dataDirectory, List<String> runAs) {
        this.binaries = binaries;
        this.dataDirectory = dataDirectory;
        this.runAs = runAs;
    }

    /** Prepares to run the tools for {@code dataDirectory}, which must exist; hands it to the server's user. */
    static PostgresServer forDirectory(Path binaries, Path dataDirectory) throws IOException {
        return new PostgresServer(binaries, dataDirectory, ServerUser.commandPrefix(dataDirectory));
    }

    /** Runs the tools for an existing cluster as whoever owns it; for clean-up (tests, recovery). */
    public static PostgresServer forExistingCluster(Path dataDirectory) throws IOException {
        return forDirectory(PostgresBinaries.unpack(), dataDirectory);
    }

    boolean initialized() {
        return Files.exists(dataDirectory.resolve("PG_VERSION"));
    }

    void initdb(boolean durable) throws IOException {
        List<String> command = new ArrayList<>(List.of(tool("initdb"), "-D", dataDirectory.toString(), "-U", "postgres",
                "-A", "trust", "-E", "UTF8", "--no-locale"));
        if (!durable) {
            command.add("--no-sync");
        }
        run(command, START_TIMEOUT, "initdb");
    }

    void start(int port, Map<String, String> settings) throws IOException {
        StringBuilder options = new StringBuilder("-p ").append(port);
        // pg_ctl hands these to the server through /bin/sh; values here are fixed words or numbers.
        settings.forEach((key, value) -> options.append(" -c ").append(key).append('=').append(value));
        run(List.of(tool("pg_ctl"), "-D", dataDirectory.toString(), "-l", dataDirectory.resolve(LOG_FILE).toString(),
                "-o", options.toString(), "-w", "-t", String.valueOf(START_TIMEOUT.toSeconds()), "start"),
                START_TIMEOUT.plusSeconds(10), "pg_ctl start");
    }

    /** {@code pg_ctl stop -m fast -w}; falls back to {@code -m immediate} (crash recovery at the next start). */
    public void stop() throws IOException {
        try {
            run(List.of(tool("pg_ctl"), "-D", dataDirectory.toString(), "-m", "fast", "-w", "-t",
                    String.valueOf(STOP_TIMEOUT.toSeconds()), "stop"), STOP_TIMEOUT.plusSeconds(10), "pg_ctl stop");
        } catch (IOException fast) {
            LOG.warnf("embedded PostgreSQL in %s did not stop in %ds; stopping it immediately", dataDirectory,
                    STOP_TIMEOUT.toSeconds());
            run(List.of(tool("pg_ctl"), "-D", dataDirectory.toString(), "-m", "immediate", "-w", "stop"),
                    STOP_TIMEOUT, "pg_ctl stop -m immediate");
        }
    }

    /** The last lines of the server's own log, for error messages. */
    String logTail() {
        Path log = dataDirectory.resolve(LOG_FILE);
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no server log at " + log + ")";
        }
    }

    private String tool(String name) {
        return binaries.resolve("bin").resolve(name).toString();
    }

    private void run(List<String> command, Duration timeout, String what) throws IOException {
        List<String> full = new ArrayList<>(runAs);
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true).directory(dataDirectory.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " did not finish within " + timeout.toSeconds() + "s");
            }
            String text = output.get(10, TimeUnit.SECONDS);
            LOG.debugf("%s: %s", what, text.strip());
            if (process.exitValue() != 0) {
                throw new IOException(what + " failed (exit " + process.exitValue() + "): " + text.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(what + " was interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(what + ": could not read its output", e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Who runs PostgreSQL when Keyhouse is root. */
    static final class ServerUser {

        private static final String FALLBACK_USER = "nobody";

        private ServerUser() {
        }

        static List<String> commandPrefix(Path dataDirectory) throws IOException {
            if (!runningAsRoot()) {
                return List.of();
            }
            int uid = (Integer) Files.getAttribute(dataDirectory, "unix:uid");
            int gid = (Integer) Files.getAttribute(dataDirectory, "unix:gid");
            if (uid == 0) {
                int[] nobody = passwdEntry(FALLBACK_USER).orElseThrow(() -> new IllegalStateException(
                        "Keyhouse runs as root and PostgreSQL refuses to; there is no user '" + FALLBACK_USER
                                + "' to run it as. Run Keyhouse as a normal user, or chown EMBEDDED_DATABASE_DIR to one."));
                uid = nobody[0];
                gid = nobody[1];
                Files.setAttribute(dataDirectory, "unix:uid", uid);
                Files.setAttribute(dataDirectory, "unix:gid", gid);
                LOG.warnf("Keyhouse runs as root; the embedded PostgreSQL runs as user %s (uid %d) because PostgreSQL"
                        + " refuses root. Every folder above %s must be searchable by that user.", FALLBACK_USER, uid,
                        dataDirectory);
            }
            Path setpriv = Stream.of("/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv").map(Path::of)
                    .filter(Files::isExecutable).findFirst().orElseThrow(() -> new IllegalStateException(
                            "Keyhouse runs as root and PostgreSQL refuses to; install util-linux (setpriv) or run"
                                    + " Keyhouse as a normal user"));
            return List.of(setpriv.toString(), "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--");
        }

        private static boolean runningAsRoot() {
            try {
                return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return false; // no /proc: not Linux, where the root check below does not apply
            }
        }

        private static Optional<int[]> passwdEntry(String user) throws IOException {
            Path passwd = Path.of("/etc/passwd");
            if (!Files.isReadable(passwd)) {
                return Optional.empty();
            }
            try (Stream<String> lines = Files.lines(passwd, StandardCharsets.UTF_8)) {
                return lines.map(line -> line.split(":")).filter(f -> f.length > 3 && f[0].equals(user))
                        .map(f -> new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])}).findFirst();
            }
        }
    }
}
