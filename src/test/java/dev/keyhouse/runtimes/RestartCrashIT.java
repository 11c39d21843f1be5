package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.auth.Rows;
import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.KeyhouseHome;
import dev.keyhouse.config.KeyhouseProcess;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * The packaged jar killed with SIGKILL between a save and its restarts, and in the middle of a restart, on its
 * durable embedded PostgreSQL: after the next start every target is restarted, each exactly once more where needed.
 */
class RestartCrashIT {

    private static final String ADMIN_PASSWORD = "restart-crash-test-admin-password";
    private static final String KEY = "sk-crash-test-5c0d7e19a2b4";
    /** The same encryption key on every start: the next start must open what the killed one sealed. */
    private static final String ENCRYPTION_KEY = "cmVzdGFydC1jcmFzaC10ZXN0LWtleS0zMi1ieXRlcyE=";

    @TempDir
    Path temp;

    private KeyhouseHome home;
    private Path workDir;

    @BeforeEach
    void install() throws IOException {
        home = new KeyhouseHome(temp);
        workDir = home.workDir();
    }

    @AfterEach
    void stopEverything() throws Exception {
        home.close();
    }

    @Test
    void aCrashBetweenTheSaveAndTheRestartsStillRestartsEveryTarget() throws Exception {
        KeyhouseProcess first = start("first.log", "0", "120");
        String admin = token(first);
        for (String name : List.of("alpha", "beta")) {
            target(first, admin, name, "echo \"$KEYHOUSE_RUN_ID\" >> '" + workDir.resolve(name + ".log") + "'; env > '"
                    + workDir.resolve(name + ".environment") + "'", workDir.resolve(name + ".env"));
        }
        long run = saveKey(first, admin);
        try (Connection db = home.connect()) {
            assertThat(Rows.column(db, "SELECT state FROM restart_results WHERE run_id = " + run))
                    .as("planned in the save's transaction, not executed: RESTART_CONCURRENCY=0")
                    .containsExactly("pending", "pending");
        }
        first.kill();

        KeyhouseProcess second = start("second.log", "4", "120");
        JsonPath done = awaitRun(second, token(second), run);

        assertThat(done.getString("state")).isEqualTo("succeeded");
        for (String name : List.of("alpha", "beta")) {
            assertThat(Files.readAllLines(workDir.resolve(name + ".log"))).as(name + " restarted once")
                    .containsExactly(String.valueOf(run));
            assertThat(Files.readString(workDir.resolve(name + ".env"))).contains("LLM_API_KEY=" + KEY + "\n");
            assertThat(Files.readString(workDir.resolve(name + ".environment")))
                    .as("the command does not inherit Keyhouse's environment")
                    .doesNotContain(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY).doesNotContain(EnvCatalog.JWT_SECRET_KEY)
                    .doesNotContain(KEY).contains("KEYHOUSE_TARGET=" + name);
        }
        assertThat(second.logText()).doesNotContain(KEY);
    }

