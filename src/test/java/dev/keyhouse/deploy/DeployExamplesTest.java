package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
                "systemctl restart keyhouse", "/q/health/ready");
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
