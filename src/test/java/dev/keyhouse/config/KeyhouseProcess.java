package dev.keyhouse.config;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.keyhouse.FreePorts;
import dev.keyhouse.embeddedpostgres.EmbeddedDatabase;
import dev.keyhouse.embeddedpostgres.PostgresServer;
import dev.keyhouse.embeddedpostgres.PostmasterPidFile;

/**
 * The packaged Keyhouse ({@code java -jar quarkus-run.jar}) as a child process, for integration tests: its own
 * working folder, HTTP port, management port (health and metrics), random keys, and an environment cleared of every database variable of the shell.
 */
public final class KeyhouseProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Process process;
    private final int httpPort;
    private final int managementPort;
    private final Path log;
    private final Map<String, String> keys;

    private KeyhouseProcess(Process process, int httpPort, int managementPort, Path log, Map<String, String> keys) {
        this.process = process;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.log = log;
        this.keys = keys;
    }

    /** Starts Keyhouse in {@code workDir}; {@code dataDirectory} null leaves EMBEDDED_DATABASE_DIR at its default. */
    public static KeyhouseProcess start(Path workDir, Path dataDirectory, String logName) throws IOException {
        return start(workDir, dataDirectory, logName, Map.of());
    }

    /**
     * Starts Keyhouse with {@code environment} applied over the generated keys and port; an empty value removes the
     * variable, so a test can start it with a key missing.
     */
    public static KeyhouseProcess start(Path workDir, Path dataDirectory, String logName, Map<String, String> environment)
            throws IOException {
        Path appDir = Path.of(System.getProperty("keyhouse.app.dir", "target/quarkus-app"));
        Path jar = appDir.resolve("quarkus-run.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing; run the ITs through ./mvnw verify");
        }
        int port = FreePorts.outsideEphemeralRange();
        int managementPort = FreePorts.outsideEphemeralRange();
        Path log = workDir.resolve(logName);
        // C1 only and the serial collector (as deploy/jvm-flags): a start-up costs half the CPU (JVM CPU to ready 9.8 s
        // instead of 18 s, deploy/measure-startup.sh on a loaded CI machine), and the ITs start Keyhouse some 35 times
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-jar", jar.toString())
                .directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        EnvCatalog.all().forEach(variable -> env.remove(variable.name()));
        env.remove("TEST_DATABASE_URL");
        env.keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("PG"));
        Map<String, String> keys = Map.of(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, randomKey(), EnvCatalog.JWT_SECRET_KEY,
                randomKey(), EnvCatalog.SYSTEM_ADMIN_PASSWORD, randomKey());
        env.putAll(keys);
        env.put("HTTP_PORT", String.valueOf(port));
        env.put("MANAGEMENT_PORT", String.valueOf(managementPort));
        if (dataDirectory != null) {
            env.put("EMBEDDED_DATABASE_DIR", dataDirectory.toString());
        }
        // traffic stays on loopback: the packaged app would check a saved key with the provider's real host (a DNS
        // query at least); an IT that tests checks points a setting at a stand-in and sets these itself
        env.put("PROVIDER_CHECK_MODE", "off");
        env.put("PROVIDER_CHECK_INTERVAL_SECONDS", "0");
        // no bake between rollout waves: the ITs wait for whole runs
        env.put("ROLLOUT_BAKE_SECONDS", "0");
        environment.forEach((name, value) -> {
            if (value.isEmpty()) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
        return new KeyhouseProcess(builder.start(), Integer.parseInt(env.getOrDefault("HTTP_PORT", "8080")),
                Integer.parseInt(env.getOrDefault("MANAGEMENT_PORT", "9000")), log, keys);
    }

    /** Waits for {@code /q/health/ready} on the management port to answer 200. */
    public KeyhouseProcess awaitReady() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Keyhouse exited with " + process.exitValue() + " before it was ready:\n" + logText());
            }
            try {
                if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException notListeningYet) {
                // keep polling
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Keyhouse was not ready within " + READY_TIMEOUT.toSeconds() + "s:\n" + logText());
    }

    /** SIGTERM, as systemd or Docker stop it; returns whether the JVM exited within {@code timeout}. */
    public boolean terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Waits for the process to exit on its own; null when it is still running after {@code timeout}. */
    public Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** SIGKILL: no shutdown hooks run. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Where Keyhouse listens, e.g. {@code http://127.0.0.1:40123}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Where health and metrics answer (the management interface), e.g. {@code http://127.0.0.1:40124}. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    /** Signs in at the token endpoint; the bearer token, or an assertion error naming the status. */
    public String bearer(String email, String password) throws IOException, InterruptedException {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl()
                + "/api/v1/auth/token")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(Map.of("email", email, "password", password)))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new AssertionError("sign-in as " + email + " answered " + answer.statusCode());
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body()).path("access_token").asText();
    }

    /** {@code GET path} with {@code bearer}. */
    public HttpResponse<String> get(String path, String bearer) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + bearer).build(), HttpResponse.BodyHandlers.ofString());
    }

    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
    }

    public List<String> keyValues() {
        return List.copyOf(keys.values());
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    /** Connects as the application to the embedded database, on the port its postmaster.pid names. */
    public static Connection connect(Path dataDirectory) throws IOException, SQLException {
        int port = PostmasterPidFile.read(dataDirectory).orElseThrow(() -> new AssertionError("no postmaster.pid")).port();
        Properties properties = new Properties();
        properties.setProperty("user", EmbeddedDatabase.USER);
        return new org.postgresql.Driver().connect("jdbc:postgresql://127.0.0.1:" + port + "/" + EmbeddedDatabase.DATABASE,
                properties);
    }

    /** Clean-up after a test, also after a failed one: stops a PostgreSQL still serving {@code dataDirectory}. */
    public static void stopPostgres(Path dataDirectory) throws IOException {
        var pidFile = PostmasterPidFile.read(dataDirectory);
        if (pidFile.isEmpty() || pidFile.get().owner(dataDirectory) != PostmasterPidFile.Owner.POSTMASTER_OF_THIS_DIRECTORY) {
            return;
        }
        try {
            PostgresServer.forExistingCluster(dataDirectory).stop();
        } finally {
            ProcessHandle.of(pidFile.get().pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
