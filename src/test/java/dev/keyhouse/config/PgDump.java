package dev.keyhouse.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code pg_dump}, run against the test database. The embedded server's binaries hold no pg_dump, and a
 * pg_dump refuses a server of a newer major version, so this picks the newest one found that can dump the server:
 * {@code KEYHOUSE_PG_DUMP}, then the embedded binaries, then the one {@code .ci/install-pg-dump} builds, then
 * Debian's.
 */
public final class PgDump {

    private static final Pattern JDBC = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]+).*");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");

    private PgDump() {
    }

    /** The whole database as plain SQL, data included. */
    public static String dump(String jdbcUrl, String user, String password, int serverMajor)
            throws IOException, InterruptedException {
        Matcher url = JDBC.matcher(jdbcUrl);
        if (!url.matches()) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL this test understands: " + jdbcUrl);
        }
        Path binary = binaryFor(serverMajor);
        Path out = Files.createTempFile("keyhouse-leak-dump-", ".sql");
        try {
            List<String> command = List.of(binary.toString(), "--no-password", "--host", url.group(1),
                    "--port", url.group(2) == null ? "5432" : url.group(2), "--username", user,
                    "--dbname", url.group(3), "--format", "plain", "--file", out.toString());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            Map<String, String> env = builder.environment();
            if (password != null && !password.isEmpty()) {
                env.put("PGPASSWORD", password);
            }
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(binary + " did not finish in 2 minutes");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(binary + " exited " + process.exitValue() + ": " + output);
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The newest pg_dump found whose major version is at least the server's; fails saying how to get one. */
    static Path binaryFor(int serverMajor) throws IOException, InterruptedException {
        List<String> seen = new ArrayList<>();
        Optional<Path> best = Optional.empty();
        int bestMajor = -1;
        for (Path candidate : candidates()) {
            int major = major(candidate);
            seen.add(candidate + " (" + (major < 0 ? "does not run" : "major " + major) + ")");
            if (major >= serverMajor && major > bestMajor) {
                best = Optional.of(candidate);
                bestMajor = major;
            }
        }
        return best.orElseThrow(() -> new IllegalStateException("no pg_dump of major version " + serverMajor
                + " or newer to dump the test database; found " + (seen.isEmpty() ? "none" : seen)
                + ". Run `bash .ci/install-pg-dump` as root (CI does), or set KEYHOUSE_PG_DUMP to one."));
    }

    private static List<Path> candidates() throws IOException {
        List<Path> found = new ArrayList<>();
        String explicit = System.getenv("KEYHOUSE_PG_DUMP");
        if (explicit != null && !explicit.isBlank()) {
            found.add(Path.of(explicit));
        }
        addMatching(found, Path.of(System.getProperty("java.io.tmpdir"), "keyhouse-postgres"), "bin/pg_dump");
        addMatching(found, Path.of("/usr/local/lib/keyhouse"), "bin/pg_dump");
        addMatching(found, Path.of("/usr/lib/postgresql"), "bin/pg_dump");
        return found;
    }

    private static void addMatching(List<Path> found, Path parent, String relative) throws IOException {
        if (!Files.isDirectory(parent)) {
            return;
        }
        List<Path> homes = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(parent)) {
            children.forEach(homes::add);
        }
        homes.sort(Comparator.naturalOrder());
        for (Path home : homes) {
            Path binary = home.resolve(relative);
            if (Files.isExecutable(binary)) {
                found.add(binary);
            }
        }
    }

    private static int major(Path binary) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return -1;
            }
            Matcher m = VERSION.matcher(output);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
