package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
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
import dev.keyhouse.config.KeyhouseProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example runtime's start script from docker-compose.yml, run for real: in the busybox test image on the private
 * Docker engine (host network), against the packaged Keyhouse. It must fetch its provider configuration with the
 * runtime token, never print it, and then answer its health check. (Compose itself cannot run here: no registry.)
 */
class ComposeExampleRuntimeIT {

    private static final String TOKEN = "compose-it-runtime-token-4b7e2a91";
    private static final String PLANTED_KEY = "sk-compose-it-planted-7c1d9e3f5a";

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
        return Map.of("DOCKER_HOST", System.getenv("KEYHOUSE_TEST_DOCKER_HOST"));
    }

    private Command docker(List<String> arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Command.tool("docker").toString()));
        command.addAll(arguments);
        return Command.run(workDir, dockerEnv(), command);
    }

    @Test
    void fetchesItsConfigurationWithTheTokenAndServesItsHealthCheck() throws Exception {
        assumeTrue(System.getenv("KEYHOUSE_TEST_DOCKER_HOST") != null,
                "KEYHOUSE_TEST_DOCKER_HOST (set by .ci/run after .ci/start-dockerd) names the private Docker engine");
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        JsonNode runtime = new YAMLMapper().readTree(Path.of("docker-compose.yml").toFile()).path("services").path("example-runtime");
        int healthPort = freePort();
        String script = runtime.path("command").get(2).asText().replace("$$", "$")
                .replace("-p 8081", "-p " + healthPort);
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "keyhouse.log",
                Map.of("PROVISIONER_INTERNAL_TOKEN", TOKEN, "OPENAI_API_KEY", PLANTED_KEY))) {
            keyhouse.awaitReady();
            Command run = docker(List.of("run", "-d", "--network", "host",
                    "--label", "keyhouse.runtime=" + runtime.path("labels").path("keyhouse.runtime").asText(),
                    "-e", "KEYHOUSE_URL=" + keyhouse.baseUrl(), "-e", "RUNTIME_NAME=example-runtime",
                    "-e", "PROVISIONER_INTERNAL_TOKEN=" + TOKEN, "keyhouse-test/busybox", "sh", "-c", script));
            assertThat(run.exit()).as(run.output()).isZero();
            container = run.stdout().strip();

            assertThat(awaitHealth(healthPort)).as("health check on %d", healthPort).isTrue();
            Command logs = docker(List.of("logs", container));
            assertThat(logs.stdout() + logs.stderr()).contains("provider configuration loaded")
                    .doesNotContain(PLANTED_KEY, TOKEN);
            Command fetched = docker(List.of("exec", container, "cat", "/run/runtime/provider.env"));
            assertThat(fetched.stdout()).as("what the runtime received").contains(PLANTED_KEY);
            Command mode = docker(List.of("exec", container, "stat", "-c", "%a", "/run/runtime/provider.env"));
            assertThat(mode.stdout().strip()).isEqualTo("600");
        }
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

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
