package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.auth.Rows;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.KeyhouseHome;
import dev.keyhouse.config.KeyhouseProcess;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * A rollout of the packaged jar on its durable embedded PostgreSQL, killed with SIGKILL at chosen moments (never a
 * sleep that usually works: each kill waits for the state it needs, in the database, the stand-in or the fleet) and
 * started again on the same data and encryption key: it finishes as it would have, and every runtime was restarted
 * at most once per wave.
 *
 * <p>Four runtimes ({@link Fleet}: command targets confirmed by {@code report}, each fetching its runtime-config,
 * calling an OpenAI stand-in with its key and reporting), {@code a-canary} marked canary, waves of 50 % of the rest:
 * wave 1 {@code a-canary}, wave 2 {@code b, c}, wave 3 {@code d}. Each restart appends {@code <run> v<version>} to its
 * runtime's file, so the counts are per run and per version restarted onto (one version per wave).
 */
class RolloutCrashIT {

    private static final String ADMIN_PASSWORD = "rollout-crash-test-admin-password";
    /** The same encryption key on every start: the next start must open what the killed one sealed. */
    private static final String ENCRYPTION_KEY = "cm9sbG91dC1jcmFzaC10ZXN0LWtleS0zMi1ieXRlcyE=";
    private static final String RUNTIME_TOKEN = "rollout-crash-runtime-token-7e2a";
    private static final String CANARY = "a-canary";
    private static final List<String> RUNTIMES = List.of(CANARY, "b", "c", "d");
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path temp;

    private KeyhouseHome home;
    private Path workDir;
    private OpenAiStandIn provider;
    private Fleet fleet;
    private final List<KeyhouseProcess> started = new ArrayList<>();
    private volatile KeyhouseProcess current;

    @BeforeEach
    void install() throws IOException {
        home = new KeyhouseHome(temp);
        workDir = home.workDir().toRealPath();
        provider = new OpenAiStandIn();
        fleet = new Fleet(workDir, provider.baseUrl(), () -> current.baseUrl(), RUNTIME_TOKEN);
    }

    @AfterEach
    void stopEverything() throws Exception {
        fleet.close();
        provider.close();
        home.close();
    }

