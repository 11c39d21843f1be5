package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.web.FieldErrors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * The kubernetes driver against a <b>fake</b> Kubernetes API: fabric8's {@code KubernetesMockServer} in CRUD mode,
 * which stores and serves objects like an API server but runs no controllers (no pods roll). No real cluster can run
 * here. The driver reaches the fake through a kubeconfig file, as it would reach a cluster.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesDriverTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private static final String LLM_KEY = "sk-test-new-llm-key-0123456789";

    @TempDir
    Path dir;

    private final KubernetesDriver driver = new KubernetesDriver();
    private Path kubeconfig;

    @BeforeEach
    void fleet() throws Exception {
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: fake
                    cluster: {server: "%s"}
                  - name: nowhere
                    cluster: {server: "http://127.0.0.1:1"}
                contexts:
                  - name: fake
                    context: {cluster: fake, user: keyhouse}
                  - name: unreachable
                    context: {cluster: nowhere, user: keyhouse}
                current-context: fake
                users:
                  - name: keyhouse
                    user: {token: fake-token}
                """.formatted(client.getMasterUrl().toString()));
        for (String namespace : List.of("voice", "other")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                    .build()).create();
        }
        for (HasMetadata workload : List.of(
                new DeploymentBuilder().withMetadata(meta("voice", "voice", "voice"))
                        .withNewSpec().withTemplate(template()).endSpec().build(),
                new StatefulSetBuilder().withMetadata(meta("voice", "voice-db", "voice"))
                        .withNewSpec().withTemplate(template()).endSpec().build(),
                new DaemonSetBuilder().withMetadata(meta("voice", "voice-agent", "voice"))
                        .withNewSpec().withTemplate(template()).endSpec().build(),
                new DeploymentBuilder().withMetadata(meta("voice", "billing", "billing"))
                        .withNewSpec().withTemplate(template()).endSpec().build(),
                new DeploymentBuilder().withMetadata(meta("other", "voice", "voice"))
                        .withNewSpec().withTemplate(template()).endSpec().build())) {
            client.resource(workload).create();
        }
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void discoversLabelledWorkloadsOfEveryKindInTheNamespaceOnly() throws Exception {
        assertThat(driver.discover(target("voice", null))).containsExactlyInAnyOrder(
                "Deployment/voice", "StatefulSet/voice-db", "DaemonSet/voice-agent");
    }

    @Test
    void prepareWritesTheEnvironmentAndRemovesStaleNames() throws Exception {
        driver.prepare(target("voice", null), order(1, Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", "sk-old-key",
                "STT_API_KEY", "stt-key-to-be-cleared")));
        driver.prepare(target("voice", null), order(2, Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", LLM_KEY,
                "OPENAI_API_KEY", LLM_KEY)));

        Secret secret = client.secrets().inNamespace("voice").withName("voice-provider-env").get();
        assertThat(decode(secret.getData())).isEqualTo(Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", LLM_KEY,
                "OPENAI_API_KEY", LLM_KEY));
        assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "keyhouse");
        assertThat(secret.getMetadata().getAnnotations()).containsEntry("keyhouse.dev/settings-version", "2");
        assertThat(secret.getType()).isEqualTo("Opaque");
    }

    @Test
    void prepareRefusesASecretKeyhouseDoesNotManage() {
        client.secrets().inNamespace("voice").resource(new SecretBuilder().withNewMetadata()
                .withName("voice-provider-env").endMetadata().addToStringData("DATABASE_PASSWORD", "db-pass").build())
                .create();

        assertThatThrownBy(() -> driver.prepare(target("voice", null), order(1, Map.of("LLM_API_KEY", LLM_KEY))))
                .hasMessageContaining("Secret voice-provider-env in namespace voice exists and is not managed by Keyhouse")
                .hasMessageNotContaining(LLM_KEY);
        assertThat(client.secrets().inNamespace("voice").withName("voice-provider-env").get().getStringData())
                .containsOnlyKeys("DATABASE_PASSWORD");
    }

    @Test
    void restartAnnotatesThePodTemplateOfMatchingWorkloadsOnly() throws Exception {
        Instant before = Instant.now().minusMillis(1);
        TargetSpec target = target("voice", null);
        RestartOrder order = order(3, Map.of("LLM_API_KEY", LLM_KEY));

        driver.prepare(target, order);
        for (String runtime : driver.discover(target)) {
            driver.restart(target, runtime, order);
        }

        for (HasMetadata workload : List.of(
                client.apps().deployments().inNamespace("voice").withName("voice").get(),
                client.apps().statefulSets().inNamespace("voice").withName("voice-db").get(),
                client.apps().daemonSets().inNamespace("voice").withName("voice-agent").get())) {
            Map<String, String> annotations = templateOf(workload).getMetadata().getAnnotations();
            Instant restartedAt = Instant.parse(annotations.get("kubectl.kubernetes.io/restartedAt"));
            assertThat(restartedAt).isBetween(before, Instant.now());
            assertThat(annotations).containsEntry("prometheus.io/scrape", "true");
        }
        assertThat(templateOf(client.apps().deployments().inNamespace("voice").withName("billing").get())
                .getMetadata().getAnnotations()).doesNotContainKey("kubectl.kubernetes.io/restartedAt");
        assertThat(templateOf(client.apps().deployments().inNamespace("other").withName("voice").get())
                .getMetadata().getAnnotations()).doesNotContainKey("kubectl.kubernetes.io/restartedAt");
    }

    @Test
    void restartPatchIsTheOneKubectlSends() {
        assertThat(KubernetesDriver.restartPatch(Instant.parse("2026-11-22T21:37:55.123456Z"))).isEqualTo(
                "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":"
                        + "{\"kubectl.kubernetes.io/restartedAt\":\"2026-11-22T21:37:55.123Z\"}}}}}");
    }

    @Test
    void missingNamespaceAndWorkloadAreNamed() {
        assertThatThrownBy(() -> driver.discover(target("nowhere", null)))
                .hasMessage("namespace nowhere not found");
        assertThatThrownBy(() -> driver.restart(target("voice", null), "Deployment/gone", order(1, Map.of())))
                .hasMessage("Deployment/gone not found in namespace voice");
        assertThatThrownBy(() -> driver.restart(target("voice", null), "CronJob/voice", order(1, Map.of())))
                .hasMessageContaining("is not Deployment/, StatefulSet/ or DaemonSet/");
    }

    @Test
    void interruptStopsAWaitingCall() throws Exception {
        server.expect().get().withPath("/apis/apps/v1/namespaces/voice/deployments/voice").andReply(200, request -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new DeploymentBuilder().withMetadata(meta("voice", "voice", "voice")).build();
        }).once();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                driver.restart(target("voice", null), "Deployment/voice", order(1, Map.of()));
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        caller.start();
        Thread.sleep(500);
        long start = System.nanoTime();

        caller.interrupt();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class)
                .hasMessageContaining("get deployments in namespace voice: interrupted");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void pausedDeploymentIsRefusedAsKubectlDoes() {
        client.apps().deployments().inNamespace("voice").withName("voice")
                .edit(d -> new DeploymentBuilder(d).editSpec().withPaused(true).endSpec().build());

        assertThatThrownBy(() -> driver.restart(target("voice", null), "Deployment/voice", order(1, Map.of())))
                .hasMessageContaining("Deployment/voice in namespace voice is paused");
    }

    @Test
    void forbiddenNamesTheRbacRuleToGrant() {
        server.expect().get().withPath("/apis/apps/v1/namespaces/voice/deployments?labelSelector=app%3Dvoice")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                        "deployments.apps is forbidden: User \"system:serviceaccount:keyhouse:keyhouse\" cannot list"
                                + " resource \"deployments\" in API group \"apps\" in the namespace \"voice\"")
                        .build())
                .once();

        assertThatThrownBy(() -> driver.discover(target("voice", null)))
                .hasMessageStartingWith("forbidden to list deployments in namespace voice; grant Keyhouse a Role rule"
                        + " apiGroups: [\"apps\"], resources: [\"deployments\"], verbs: [\"list\"]")
                .hasMessageContaining("system:serviceaccount:keyhouse:keyhouse");
    }

    @Test
    void secretValuesNeverReachAnErrorMessage() {
        server.expect().post().withPath("/api/v1/namespaces/voice/secrets")
                .andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid").withMessage(
                        "Secret \"voice-provider-env\" is invalid: data[LLM_API_KEY]: Invalid value: \"" + LLM_KEY + "\"")
                        .build())
                .once();

        assertThatThrownBy(() -> driver.prepare(target("voice", null), order(1, Map.of("LLM_API_KEY", LLM_KEY))))
                .hasMessageContaining("cannot create secrets in namespace voice: HTTP 422")
                .hasMessageContaining("Invalid value: \"[redacted]\"")
                .hasMessageNotContaining(LLM_KEY);
    }

    @Test
    void contextSelectsTheCluster() throws Exception {
        assertThat(driver.discover(target("voice", "fake"))).hasSize(3);

        long start = System.nanoTime();
        assertThatThrownBy(() -> driver.discover(target("voice", "unreachable")))
                .hasMessageStartingWith("cannot reach the Kubernetes API at http://127.0.0.1:1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

        assertThatThrownBy(() -> driver.discover(target("voice", "staging")))
                .hasMessage("context staging not found in kubeconfig " + kubeconfig);
    }

    @Test
    void validationNamesEachBadField() {
        FieldErrors errors = new FieldErrors();
        driver.validate(new TargetSpec(0, "voice-fleet", "kubernetes", Map.of("namespace", "Voice_Prod",
                "labelSelector", "app=voice; rm -rf", "secretName", "-env", "kubeconfig", "relative/kubeconfig"),
                Map.of()), errors);
        assertThat(errors.errors()).extracting(FieldErrors.FieldError::field).containsExactlyInAnyOrder(
                "config.namespace", "config.labelSelector", "config.secretName", "config.kubeconfig");

        FieldErrors missingFile = new FieldErrors();
        driver.validate(new TargetSpec(0, "voice-fleet", "kubernetes",
                Map.of("kubeconfig", dir.resolve("absent").toString()), Map.of()), missingFile);
        assertThat(missingFile.messageFor("config.kubeconfig")).isEqualTo("is not a readable file on the Keyhouse host");

        FieldErrors fine = new FieldErrors();
        driver.validate(target("voice", "fake"), fine);
        driver.validate(new TargetSpec(0, "voice-fleet", "kubernetes", Map.of("namespace", "voice",
                "labelSelector", "app.kubernetes.io/part-of=voice,tier in (edge, core),!canary",
                "secretName", "voice.provider-env"), Map.of()), fine);
        assertThat(fine.errors()).isEmpty();
    }

    private TargetSpec target(String namespace, String context) {
        Map<String, String> config = new HashMap<>(Map.of("namespace", namespace, "labelSelector", "app=voice",
                "secretName", "voice-provider-env", "kubeconfig", kubeconfig.toString()));
        if (context != null) {
            config.put("context", context);
        }
        return new TargetSpec(3, "voice-fleet", "kubernetes", config, Map.of());
    }

    private static RestartOrder order(long version, Map<String, String> env) {
        return new RestartOrder(40 + version, version, env,
                Set.of("LLM_PROVIDER", "LLM_API_KEY", "OPENAI_API_KEY", "STT_API_KEY"), Instant.now().plusSeconds(60));
    }

    private static ObjectMeta meta(String namespace, String name, String app) {
        return new ObjectMetaBuilder().withNamespace(namespace).withName(name).addToLabels("app", app).build();
    }

    private static PodTemplateSpec template() {
        return new PodTemplateSpecBuilder()
                .withNewMetadata().addToLabels("pod", "x").addToAnnotations("prometheus.io/scrape", "true").endMetadata()
                .withNewSpec().addNewContainer().withName("runtime").withImage("voice:1")
                .addNewEnvFrom().withNewSecretRef().withName("voice-provider-env").endSecretRef().endEnvFrom()
                .endContainer().endSpec()
                .build();
    }

    private static PodTemplateSpec templateOf(HasMetadata workload) {
        if (workload instanceof io.fabric8.kubernetes.api.model.apps.Deployment deployment) {
            return deployment.getSpec().getTemplate();
        }
        if (workload instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet statefulSet) {
            return statefulSet.getSpec().getTemplate();
        }
        return ((io.fabric8.kubernetes.api.model.apps.DaemonSet) workload).getSpec().getTemplate();
    }

    private static Map<String, String> decode(Map<String, String> data) {
        Map<String, String> decoded = new TreeMap<>();
        data.forEach((key, value) -> decoded.put(key, new String(Base64.getDecoder().decode(value),
                StandardCharsets.UTF_8)));
        return decoded;
    }
}
