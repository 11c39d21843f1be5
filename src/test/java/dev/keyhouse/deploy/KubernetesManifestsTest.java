package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/*.yaml: every document parses, references only variables of .env.example, and asks for no more
 * than it should. (Jackson YAML comes with fabric8's kubernetes-client, a compile dependency.)
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("deploy/kubernetes");
    private static final List<JsonNode> DOCUMENTS = new ArrayList<>();

    @BeforeAll
    static void parseEveryDocument() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
                    for (JsonNode doc : docs.readAll()) {
                        if (!doc.isNull() && !doc.isEmpty()) {
                            assertThat(doc.path("apiVersion").asText()).as(file + ": apiVersion").isNotBlank();
                            assertThat(doc.path("kind").asText()).as(file + ": kind").isNotBlank();
                            assertThat(doc.path("metadata").path("name").asText()).as(file + ": name").isNotBlank();
                            DOCUMENTS.add(doc);
                        }
                    }
                }
            }
        }
    }

    private static JsonNode only(String kind) {
        List<JsonNode> found = DOCUMENTS.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }

    private static JsonNode secret(String name) {
        return DOCUMENTS.stream().filter(d -> d.path("kind").asText().equals("Secret"))
                .filter(d -> d.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no Secret " + name + " in " + DIR));
    }

    /** Every variable a container gets: env names, and the keys of each Secret it takes whole through envFrom. */
    private static Set<String> variablesOf(JsonNode container) {
        Set<String> names = new TreeSet<>();
        container.path("env").forEach(e -> names.add(e.path("name").asText()));
        container.path("envFrom").forEach(from -> {
            assertThat(from.has("configMapRef")).as("envFrom a ConfigMap this test cannot see").isFalse();
            JsonNode secret = secret(from.path("secretRef").path("name").asText());
            secret.path("stringData").fieldNames().forEachRemaining(names::add);
            secret.path("data").fieldNames().forEachRemaining(names::add);
        });
        return names;
    }

    @Test
    void everyDocumentParsesAndThereAreTheExpectedKinds() {
        assertThat(DOCUMENTS.stream().map(d -> d.path("kind").asText())).containsExactlyInAnyOrder(
                "Deployment", "Service", "Secret", "ServiceAccount", "Role", "RoleBinding");
    }

    @Test
    void everyVariableTheManifestsReferenceIsInEnvExample() {
        JsonNode deployment = only("Deployment");
        List<JsonNode> containers = new ArrayList<>();
        deployment.path("spec").path("template").path("spec").path("containers").forEach(containers::add);
        assertThat(containers).isNotEmpty();
        for (JsonNode container : containers) {
            assertThat(variablesOf(container)).as("variables of container %s", container.path("name").asText())
                    .isNotEmpty().isSubsetOf(EnvExample.names());
        }
        assertThat(secret("keyhouse-env").path("stringData").fieldNames()).toIterable()
                .as("keys of the Secret template").isSubsetOf(EnvExample.names());
    }

    @Test
    void theSecretTemplateHoldsKeysButNoValues() {
        JsonNode secret = secret("keyhouse-env");
        assertThat(secret.has("data")).isFalse();
        assertThat(secret.path("stringData").size()).isGreaterThanOrEqualTo(3);
        secret.path("stringData").fields().forEachRemaining(entry ->
                assertThat(entry.getValue().asText()).as(entry.getKey()).isEmpty());
    }

    @Test
    void theDeploymentRunsTwoNonRootReplicasWithBothProbesAndResources() {
        JsonNode spec = only("Deployment").path("spec");
        assertThat(spec.path("replicas").asInt()).isEqualTo(2);
        JsonNode pod = spec.path("template").path("spec");
        assertThat(pod.path("serviceAccountName").asText()).isEqualTo("keyhouse");
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isPositive();
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/started");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(container.path("securityContext").path("capabilities").path("drop").get(0).asText()).isEqualTo("ALL");
        assertThat(container.path("resources").path("requests").path("memory").asText()).isNotBlank();
        assertThat(container.path("resources").path("limits").path("memory").asText()).isNotBlank();
        // the Service routes to these pods
        assertThat(only("Service").path("spec").path("selector"))
                .isEqualTo(spec.path("template").path("metadata").path("labels"));
    }

    @Test
    void everyProbeGoesToTheManagementPortWhichTheServiceDoesNotRoute() {
        JsonNode container = only("Deployment").path("spec").path("template").path("spec").path("containers").get(0);
        Map<String, Integer> ports = new java.util.TreeMap<>();
        container.path("ports").forEach(port -> ports.put(port.path("name").asText(), port.path("containerPort").asInt()));
        Map<String, String> env = new java.util.TreeMap<>();
        container.path("env").forEach(variable -> env.put(variable.path("name").asText(), variable.path("value").asText()));
        assertThat(ports).containsEntry("http", Integer.parseInt(env.get("HTTP_PORT")))
                .containsEntry("management", Integer.parseInt(env.get("MANAGEMENT_PORT")));
        assertThat(ports.get("management")).isNotEqualTo(ports.get("http"));
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(container.path(probe).path("httpGet").path("port").asText()).as(probe).isEqualTo("management");
        }
        JsonNode servicePorts = only("Service").path("spec").path("ports");
        assertThat(servicePorts.size()).isEqualTo(1);
        assertThat(servicePorts.get(0).path("targetPort").asText()).isEqualTo("http");
    }

    @Test
    void theRoleGrantsOnlyWhatTheKubernetesRuntimeTargetNeeds() {
        JsonNode rules = only("Role").path("rules");
        assertThat(rules.size()).isEqualTo(3);
        JsonNode workloads = rules.get(0);
        assertThat(texts(workloads.path("apiGroups"))).containsExactly("apps");
        assertThat(texts(workloads.path("resources"))).containsExactlyInAnyOrder("deployments", "statefulsets", "daemonsets");
        assertThat(texts(workloads.path("verbs"))).containsExactlyInAnyOrder("get", "list", "patch");
        JsonNode namedSecret = rules.get(1);
        assertThat(texts(namedSecret.path("resources"))).containsExactly("secrets");
        assertThat(texts(namedSecret.path("resourceNames"))).hasSize(1);
        assertThat(texts(namedSecret.path("verbs"))).containsExactlyInAnyOrder("get", "patch");
        JsonNode create = rules.get(2);
        assertThat(texts(create.path("resources"))).containsExactly("secrets");
        assertThat(texts(create.path("verbs"))).containsExactly("create");
        rules.forEach(rule -> {
            assertThat(texts(rule.path("verbs"))).doesNotContain("*", "delete", "watch", "escalate", "bind");
            assertThat(texts(rule.path("resources"))).doesNotContain("*");
        });
        JsonNode binding = only("RoleBinding");
        assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(only("Role").path("metadata").path("name").asText());
        assertThat(binding.path("subjects").get(0).path("name").asText()).isEqualTo("keyhouse");
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
