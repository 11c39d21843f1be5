package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.EnvVar;
import org.junit.jupiter.api.Test;

/** The CI deploy examples bind only names render-env.sh accepts, and every required one. */
class DeployExamplesTest {

    private static final Pattern RENDER_NAME = Pattern.compile("KEYHOUSE_RENDER_([A-Z][A-Z0-9_]*)");

    private static Set<String> renderedNames(Path file) throws Exception {
        Set<String> names = new TreeSet<>();
        Matcher matcher = RENDER_NAME.matcher(Files.readString(file));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static Set<String> required() {
        Set<String> names = new TreeSet<>();
        EnvCatalog.all().stream().filter(EnvVar::required).map(EnvVar::name).forEach(names::add);
        return names;
    }

    @Test
    void jenkinsfileBindsKnownNamesAndEveryRequiredOne() throws Exception {
        Set<String> names = renderedNames(Path.of("deploy/Jenkinsfile"));
        assertThat(names).isSubsetOf(EnvExample.names()).containsAll(required());
        assertThat(Files.readString(Path.of("deploy/Jenkinsfile"))).contains("withCredentials", "render-env.sh",
                "systemctl restart keyhouse", "$KEYHOUSE_MANAGEMENT_URL/q/health/ready",
                "KEYHOUSE_MANAGEMENT_URL = 'http://127.0.0.1:9000'");
    }

    /** Health and metrics answer only on the management port: no example, script or image probes the public one. */
    @Test
    void everyHealthOrMetricsProbeGoesToTheManagementPort() throws Exception {
        Pattern publicPortProbe = Pattern.compile(
                "(8080|HTTP_PORT|http_port|\\$KEYHOUSE_URL|\\$\\{?url\\}?|\\$\\{?base\\}?|\\$\\{?port\\}?)[^\\s\"']*/q/(health|metrics)");
        List<Path> files = new ArrayList<>(List.of(Path.of("Dockerfile"), Path.of("docker-compose.yml")));
        try (Stream<Path> deploy = Files.walk(Path.of("deploy"))) {
            deploy.filter(Files::isRegularFile).forEach(files::add);
        }
        List<String> probes = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (publicPortProbe.matcher(lines.get(i)).find()) {
                    probes.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertThat(probes).as("health or metrics asked on the application port").isEmpty();
        assertThat(Files.readString(Path.of("deploy/github-actions/deploy.yml")))
                .contains("KEYHOUSE_MANAGEMENT_URL: http://127.0.0.1:9000", "\"$KEYHOUSE_MANAGEMENT_URL/q/health/ready\"");
        assertThat(Files.readString(Path.of("deploy/smoke-image.sh")))
                .contains("\"MANAGEMENT_PORT=$management_port\"", "\"$management_url/q/health/ready\"");
        assertThat(Files.readString(Path.of("deploy/measure-startup.sh"))).contains("MANAGEMENT_PORT=$mport");
        assertThat(Files.readString(Path.of("deploy/lib/throwaway.sh"))).contains("HTTP_PORT=$1 MANAGEMENT_PORT=$2");
        assertThat(Files.readString(Path.of("deploy/bench-runtime-config.sh"))).contains("throwaway_env \"$port\" \"$mport\"");
        assertThat(Files.readString(Path.of("deploy/build-fast-start.sh"))).contains("throwaway_env \"$port\" \"$mport\"");
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^EXPOSE 8080 9000$")
                .containsPattern("(?m)^HEALTHCHECK .*\\n.*/dev/tcp/127\\.0\\.0\\.1/\\$\\{MANAGEMENT_PORT:-9000}.*/q/health/ready");
    }

    /**
     * The Vault Agent example renders the file the systemd unit reads, mode 0600, from the template
     * {@link VaultAgentTemplateTest} holds to the catalog, and restarts that unit; a failing render never leaves Agent
     * retrying silently.
     */
    @Test
    void vaultAgentRendersTheFileTheSystemdUnitReadsAndRestartsThatUnit() throws Exception {
        String agent = Files.readString(Path.of("deploy/vault/agent.hcl"));
        // the unit the restart names is the one deploy/systemd ships
        String unit = Files.readString(Path.of("deploy/systemd/keyhouse.service"));
        assertThat(unit).containsPattern("(?m)^EnvironmentFile=/opt/keyhouse/\\.env$");
        assertThat(agent).containsPattern("(?m)^\\s+destination\\s+= \"/opt/keyhouse/\\.env\"$")
                .containsPattern("(?m)^\\s+perms\\s+= \"0600\"$")
                .containsPattern("(?m)^\\s+source\\s+= \"[^\"]*/" + VaultAgentTemplateTest.TEMPLATE.getFileName() + "\"$")
                .containsPattern("(?m)^\\s+error_on_missing_key = true$")
                .containsPattern("(?m)^\\s+exit_on_retry_failure\\s+= true$")
                .containsPattern("(?m)^\\s+command = \\[\"systemctl\", \"try-restart\", \"keyhouse\\.service\"]$")
                .containsPattern("(?m)^vault \\{\\n\\s+address = \"https://")
                .containsPattern("(?m)^\\s+method \"approle\" \\{$")
                .contains("role_id_file_path", "secret_id_file_path", "sink \"file\"");
    }

    @Test
    void githubActionsJobParsesAndBindsKnownNamesFromSecrets() throws Exception {
        Path file = Path.of("deploy/github-actions/deploy.yml");
        JsonNode workflow = new YAMLMapper().readTree(file.toFile());
        assertThat(workflow.path("jobs").path("deploy").path("steps").size()).isGreaterThan(3);
        Set<String> names = renderedNames(file);
        assertThat(names).isSubsetOf(EnvExample.names()).containsAll(required());
        for (String name : required()) {
            assertThat(Files.readString(file)).contains("KEYHOUSE_RENDER_" + name + ": ${{ secrets.");
        }
    }
}