    /**
     * (a) Killed while wave 2 restarts — b's command in flight before it restarted b, c's in flight after it restarted
     * c, neither recorded — and again once both are restarted but before they report: the third start confirms wave
     * 2 by their reports, runs wave 3 and succeeds. Both commands ran again once their leases ran out (at least
     * once, 2 attempts each), yet every runtime was restarted once: b's first call was killed before it restarted
     * anything, and c's command records {@code KEYHOUSE_RESTART_ID} once it has restarted, so the takeover found it
     * done (the pattern README's Operations section gives).
     */
    @Test
    void aRolloutKilledTwiceInItsSecondWaveSucceedsAndRestartsEachRuntimeOnce() throws Exception {
        KeyhouseProcess first = start("first.log", "off", "2");
        String admin = token(first);
        Path release = workDir.resolve("release");
        Map<String, String> commands = new HashMap<>();
        for (String name : RUNTIMES) {
            commands.put(name, fleet.command(name));
        }
        // each blocks (as one sleep process) until the test releases it: b before it restarts, c after
        commands.put("b", calls("b") + blocks(release, "b") + fleet.command("b"));
        commands.put("c", calls("c") + " grep -qx \"$KEYHOUSE_RESTART_ID\" '" + workDir.resolve("c.done")
                + "' 2>/dev/null && exit 0; " + fleet.command("c") + "; echo \"$KEYHOUSE_RESTART_ID\" >> '"
                + workDir.resolve("c.done") + "'; " + blocks(release, "c"));
        for (String name : RUNTIMES) {
            target(first, admin, name, commands.get(name));
        }
        confirmByReports();
        fleet.hold("b", "c");
        String key = provider.key(Scenario.GOOD);

        long run = save(first, admin, key);
        long version = configurationVersion(first, admin);
        List<Long> blocked = List.of(awaitPid(workDir.resolve("b.pid")), awaitPid(workDir.resolve("c.pid")));
        try (Connection db = home.connect()) {
            assertThat(Rows.column(db, "SELECT runtime || ' ' || state FROM restart_results WHERE run_id = " + run
                    + " AND wave = 2 ORDER BY runtime")).containsExactly("b running", "c running");
            assertThat(Rows.column(db, "SELECT state FROM restart_waves WHERE run_id = " + run + " ORDER BY wave"))
                    .as("killed while wave 2 restarts").containsExactly("confirmed", "restarting", "waiting");
        }
        first.kill();
        // the killed JVM's commands outlive it; the test ends them, as an operator's next restart would
        blocked.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        Files.createFile(release);
        assertThat(fleet.restartLines("b")).as("the killed call stopped before b restarted").isEmpty();
        assertThat(fleet.restartLines("c")).as("the killed call had restarted c").containsExactly(run + " v" + version);

        KeyhouseProcess second = start("second.log", "off", "2");
        try (Connection db = home.connect()) {
            awaitRow(db, "SELECT state FROM restart_results WHERE run_id = " + run + " AND runtime = 'b'", "restarted");
            awaitRow(db, "SELECT state FROM restart_waves WHERE run_id = " + run + " AND wave = 2", "confirming");
            assertThat(Rows.column(db, "SELECT state FROM restart_waves WHERE run_id = " + run + " ORDER BY wave"))
                    .as("killed once wave 2 restarted, before it reported")
                    .containsExactly("confirmed", "confirming", "waiting");
        }
        assertThat(fleet.sent()).extracting(Fleet.Sent::runtime).containsExactly(CANARY);
        second.kill();

        KeyhouseProcess third = start("third.log", "off", "2");
        fleet.release();
        JsonPath done = awaitRun(third, token(third), run);

        assertThat(done.getString("outcome")).as(done.prettify()).isEqualTo("succeeded");
        assertThat(done.getList("waves.kind")).containsExactly("canary", "wave", "wave");
        assertThat(done.getList("waves.state")).containsOnly("confirmed");
        assertThat(done.getList("waves[0].runtimes.runtime")).containsExactly(CANARY);
        assertThat(done.getList("waves[1].runtimes.runtime")).containsExactly("b", "c");
        assertThat(done.getList("waves[2].runtimes.runtime")).containsExactly("d");
        assertThat(done.getList("results.confirmDetail", String.class)).hasSize(4)
                .allMatch(detail -> detail.startsWith("reported ok on configuration version " + version));
        assertThat(attempts(done)).as("b's and c's claims were taken over once; nobody else's")
                .isEqualTo(Map.of(CANARY, 1, "b", 2, "c", 2, "d", 1));
        long b = restartId(done, "b");
        long c = restartId(done, "c");
        assertThat(Files.readAllLines(workDir.resolve("b.calls"))).as("one restart, called twice")
                .containsExactly(b + " 1", b + " 2");
        assertThat(Files.readAllLines(workDir.resolve("c.calls"))).as("one restart, called twice")
                .containsExactly(c + " 1", c + " 2");
        for (String name : RUNTIMES) {
            assertThat(fleet.restartLines(name)).as(name + " restarted once, in its wave")
                    .containsExactly(run + " v" + version);
            assertThat(fleet.sent()).filteredOn(sent -> sent.runtime().equals(name)).as(name + " reported once")
                    .containsExactly(new Fleet.Sent(name, version, "ok"));
        }
        assertNoKeyLogged(key);
    }

