package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.keyhouse.SystemTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml as Debian's docker-compose (v1) resolves it with a sample .env in a temporary folder. The stack
 * itself cannot run here: no registry serves postgres:17 or busybox.
 */
@SystemTools("docker-compose")
class ComposeFileTest {

    private static final String SAMPLE_ENV = """
            CREDENTIAL_ENCRYPTION_KEY=sample-encryption-key
            JWT_SECRET_KEY=sample-jwt-key
            SYSTEM_ADMIN_PASSWORD=sample-admin-password
            POSTGRES_PASSWORD=sample-db-password
            PROVISIONER_INTERNAL_TOKEN=sample-runtime-token
            """;

    private static Command config(Path dir, String env) throws Exception {
        Files.copy(Path.of("docker-compose.yml"), dir.resolve("docker-compose.yml"));
        Files.writeString(dir.resolve(".env"), env);
        // only PATH: a variable of the shell running the tests must not fill in what .env lacks
        return Command.run(dir, Map.of(), List.of(Command.tool("docker-compose").toString(), "config"));
    }

    private static JsonNode resolved(Path dir, String env) throws Exception {
        Command config = config(dir, env);
        assertThat(config.exit()).as(config.output()).isZero();
        return new YAMLMapper().readTree(config.stdout());
    }

    @Test
    void keyhouseWaitsForAHealthyPostgresOnANamedVolume(@TempDir Path dir) throws Exception {
        JsonNode compose = resolved(dir, SAMPLE_ENV);
        JsonNode services = compose.path("services");
        assertThat(services.fieldNames()).toIterable().containsExactlyInAnyOrder(
                "postgres", "keyhouse", "example-runtime", "register-example-runtime");
        assertThat(compose.path("volumes").has("keyhouse-postgres")).isTrue();
        assertThat(services.path("postgres").path("volumes").get(0).toString()).contains("keyhouse-postgres");
        assertThat(services.path("keyhouse").path("depends_on").path("postgres").path("condition").asText())
                .isEqualTo("service_healthy");
        for (String service : List.of("postgres", "keyhouse", "example-runtime")) {
            assertThat(services.path(service).path("healthcheck").path("test").isMissingNode()).as(service).isFalse();
        }
        assertThat(services.path("keyhouse").path("environment").path("CREDENTIAL_ENCRYPTION_KEY").asText())
                .as("Keyhouse reads .env").isEqualTo("sample-encryption-key");
        // health and metrics answer on the management port alone: the healthcheck asks there, and the port is
        // published on the host's loopback only
        JsonNode keyhouse = services.path("keyhouse");
        String managementPort = keyhouse.path("environment").path("MANAGEMENT_PORT").asText();
        assertThat(managementPort).isEqualTo("9000").isNotEqualTo(keyhouse.path("environment").path("HTTP_PORT").asText());
        assertThat(keyhouse.path("healthcheck").path("test").toString())
                .contains("/dev/tcp/127.0.0.1/" + managementPort, "GET /q/health/ready").doesNotContain("8080");
        List<String> published = new java.util.ArrayList<>();
        keyhouse.path("ports").forEach(port -> {
            // "ip:published:target[/tcp]" or the long form, whose address is host_ip (Compose v2) or external_ip (v1)
            String[] parts = port.isTextual() ? port.asText().replaceFirst("/tcp$", "").split(":") : new String[] {
                port.has("host_ip") ? port.path("host_ip").asText() : port.path("external_ip").asText(""),
                port.path("published").asText(), port.path("target").asText()};
            if (parts[parts.length - 1].equals(managementPort)) {
                published.add(parts.length == 3 ? parts[0] : "");
            }
        });
        assertThat(published).as("the management port is published on loopback only").containsExactly("127.0.0.1");
        TreeSet<String> names = new TreeSet<>();
        services.path("keyhouse").path("environment").fieldNames().forEachRemaining(names::add);
        assertThat(names).isSubsetOf(EnvExample.names());
    }

    @Test
    void theExampleRuntimeFetchesItsConfigAndIsWiredAsADockerTarget(@TempDir Path dir) throws Exception {
        JsonNode services = resolved(dir, SAMPLE_ENV).path("services");
        JsonNode runtime = services.path("example-runtime");
        assertThat(runtime.path("image").asText()).isEqualTo("busybox:1.36");
        assertThat(runtime.path("labels").path("keyhouse.runtime").asText()).isEqualTo("example");
        String fetch = script(runtime);
        assertThat(fetch).contains("/api/v1/internal/runtime-config", "Authorization: Bearer ${PROVISIONER_INTERNAL_TOKEN}",
                "X-Keyhouse-Runtime: ${KEYHOUSE_RUNTIME_NAME:-${RUNTIME_NAME}}", "httpd");
        assertShellSyntax(dir, fetch);

        JsonNode register = services.path("register-example-runtime");
        String script = script(register);
        assertThat(script).contains("/api/v1/auth/token", "access_token", "/api/v1/runtimes");
        String body = script.lines().filter(l -> l.startsWith("{\"name\"")).findFirst().orElseThrow();
        JsonNode target = new ObjectMapper().readTree(body);
        assertThat(target.path("name").asText()).isEqualTo("compose-example");
        assertThat(target.path("driver").asText()).isEqualTo("docker");
        assertThat(target.path("dependsOn").get(0).asText()).isEqualTo("llm");
        assertThat(target.path("config").path("labelSelector").asText()).isEqualTo("keyhouse.runtime=example");
        assertThat(target.path("config").path("host").asText()).isEqualTo("unix:///var/run/docker.sock");
        assertThat(target.path("config").path("mode").asText()).isEqualTo("recreate");
        assertShellSyntax(dir, script);
        // Keyhouse reaches the Docker engine the target names
        assertThat(services.path("keyhouse").path("volumes").toString()).contains("/var/run/docker.sock");
    }

    @Test
    void theRuntimeImageIsOverridable(@TempDir Path dir) throws Exception {
        JsonNode services = resolved(dir, SAMPLE_ENV + "EXAMPLE_RUNTIME_IMAGE=keyhouse-test/busybox\n").path("services");
        assertThat(services.path("example-runtime").path("image").asText()).isEqualTo("keyhouse-test/busybox");
        assertThat(services.path("register-example-runtime").path("image").asText()).isEqualTo("keyhouse-test/busybox");
    }

    @Test
    void aMissingDatabasePasswordIsNamed(@TempDir Path dir) throws Exception {
        Command config = config(dir, SAMPLE_ENV.replace("POSTGRES_PASSWORD=sample-db-password\n", ""));
        assertThat(config.exit()).isNotZero();
        assertThat(config.stderr()).contains("set POSTGRES_PASSWORD in .env");
    }

    /** The sh -c script of a service, with compose's $$ escapes undone. */
    private static String script(JsonNode service) {
        JsonNode command = service.path("command");
        assertThat(command.get(0).asText()).isEqualTo("sh");
        return command.get(2).asText().replace("$$", "$");
    }

    private static void assertShellSyntax(Path dir, String script) throws Exception {
        Path file = dir.resolve("script.sh");
        Files.writeString(file, script);
        Command check = Command.run(dir, Map.of(), List.of("sh", "-n", file.toString()));
        assertThat(check.exit()).as(check.output()).isZero();
    }
}
