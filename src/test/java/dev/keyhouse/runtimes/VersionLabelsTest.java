package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.settings.FleetKindsTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * Issue 20, point 8: the two version counters are told apart by name everywhere. A save of one kind (tracing, which
 * has no live check) restarts a command target and an http target: the kind's <em>settings version</em> is what the
 * settings pages and the run's "after … was saved" say, and the <em>configuration version</em> (runtime-config's
 * {@code version}) is what the webhook body, the environment file, runtime-config's env format, the run page and the
 * runtimes list say. A shared secret made first keeps the two numbers apart, so a label on the wrong number shows.
 * Leaves the fleet kinds unconfigured and deletes the targets and the shared secret it made.
 */
@QuarkusTest
class VersionLabelsTest {

    private static final String TRACING = "/api/v1/settings/tracing";

    @jakarta.inject.Inject
    DataSource db;

    private final RuntimeApi api = new RuntimeApi();
    private final BlockingQueue<String> webhookBodies = new LinkedBlockingQueue<>();
    private HttpServer webhook;
    private Response sharedSecret;
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        FleetKindsTest.reset(db);
        webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        webhook.createContext("/reload", exchange -> {
            webhookBodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
        dir = Files.createTempDirectory(Path.of(TestSettings.RUNTIME_ENV_DIRS), "versions");
    }

    @AfterEach
    void cleanUp() throws IOException {
        api.deleteCreated();
        if (sharedSecret != null) {
            given().auth().oauth2(api.admin()).header("If-Match", sharedSecret.header("ETag"))
                    .delete("/api/v1/shared-secrets/" + sharedSecret.jsonPath().getLong("id")).then().statusCode(204);
        }
        FleetKindsTest.reset(db);
        webhook.stop(0);
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Test
    void theSettingsVersionAndTheConfigurationVersionAreEachNamedForWhatTheyCount() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        // one more change of what runtimes receive that is no tracing save: the two counters now differ
        sharedSecret = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "t-versions-" + tag, "variable", "T_VERSIONS_" + tag.toUpperCase() + "_SECRET"))
                .post("/api/v1/shared-secrets");
        sharedSecret.then().statusCode(201);
        Path envFile = dir.resolve("voice.env");
        api.create(Map.of("name", "t-versions-command-" + tag, "driver", "command", "dependsOn", List.of("tracing"),
                "confirmation", "none", "config", Map.of("command", "true", "environmentFile", envFile.toString())));
        api.create(Map.of("name", "t-versions-http-" + tag, "driver", "http", "dependsOn", List.of("tracing"),
                "confirmation", "none", "config", Map.of("url", "http://127.0.0.1:" + webhook.getAddress().getPort()
                        + "/reload", "secret", "whsec-versions-0123456789abcdef")));

        String etag = given().auth().oauth2(api.admin()).get(TRACING).then().statusCode(200).extract().header("ETag");
        Response saved = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "otlp", "endpoint", "https://otlp.example.com:4318", "protocol",
                        "http/protobuf", "headers", "authorization=Bearer%20" + tag))
                .put(TRACING);
        saved.then().statusCode(200);
        long runId = saved.jsonPath().getLong("restartRun");
        JsonPath run = api.awaitRun(runId, Duration.ofSeconds(60));
        // every restart succeeded; its one target has confirmation none, so the verdict is not_asked
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("not_asked");

        long settingsVersion = api.setting("tracing").getLong("version");
        long configurationVersion = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                .get("/api/v1/internal/runtime-config").then().statusCode(200).extract().jsonPath().getLong("version");
        assertThat(settingsVersion).isEqualTo(1);
        assertThat(configurationVersion).as("the two counters differ here").isGreaterThan(settingsVersion);

        // what runtimes are sent: the configuration version, named so
        JsonPath hook = new JsonPath(webhookBodies.poll(10, TimeUnit.SECONDS));
        assertThat(hook.getLong("configurationVersion")).isEqualTo(configurationVersion);
        assertThat(hook.getLong("version")).as("kept for receivers that read it").isEqualTo(configurationVersion);
        assertThat(Files.readAllLines(envFile).get(0)).contains("restart run " + runId + ", configuration version "
                + configurationVersion + ".").doesNotContain("settings version");
        assertThat(given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get("/api/v1/internal/runtime-config"
                + "?format=env").then().statusCode(200).extract().asString())
                .startsWith("# Keyhouse runtime config, configuration version " + configurationVersion + "\n");

        // the run: the kind's settings version, and the configuration version its runtimes were restarted onto
        assertThat(run.getLong("settingsVersion")).isEqualTo(settingsVersion);
        assertThat(run.getList("results.envVersion", Long.class)).hasSize(2).containsOnly(configurationVersion);
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        assertThat(page(session, "/admin/restarts/" + runId))
                .contains("After tracing settings version " + settingsVersion + " was saved by")
                .contains("<p class=\"muted\" id=\"configuration-version\">Runtimes were restarted onto configuration"
                        + " version " + configurationVersion + " (");

        // the settings pages: the kind's settings version
        assertThat(page(session, "/admin/settings/tracing")).contains("Settings version " + settingsVersion
                + ", last changed by " + TestSettings.ADMIN_EMAIL);
        assertThat(page(session, "/admin/settings")).contains("· settings version " + settingsVersion + "</dd>");

        // the runtimes list: the configuration version
        assertThat(page(session, "/admin/runtimes"))
                .contains("configuration version (runtime-config's <code>version</code>) is " + configurationVersion + ".")
                .contains("<th>Configuration version</th>");
    }

    private static String page(String session, String path) {
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get(path).then()
                .statusCode(200).extract().asString();
    }
}
