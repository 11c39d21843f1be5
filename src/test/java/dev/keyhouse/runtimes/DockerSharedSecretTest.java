package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;

import dev.keyhouse.Profiles;
import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.runtimes.docker.RealDockerEngine;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Issue 19's done-when case on real runtimes: a shared secret used by a docker target (a busybox container on the
 * real engine) and a command target (a real process) reaches both in one {@code shared_secret} run. Each runtime's
 * own process writes what it received to a file the test reads: the container's start command writes its
 * environment variable to a bind-mounted folder, the command sources its environment file. A new generated value is
 * one more run over both. The value is never in Keyhouse's log, a page or an API answer. Removes the containers,
 * the targets, the shared secret and the files
 * (an environment file holds the value) it made.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
@SystemTools("a Docker engine")
class DockerSharedSecretTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(30);
    private static final String SHARED = "/api/v1/shared-secrets";

    @Inject
    DataSource db;

    private RealDockerEngine engine;
    private RuntimeApi api;
    private Long sharedSecret;
    private Path dir;

    @BeforeEach
    void setUp() {
        engine = RealDockerEngine.start();
        api = new RuntimeApi();
    }

    @AfterEach
    void cleanUp() throws Exception {
        api.deleteSharedSecret(sharedSecret);
        api.deleteCreated();
        engine.close();
        RuntimeApi.deleteTree(dir);
    }

    @Test
    void aSharedSecretUsedByADockerAndACommandTargetReachesBothInOneRun() throws Exception {
        String name = "t-docker-" + engine.owner();
        String variable = "T_" + engine.owner().toUpperCase(java.util.Locale.ROOT) + "_VOXCORE_SECRET";
        dir = Files.createTempDirectory(Path.of(TestSettings.RUNTIME_ENV_DIRS), "shared-docker");

        // the fleet: a container whose start command writes the variable it was started with to /received
        Path mounted = Files.createDirectories(dir.resolve("container"));
        Path containerReceived = mounted.resolve("received");
        String container = engine.name("fleet");
        engine.create(container, Map.of(ReportingRuntimes.LABEL, engine.owner()), List.of("VOICE_REGION=eu-west"),
                true, c -> c.withCmd("sh", "-c", "printf '%s' \"$" + variable + "\" > /received/value.tmp"
                        + " && mv /received/value.tmp /received/received; trap 'exit 0' TERM; sleep 3600 & wait")
                        .withHostConfig(c.getHostConfig()
                                .withBinds(new Bind(mounted.toString(), new Volume("/received"), AccessMode.rw))));
        String containerId = engine.inspect(container).getId();
        awaitReceived(containerReceived, "");
        long fleet = api.create(Map.of("name", "t-fleet-" + engine.owner(), "driver", "docker",
                "dependsOn", List.of("stt"), "config", Map.of("host", RealDockerEngine.host(),
                        "labelSelector", ReportingRuntimes.LABEL + "=" + engine.owner())));

        // the dialler: a command that reads its environment file and writes the variable to a file
        Path envFile = dir.resolve("dialler.env");
        Path commandReceived = dir.resolve("dialler.received");
        long dialler = api.command("t-dialler-" + engine.owner(), List.of("stt"), ". '" + envFile + "' && printf"
                + " '%s' \"$" + variable + "\" > '" + commandReceived + ".tmp' && mv '" + commandReceived + ".tmp' '"
                + commandReceived + "'", envFile.toString());

        String value = "voxcore-docker-" + UUID.randomUUID();
        List<String> answers = new ArrayList<>();
        try (LogCapture log = LogCapture.installFirst()) {
            Response created = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                    .body(Map.of("name", name, "variable", variable, "value", value, "targets", List.of(fleet, dialler)))
                    .post(SHARED);
            created.then().statusCode(201);
            answers.add(created.asString());
            sharedSecret = created.jsonPath().getLong("id");
            long firstRun = created.jsonPath().getLong("restartRun");

            JsonPath run = api.awaitRun(firstRun, RUN_TIMEOUT);
            answers.add(run.prettify());
            assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
            assertThat(run.getString("cause")).isEqualTo("shared_secret");
            assertThat(run.getString("sharedSecret")).isEqualTo(name);
            assertThat(run.getString("sharedVariable")).isEqualTo(variable);
            assertThat(run.getList("results.target", String.class)).as("the two linked targets, each once")
                    .containsExactlyInAnyOrder("t-fleet-" + engine.owner(), "t-dialler-" + engine.owner());
            assertThat(run.getList("results.runtime", String.class)).contains(container);
            assertThat(run.getList("results.state")).containsOnly("restarted");
            assertThat(Rows.column(db, "SELECT count(*) FROM restart_runs WHERE shared_secret = ?", name))
                    .as("one run for the two targets").containsExactly("1");

            assertThat(engine.inspect(container).getId()).as("the container was recreated").isNotEqualTo(containerId);
            assertThat(RealDockerEngine.env(engine.inspect(container), variable)).isEqualTo(value);
            assertThat(RealDockerEngine.env(engine.inspect(container), "VOICE_REGION")).isEqualTo("eu-west");
            awaitReceived(containerReceived, value);
            awaitReceived(commandReceived, value);
            assertThat(api.fetchRuntimeConfig(container).then().statusCode(200).extract().jsonPath()
                    .getString("env." + variable)).as("what runtime-config serves").isEqualTo(value);

            // a new generated value: one more run over both, each runtime's process on the new value
            Response generated = given().auth().oauth2(api.admin()).header("If-Match", created.header("ETag"))
                    .post(SHARED + "/" + sharedSecret + "/generate");
            generated.then().statusCode(200);
            answers.add(generated.asString());
            long secondRun = generated.jsonPath().getLong("restartRun");
            JsonPath second = api.awaitRun(secondRun, RUN_TIMEOUT);
            assertThat(second.getString("state")).as(second.prettify()).isEqualTo("succeeded");
            assertThat(second.getList("results.target", String.class))
                    .containsExactlyInAnyOrder("t-fleet-" + engine.owner(), "t-dialler-" + engine.owner());
            String now = api.fetchRuntimeConfig(container).then().statusCode(200).extract().jsonPath()
                    .getString("env." + variable);
            assertThat(now).isNotEqualTo(value).matches("[A-Za-z0-9_-]{43}");
            assertThat(RealDockerEngine.env(engine.inspect(container), variable)).isEqualTo(now);
            awaitReceived(containerReceived, now);
            awaitReceived(commandReceived, now);
            assertThat(Rows.column(db, "SELECT count(*) FROM restart_runs WHERE shared_secret = ?", name))
                    .containsExactly("2");
            assertThat(engine.names()).as("no copy or renamed original left behind").containsExactly(container);

            answers.add(api.run(firstRun).prettify());
            answers.add(api.run(secondRun).prettify());
            for (String path : List.of(SHARED, SHARED + "/" + sharedSecret, "/api/v1/restarts", "/api/v1/runtimes",
                    "/api/v1/runtimes/" + fleet, "/api/v1/runtimes/" + dialler, "/api/v1/runtimes/instances",
                    "/api/v1/audit")) {
                answers.add(given().auth().oauth2(api.admin()).get(path).then().statusCode(200).extract().asString());
            }
            String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            for (String path : List.of("/admin/restarts/" + firstRun, "/admin/restarts/" + secondRun,
                    "/admin/restarts/" + secondRun + "/live", "/admin/runtimes", "/admin/shared-secrets",
                    "/admin/shared-secrets/" + sharedSecret, "/admin/audit")) {
                answers.add(given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get(path)
                        .then().statusCode(200).extract().asString());
            }
            String everything = String.join("\n", answers) + "\n" + log.text();
            assertThat(everything).as("the run pages name the shared secret").contains(variable);
            for (String secret : List.of(value, now)) {
                assertThat(everything).as("no value in a log, page or API answer").doesNotContain(secret)
                        .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    /** Waits until the runtime's process has written {@code expected} to {@code file}; fails with what it holds. */
    private void awaitReceived(Path file, String expected) throws Exception {
        long deadline = System.nanoTime() + RECEIVE_TIMEOUT.toNanos();
        String held = null;
        do {
            held = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
            if (expected.equals(held)) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(file.getFileName() + " never held the expected value within " + RECEIVE_TIMEOUT
                + " (it holds " + (held == null ? "nothing" : held.length() + " characters") + ")");
    }
}