    @Test
    void aCrashDuringARestartRestartsThatRuntimeOnceMoreAndFinishesTheRun() throws Exception {
        // a 10 s restart timeout: the interrupted restart's lease (timeout + 2 s margin) runs out soon after the next
        // start, yet the blocking command is killed long before its own timeout (asserted below)
        KeyhouseProcess first = start("first.log", "2", "10");
        String admin = token(first);
        Path release = workDir.resolve("release");
        Path pid = workDir.resolve("blocking.pid");
        target(first, admin, "quick", "echo \"$KEYHOUSE_RUN_ID\" >> '" + workDir.resolve("quick.log") + "'", null);
        // blocks (as one sleep process) until the test releases it; once released it returns at once
        target(first, admin, "blocking", "echo \"$KEYHOUSE_RUN_ID\" >> '" + workDir.resolve("blocking.log") + "';"
                + " [ -e '" + release + "' ] || { echo $$ > '" + pid + "'; exec sleep 300; }", null);
        long run = saveKey(first, admin);
        awaitLines(workDir.resolve("quick.log"), 1);
        awaitLines(workDir.resolve("blocking.log"), 1);
        long blocked = awaitPid(pid);
        try (Connection db = home.connect()) {
            awaitState(db, run, "quick", "restarted");
            first.kill();
            assertThat(Rows.column(db, "SELECT state || ' ' || attempts FROM restart_results WHERE run_id = " + run
                    + " AND target_name = 'blocking'")).as("killed during blocking's first attempt, before its timeout")
                    .containsExactly("running 1");
        }

        // the killed JVM's command outlives it; the test ends it, as an operator's next restart would
        ProcessHandle.of(blocked).ifPresent(ProcessHandle::destroyForcibly);
        Files.createFile(release);

        KeyhouseProcess second = start("second.log", "2", "10");
        JsonPath done = awaitRun(second, token(second), run);

        assertThat(done.getString("state")).isEqualTo("succeeded");
        assertThat(Files.readAllLines(workDir.resolve("quick.log"))).as("quick was done: not restarted again")
                .containsExactly(String.valueOf(run));
        assertThat(Files.readAllLines(workDir.resolve("blocking.log")))
                .as("the interrupted restart ran once more, after its lease ran out")
                .containsExactly(String.valueOf(run), String.valueOf(run));
        assertThat(done.getInt("results.find { it.target == 'blocking' }.attempts")).isEqualTo(2);
    }

    private KeyhouseProcess start(String log, String concurrency, String timeoutSeconds) throws Exception {
        return home.start(log, Map.of(
                EnvCatalog.SYSTEM_ADMIN_PASSWORD, ADMIN_PASSWORD,
                EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, ENCRYPTION_KEY,
                "RESTART_CONCURRENCY", concurrency,
                "RESTART_TIMEOUT_SECONDS", timeoutSeconds,
                // the targets' environment files are written in the work folder
                "RUNTIME_ENV_DIRS", workDir.toRealPath().toString(),
                // a dead replica's claim is taken over 2 s after its timeout, not 10 s
                "KEYHOUSE_RESTART_LEASE_MARGIN", "2s",
                // the saves name OpenAI's own host: no live key check may leave this machine
                "PROVIDER_CHECK_MODE", "off"));
    }

    private static String token(KeyhouseProcess keyhouse) {
        return given().baseUri(keyhouse.baseUrl()).contentType(ContentType.JSON)
                .body(Map.of("email", "admin@keyhouse.local", "password", ADMIN_PASSWORD))
                .post("/api/v1/auth/token").then().statusCode(200).extract().path("access_token");
    }

    private static void target(KeyhouseProcess keyhouse, String admin, String name, String command, Path file) {
        Map<String, String> config = file == null ? Map.of("command", command)
                : Map.of("command", command, "environmentFile", file.toString());
        given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON)
                // every target in the canary wave: the runtimes restart side by side, as these crashes need
                .body(Map.of("name", name, "driver", "command", "dependsOn", List.of("llm"), "config", config,
                        "canary", true))
                .post("/api/v1/runtimes").then().statusCode(201);
    }

    private static long saveKey(KeyhouseProcess keyhouse, String admin) {
        String etag = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/settings/llm")
                .then().statusCode(200).extract().header("ETag");
        return given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON)
                .header("If-Match", etag).body(Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", KEY))
                .put("/api/v1/settings/llm").then().statusCode(200).extract().jsonPath().getLong("restartRun");
    }

    private static JsonPath awaitRun(KeyhouseProcess keyhouse, String admin, long run) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath report = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/restarts/" + run)
                    .then().statusCode(200).extract().jsonPath();
            if (report.getBoolean("finished")) {
                return report;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("restart run " + run + " did not finish");
    }

    private static void awaitLines(Path file, int lines) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= lines) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " did not get " + lines + " lines");
    }

    private static long awaitPid(Path file) throws Exception {
        awaitLines(file, 1);
        return Long.parseLong(Files.readString(file).strip());
    }

    private static void awaitState(Connection db, long run, String target, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Rows.column(db, "SELECT state FROM restart_results WHERE run_id = " + run + " AND target_name = '" + target
                    + "'").contains(state)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(target + " did not reach " + state);
    }
}
