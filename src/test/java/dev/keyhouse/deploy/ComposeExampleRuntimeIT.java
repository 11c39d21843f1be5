package dev.keyhouse.deploy;


import static org.assertj.core.api.Assertions.assertThat;
import static io.restassured.RestAssured.given;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.keyhouse.SystemTools;
import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.KeyhouseProcess;
import dev.keyhouse.runtimes.docker.RealDockerEngine;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example runtime's start script from docker-compose.yml, run for real: in the busybox test image on the private
 * Docker engine (host network), against the packaged Keyhouse. It must fetch its provider configuration with the
 * runtime token, never print it, and then answer its health check; registered as a docker runtime target, it must be
 * recreated by Keyhouse when a new LLM key is saved and come back on that key. (Compose itself cannot run here: no
 * registry for its images; the engine is {@link RealDockerEngine}, which fails rather than skips when there is none.)
 */
@SystemTools("a Docker engine")
class ComposeExampleRuntimeIT {

    private static final String TOKEN = "compose-it-runtime-token-4b7e2a91";
    private static final String PLANTED_KEY = "sk-compose-it-planted-7c1d9e3f5a";
    private static final String NEW_KEY = "sk-compose-it-saved-8e2f0a4b6c";
    private static final String ADMIN_PASSWORD = "compose-it-admin-password-3d5f";

    @TempDir
    Path workDir;

    private String container;

    @AfterEach
    void removeContainer() throws Exception {
        if (container != null) {
            docker(List.of("rm", "-f", container));
        }
    }

    private static Map<String, String> dockerEnv() {
        return Map.of("DOCKER_HOST", RealDockerEngine.host());
    }

    private Command docker(List<String> arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Command.tool("docker").toString()));
        command.addAll(arguments);
        return Command.run(workDir, dockerEnv(), command);
    }

    /**
     * The whole loop of `docker compose up`: the runtime starts and fetches its configuration; registered as a
     * docker runtime target (the JSON the compose file's one-shot registration posts), it is recreated by Keyhouse
     * when an admin saves a new LLM key, fetches the new key at its next start, and its acknowledgement shows in the
     * restart run as confirmed.
     */
    @Test
    void fetchesItsConfigurationAndComesBackOnANewKeyAfterASave() throws Exception {
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        JsonNode services = new YAMLMapper().readTree(Path.of("docker-compose.yml").toFile()).path("services");
        JsonNode runtime = services.path("example-runtime");
        int healthPort = dev.keyhouse.FreePorts.outsideEphemeralRange();
        String script = runtime.path("command").get(2).asText().replace("$$", "$")
                .replace("-p 8081", "-p " + healthPort);
        String label = "keyhouse.runtime=" + runtime.path("labels").path("keyhouse.runtime").asText();
        String name = "compose-example-it-" + healthPort;
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "keyhouse.log",
                Map.of("PROVISIONER_INTERNAL_TOKEN", TOKEN, "OPENAI_API_KEY", PLANTED_KEY,
                        EnvCatalog.SYSTEM_ADMIN_PASSWORD, ADMIN_PASSWORD,
                        // the save names OpenAI's own host: no live key check may leave this machine
                        "PROVIDER_CHECK_MODE", "off"))) {
            keyhouse.awaitReady();
            Command run = docker(List.of("run", "-d", "--name", name, "--network", "host", "--label", label,
                    "--label", "keyhouse.test.compose-it=" + healthPort,
                    "-e", "KEYHOUSE_URL=" + keyhouse.baseUrl(), "-e", "RUNTIME_NAME=example-runtime",
                    "-e", "PROVISIONER_INTERNAL_TOKEN=" + TOKEN, "keyhouse-test/busybox", "sh", "-c", script));
            assertThat(run.exit()).as(run.output()).isZero();
            container = name;
            String firstId = run.stdout().strip();

            assertThat(awaitHealth(healthPort)).as("health check on %d", healthPort).isTrue();
            Command logs = docker(List.of("logs", container));
            assertThat(logs.stdout() + logs.stderr()).contains("provider configuration loaded")
                    .doesNotContain(PLANTED_KEY, TOKEN);
            assertThat(fetched()).as("what the runtime received").contains("LLM_API_KEY=" + PLANTED_KEY);
            Command mode = docker(List.of("exec", container, "stat", "-c", "%a", "/run/runtime/provider.env"));
            assertThat(mode.stdout().strip()).isEqualTo("600");

            // register it as the compose file's one-shot service does, on this engine and this test's own label
            String admin = given().baseUri(keyhouse.baseUrl()).contentType(ContentType.JSON)
                    .body(Map.of("email", "admin@keyhouse.local", "password", ADMIN_PASSWORD))
                    .post("/api/v1/auth/token").then().statusCode(200).extract().path("access_token");
            assertThat(services.path("register-example-runtime").path("command").get(2).asText())
                    .contains("\"driver\":\"docker\"", "\"labelSelector\":\"" + label + "\"", "\"mode\":\"recreate\"");
            given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON)
                    .body(Map.of("name", "compose-example", "driver", "docker", "dependsOn", List.of("llm"),
                            "config", Map.of("host", RealDockerEngine.host(),
                                    "labelSelector", "keyhouse.test.compose-it=" + healthPort, "mode", "recreate")))
                    .post("/api/v1/runtimes").then().statusCode(201);

            String etag = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/settings/llm")
                    .then().statusCode(200).extract().header("ETag");
            long restartRun = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).contentType(ContentType.JSON)
                    .header("If-Match", etag)
                    .body(Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", NEW_KEY))
                    .put("/api/v1/settings/llm").then().statusCode(200).extract().jsonPath().getLong("restartRun");

            JsonPath report = awaitConfirmed(keyhouse, admin, restartRun);
            assertThat(report.getString("state")).isEqualTo("succeeded");
            assertThat(report.getList("results.runtime", String.class)).containsExactly(name);
            assertThat(report.getList("results.confirmed", Boolean.class)).containsExactly(true);
            assertThat(report.prettify()).doesNotContain(NEW_KEY, PLANTED_KEY, TOKEN);

            Command inspect = docker(List.of("inspect", "-f", "{{.Id}}", container));
            assertThat(inspect.stdout().strip()).as("a new container of the same name").isNotEqualTo(firstId);
            assertThat(awaitHealth(healthPort)).as("health check of the recreated runtime").isTrue();
            assertThat(fetched()).as("what the recreated runtime received at its start")
                    .contains("LLM_API_KEY=" + NEW_KEY).doesNotContain(PLANTED_KEY);
        }
    }

    private String fetched() throws Exception {
        return docker(List.of("exec", container, "cat", "/run/runtime/provider.env")).stdout();
    }

    /** The run, once finished and its runtime has acknowledged the new key (it fetches right after its start). */
    private static JsonPath awaitConfirmed(KeyhouseProcess keyhouse, String admin, long run) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        JsonPath report = null;
        while (System.nanoTime() < deadline) {
            report = given().baseUri(keyhouse.baseUrl()).auth().oauth2(admin).get("/api/v1/restarts/" + run)
                    .then().statusCode(200).extract().jsonPath();
            if (report.getBoolean("finished") && Boolean.TRUE.equals(report.getBoolean("results[0].confirmed"))) {
                return report;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("restart run " + run + " did not finish with a confirmed runtime: "
                + (report == null ? "no report" : report.prettify()));
    }

    private static boolean awaitHealth(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(3)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return true;
                }
            } catch (java.io.IOException notYet) {
                // the container is still fetching
            }
            Thread.sleep(500);
        }
        return false;
    }
}