    /**
     * (b) A bad key fails the canary; killed while the previous key's live check is in flight (the stand-in holds
     * its answer), then — the second start executing no restarts — once the previous key was restored but before the
     * canary was restarted back. The third start restarts the canary back and the run is rolled back: one restore,
     * the canary restarted once onto the bad key and once back, nobody else touched.
     */
    @Test
    void aRollbackKilledDuringTheLiveCheckAndAfterTheRestoreFinishesRolledBack() throws Exception {
        KeyhouseProcess first = start("first.log", "warn", "2");
        String admin = token(first);
        for (String name : RUNTIMES) {
            target(first, admin, name, fleet.command(name));
        }
        confirmByReports();
        String good = provider.key(Scenario.GOOD);
        long setup = save(first, admin, good);
        assertThat(awaitRun(first, admin, setup).getString("outcome")).isEqualTo("succeeded");
        long previous = llmVersion(first, admin);
        long previousConfiguration = configurationVersion(first, admin);
        provider.hold(good);
        long checksBefore = requestsWith(good);
        String bad = provider.key(Scenario.REVOKED);

        long run = save(first, admin, bad);
        await("the live check of the previous key", () -> requestsWith(good) > checksBefore);
        try (Connection db = home.connect()) {
            assertThat(Rows.column(db, "SELECT state || ' ' || coalesce(rollback_version::text, '-') FROM restart_runs"
                    + " WHERE id = " + run)).as("killed while the previous key is checked").containsExactly("rolling_back -");
        }
        first.kill();
        provider.release(good);
        assertThat(fleet.restartLines(CANARY)).containsExactly(setup + " v" + previousConfiguration,
                run + " v" + (previousConfiguration + 1));

        // executes no restarts: it restores the previous key and plans the canary's way back, nothing more
        KeyhouseProcess second = start("second.log", "warn", "0");
        try (Connection db = home.connect()) {
            await("the restore", () -> !Rows.column(db, "SELECT rollback_version FROM restart_runs WHERE id = " + run
                    + " AND rollback_version IS NOT NULL").isEmpty());
            assertThat(Rows.column(db, "SELECT runtime || ' ' || state FROM restart_results WHERE run_id = " + run
                    + " AND wave = 4")).as("the canary's rollback restart, not run yet").containsExactly(CANARY + " pending");
        }
        second.kill();
        assertThat(requestsWith(good)).as("checked again after the first kill").isGreaterThanOrEqualTo(checksBefore + 2);

        KeyhouseProcess third = start("third.log", "warn", "2");
        String admin3 = token(third);
        JsonPath done = awaitRun(third, admin3, run);

        assertThat(done.getString("outcome")).as(done.prettify()).isEqualTo("rolled_back");
        assertThat(done.getString("reason")).contains("wave 1 (canary)").contains("reported failing: invalid_key");
        assertThat(done.getList("waves.kind")).containsExactly("canary", "wave", "wave", "rollback");
        assertThat(done.getList("waves.state")).containsExactly("failed", "cancelled", "cancelled", "done");
        assertThat(done.getList("waves[3].runtimes.runtime")).containsExactly(CANARY);
        assertThat(done.getLong("previousVersion")).isEqualTo(previous);
        assertThat(done.getLong("rollbackVersion")).as("restored once").isEqualTo(previous + 2);
        assertThat(llmVersion(third, admin3)).isEqualTo(previous + 2);
        assertThat(done.getList("results.findAll { it.status != 'cancelled' }.attempts", Integer.class))
                .as("no restart was taken over").hasSize(2).containsOnly(1);
        assertThat(fleet.restartLines(CANARY)).as("the canary: onto the bad key and back, once each")
                .containsExactly(setup + " v" + previousConfiguration, run + " v" + (previousConfiguration + 1),
                        run + " v" + (previousConfiguration + 2));
        for (String name : RUNTIMES.subList(1, 4)) {
            assertThat(fleet.restartLines(name)).as(name + " untouched by the failed rollout")
                    .containsExactly(setup + " v" + previousConfiguration);
        }
        assertThat(fleet.key(CANARY)).isEqualTo(good);
        try (Connection db = home.connect()) {
            assertThat(Rows.column(db, "SELECT actor || ': ' || detail FROM audit_events WHERE action = 'setting.rollback'"))
                    .as("one restore").singleElement().asString().startsWith("system: ")
                    .contains("automatic rollback of run " + run);
            assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'restart.rollout.rollback'"
                    + " AND target = 'restart run " + run + "'")).singleElement().asString()
                    .contains("restored as version " + (previous + 2));
        }
        assertNoKeyLogged(good, bad);
    }

    private KeyhouseProcess start(String log, String checkMode, String concurrency) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put(EnvCatalog.SYSTEM_ADMIN_PASSWORD, ADMIN_PASSWORD);
        env.put(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, ENCRYPTION_KEY);
        env.put("PROVISIONER_INTERNAL_TOKEN", RUNTIME_TOKEN);
        env.put("RESTART_CONCURRENCY", concurrency);
        env.put("RESTART_TIMEOUT_SECONDS", "10");
        // a dead process's claim is taken over 2 s after its timeout, not 10 s
        env.put("KEYHOUSE_RESTART_LEASE_MARGIN", "2s");
        env.put("RUNTIME_ENV_DIRS", workDir.toString());
        // off: nothing is checked; warn: the saves' and the rollback's checks reach the stand-in on loopback only
        env.put("PROVIDER_CHECK_MODE", checkMode);
        env.put("EGRESS_ALLOWED_HOSTS", "127.0.0.0/8");
        // the held check outlasts the moment of the kill: it never times out into an answer first
        env.put("PROVIDER_CHECK_TIMEOUT_SECONDS", "60");
        env.put("ROLLOUT_CANARY_COUNT", "1");
        env.put("ROLLOUT_WAVE_PERCENT", "50");
        // a runtime's time to confirm outlasts the restarts of Keyhouse the test makes
        env.put("ROLLOUT_CONFIRM_TIMEOUT_SECONDS", "600");
        KeyhouseProcess keyhouse = home.start(log, env);
        started.add(keyhouse);
        current = keyhouse;
        return keyhouse;
    }

    /** A command's first line: it records every call, {@code <restart id> <attempt>}, in {@code <name>.calls}. */
    private String calls(String name) {
        return "echo \"$KEYHOUSE_RESTART_ID $KEYHOUSE_RESTART_ATTEMPT\" >> '" + workDir.resolve(name + ".calls") + "';";
    }

    /** Blocks (the shell becomes one sleep, its pid in {@code <name>.pid}) until {@code release} exists. */
    private String blocks(Path release, String name) {
        return " [ -e '" + release + "' ] || { echo $$ > '" + workDir.resolve(name + ".pid") + "'; exec sleep 300; }; ";
    }

    private static long restartId(JsonPath run, String runtime) {
        return run.getLong("results.find { it.runtime == '" + runtime + "' }.id");
    }

    private static String token(KeyhouseProcess keyhouse) {
        return given().baseUri(keyhouse.baseUrl()).contentType(ContentType.JSON)
                .body(Map.of("email", "admin@keyhouse.local", "password", ADMIN_PASSWORD))
                .post("/api/v1/auth/token").then().statusCode(200).extract().path("access_token");
    }

    private void target(KeyhouseProcess keyhouse, String admin, String name, String command) {
        given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", name, "driver", "command", "dependsOn", List.of("llm"), "config",
                        Map.of("command", command, "environmentFile", fleet.environmentFile(name).toString())))
                .post("/api/v1/runtimes").then().statusCode(201);
        fleet.watch(name);
    }

    /** Every target confirmed by its runtime's status report; the first one the canary. */
    private void confirmByReports() throws Exception {
        try (Connection db = home.connect(); PreparedStatement update = db.prepareStatement(
                "UPDATE runtime_targets SET confirmation = 'report', canary = (name = ?)")) {
            update.setString(1, CANARY);
            assertThat(update.executeUpdate()).isEqualTo(RUNTIMES.size());
        }
    }

    private long save(KeyhouseProcess keyhouse, String admin, String key) {
        String etag = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/settings/llm")
                .then().statusCode(200).extract().header("ETag");
        return given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON)
                .header("If-Match", etag).body(Map.of("provider", "openai", "model", "gpt-4o-mini",
                        "baseUrl", provider.baseUrl(), "apiKey", key))
                .put("/api/v1/settings/llm").then().statusCode(200).extract().jsonPath().getLong("restartRun");
    }

    /** The configuration version runtimes receive now (runtime-config's {@code version}), as the runtimes list shows it. */
    private static long configurationVersion(KeyhouseProcess keyhouse, String admin) {
        return given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/runtimes/instances").then()
                .statusCode(200).extract().jsonPath().getLong("currentVersion");
    }

    private static long llmVersion(KeyhouseProcess keyhouse, String admin) {
        return given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/settings/llm").then()
                .statusCode(200).extract().jsonPath().getLong("version");
    }

    private static JsonPath awaitRun(KeyhouseProcess keyhouse, String admin, long run) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonPath report = null;
        while (System.nanoTime() < deadline) {
            report = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/restarts/" + run)
                    .then().statusCode(200).extract().jsonPath();
            if (report.getBoolean("finished")) {
                return report;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("restart run " + run + " did not finish: " + report.prettify());
    }

    /** Attempts per runtime of the run's rows. */
    private static Map<String, Integer> attempts(JsonPath run) {
        Map<String, Integer> attempts = new HashMap<>();
        List<String> runtimes = run.getList("results.runtime", String.class);
        List<Integer> counts = run.getList("results.attempts", Integer.class);
        for (int i = 0; i < runtimes.size(); i++) {
            attempts.merge(runtimes.get(i), counts.get(i), Integer::sum);
        }
        return attempts;
    }

    private long requestsWith(String key) {
        return provider.received().stream().filter(r -> ("Bearer " + key).equals(r.header("Authorization"))).count();
    }

    private void assertNoKeyLogged(String... keys) throws IOException {
        for (KeyhouseProcess keyhouse : started) {
            String log = keyhouse.logText();
            for (String key : keys) {
                assertThat(log).as("no key in the log").doesNotContain(key);
            }
        }
    }

    private static long awaitPid(Path file) throws Exception {
        await(file + " written", () -> Files.exists(file) && !Files.readString(file).isBlank());
        return Long.parseLong(Files.readString(file).strip());
    }

    private static void awaitRow(Connection db, String sql, String value) throws Exception {
        await(sql + " = " + value, () -> Rows.column(db, sql).contains(value));
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("waited in vain for " + what);
    }
}
