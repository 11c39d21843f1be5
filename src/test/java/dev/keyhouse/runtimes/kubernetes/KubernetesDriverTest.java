package dev.keyhouse.runtimes.kubernetes;

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

import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeDriver;
import dev.keyhouse.runtimes.TargetSpec;
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
    void prepareWritesTheEnvironmentIntoAnImmutableCopyPerVersion() throws Exception {
        driver.prepare(target("voice", null), order(1, Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", "sk-old-key",
                "STT_API_KEY", "stt-key-to-be-cleared")));
        driver.prepare(target("voice", null), order(2, Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", LLM_KEY,
                "OPENAI_API_KEY", LLM_KEY)));

        Secret secret = secret("voice-provider-env-v2");
        assertThat(decode(secret.getData())).isEqualTo(Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", LLM_KEY,
                "OPENAI_API_KEY", LLM_KEY));
        assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "keyhouse");
        assertThat(secret.getMetadata().getAnnotations()).containsEntry("keyhouse.dev/configuration-version", "2")
                .containsEntry("keyhouse.dev/settings-version", "2")
                .containsEntry("keyhouse.dev/restart-run", "42");
        assertThat(secret.getType()).isEqualTo("Opaque");
        assertThat(decode(secret("voice-provider-env-v1").getData())).as("the earlier version's copy is unchanged")
                .isEqualTo(Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", "sk-old-key",
                        "STT_API_KEY", "stt-key-to-be-cleared"));
        assertThat(secret.getImmutable()).as("a version's pairs never change").isTrue();
        // the same version again (a retried discovery, another replica) finds its copy written and keeps it
        driver.prepare(target("voice", null), order(2, Map.of("LLM_PROVIDER", "openai", "LLM_API_KEY", LLM_KEY,
                "OPENAI_API_KEY", LLM_KEY)));
        assertThat(secret("voice-provider-env-v2").getMetadata().getResourceVersion())
                .isEqualTo(secret.getMetadata().getResourceVersion());
        assertThat(secret("voice-provider-env")).as("every workload still references it: left alone").isNull();
    }

    /**
     * Issue 16, "no back door to the new key": two workloads of one target read the provider environment; a rollout
     * moves one to the new version's copy, and the other keeps referencing the old Secret, whose data is unchanged, so
     * a pod of it replaced for any reason still starts on the old key. The first rollout moves a workload from
     * {@code secretName} itself (the migration), in every place a template can name a Secret.
     */
    @Test
    void aRolloutMovesOneWorkloadAndTheOtherKeepsItsUnchangedSecret() throws Exception {
        client.secrets().inNamespace("voice").resource(new SecretBuilder().withNewMetadata()
                .withName("voice-provider-env").addToLabels("app.kubernetes.io/managed-by", "keyhouse").endMetadata()
                .addToData("LLM_API_KEY", encode("sk-written-before-versions")).build()).create();
        client.apps().deployments().inNamespace("voice").withName("voice")
                .edit(d -> new DeploymentBuilder(d).editSpec().withTemplate(everyReference()).endSpec().build());
        TargetSpec target = target("voice", null);

        driver.prepare(target, order(7, Map.of("LLM_API_KEY", "sk-old-key-v7")));
        assertThat(decode(secret("voice-provider-env").getData())).as("referenced: not overwritten")
                .isEqualTo(Map.of("LLM_API_KEY", "sk-written-before-versions"));
        driver.restart(target, "Deployment/voice", order(7, Map.of()));
        driver.restart(target, "StatefulSet/voice-db", order(7, Map.of()));
        assertThat(secretNames(deployment("voice"))).containsExactly("db-credentials", "voice-provider-env-v7");
        assertThat(secretNames(statefulSet("voice-db"))).containsExactly("voice-provider-env-v7");
        assertThat(secretNames(daemonSet("voice-agent"))).as("not restarted").containsExactly("voice-provider-env");

        driver.prepare(target, order(8, Map.of("LLM_API_KEY", LLM_KEY)));
        driver.restart(target, "Deployment/voice", order(8, Map.of()));

        PodTemplateSpec moved = templateOf(deployment("voice"));
        assertThat(SecretReferences.all(moved)).extracting(SecretReferences.Reference::name).containsExactly(
                "voice-provider-env-v8", "db-credentials", "voice-provider-env-v8", "voice-provider-env-v8",
                "voice-provider-env-v8", "voice-provider-env-v8");
        assertThat(moved.getMetadata().getAnnotations()).containsKey("kubectl.kubernetes.io/restartedAt")
                .containsEntry("prometheus.io/scrape", "true");
        assertThat(secretNames(statefulSet("voice-db"))).as("its wave has not come").containsExactly("voice-provider-env-v7");
        assertThat(decode(secret("voice-provider-env-v7").getData())).isEqualTo(Map.of("LLM_API_KEY", "sk-old-key-v7"));
        assertThat(decode(secret("voice-provider-env-v8").getData())).isEqualTo(Map.of("LLM_API_KEY", LLM_KEY));
        assertThat(decode(secret("voice-provider-env").getData())).isEqualTo(Map.of("LLM_API_KEY",
                "sk-written-before-versions"));
    }

    /**
     * One number, two contents: a runtime a rollout holds at llm 2 is served llm 2 + stt 5 = 7, and the fleet ran
     * llm 3 + stt 4 = 7. Each gets a copy of its own (the held one named by its configuration, {@code -v7-h<8 hex>}),
     * each workload references its own, and neither copy is reused for the other's contents. A held copy is moved
     * from like any other copy when its workload's next restart comes.
     */
    @Test
    void twoConfigurationsOfOneVersionGetACopyEachAndEachWorkloadReadsItsOwn() throws Exception {
        TargetSpec target = target("voice", null);
        Map<String, String> current = Map.of("LLM_API_KEY", "sk-llm-three", "STT_API_KEY", "stt-four");
        Map<String, String> held = Map.of("LLM_API_KEY", "sk-llm-two", "STT_API_KEY", "stt-five");
        String heldConfiguration = "7-h3fa9c2e1";

        driver.prepare(target, order(7, current));
        driver.restart(target, "Deployment/voice", order(7, current));
        driver.prepare(target, held(7, heldConfiguration, held));
        driver.restart(target, "StatefulSet/voice-db", held(7, heldConfiguration, held));

        assertThat(copies()).containsExactly("voice-provider-env-v7", "voice-provider-env-v7-h3fa9c2e1");
        assertThat(decode(secret("voice-provider-env-v7").getData())).isEqualTo(current);
        assertThat(decode(secret("voice-provider-env-v7-h3fa9c2e1").getData())).isEqualTo(held);
        assertThat(secretNames(deployment("voice"))).containsExactly("voice-provider-env-v7");
        assertThat(secretNames(statefulSet("voice-db"))).containsExactly("voice-provider-env-v7-h3fa9c2e1");

        driver.prepare(target, order(8, Map.of("LLM_API_KEY", LLM_KEY)));
        driver.restart(target, "StatefulSet/voice-db", order(8, Map.of()));
        assertThat(secretNames(statefulSet("voice-db"))).as("moved from its held copy").containsExactly(
                "voice-provider-env-v8");
        assertThat(SecretReferences.versionOf("voice-provider-env", "voice-provider-env-v7-h3fa9c2e1")).hasValue(7);
        assertThat(SecretReferences.versionOf("voice-provider-env", "voice-provider-env-v7-h3fa9c2e")).isEmpty();
    }

    /**
     * Copies no workload in the namespace references are deleted, except the two newest; {@code secretName} itself is
     * written again once nothing references it, so a workload deployed later starts on the newest pairs.
     */
    @Test
    void copiesNoWorkloadReferencesAreCollectedKeepingTheTwoNewest() throws Exception {
        TargetSpec target = target("voice", null);
        driver.prepare(target, order(1, Map.of("LLM_API_KEY", "sk-key-one")));
        driver.restart(target, "Deployment/voice", order(1, Map.of()));
        for (long version = 2; version <= 4; version++) {
            driver.prepare(target, order(version, Map.of("LLM_API_KEY", "sk-key-" + version)));
        }
        assertThat(copies()).containsExactly("voice-provider-env-v1", "voice-provider-env-v3", "voice-provider-env-v4");

        client.apps().deployments().inNamespace("voice").withName("billing").edit(d -> new DeploymentBuilder(d)
                .editSpec().editTemplate().editSpec().editFirstContainer().withEnvFrom().endContainer().endSpec()
                .endTemplate().endSpec().build());
        for (String runtime : driver.discover(target)) {
            driver.restart(target, runtime, order(4, Map.of()));
        }
        driver.prepare(target, order(5, Map.of("LLM_API_KEY", LLM_KEY)));
        assertThat(copies()).containsExactly("voice-provider-env-v4", "voice-provider-env-v5");
        assertThat(decode(secret("voice-provider-env").getData())).as("no workload references it any more")
                .isEqualTo(Map.of("LLM_API_KEY", LLM_KEY));
        assertThat(client.secrets().inNamespace("other").list().getItems()).isEmpty();
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
            assertThat(secretNames(workload)).containsExactly("voice-provider-env-v3");
        }
        assertThat(templateOf(client.apps().deployments().inNamespace("voice").withName("billing").get())
                .getMetadata().getAnnotations()).doesNotContainKey("kubectl.kubernetes.io/restartedAt");
        assertThat(secretNames(deployment("billing"))).containsExactly("voice-provider-env");
        assertThat(templateOf(client.apps().deployments().inNamespace("other").withName("voice").get())
                .getMetadata().getAnnotations()).doesNotContainKey("kubectl.kubernetes.io/restartedAt");
    }

    /** Collecting is optional: without list on secrets (the default Role) a prepare succeeds and keeps the copies. */
    @Test
    void withoutTheRightToListSecretsCopiesAreKept() throws Exception {
        TargetSpec target = target("voice", null);
        for (long version = 1; version <= 3; version++) {
            driver.prepare(target, order(version, Map.of("LLM_API_KEY", "sk-key-" + version)));
        }
        assertThat(copies()).containsExactly("voice-provider-env-v2", "voice-provider-env-v3");
        server.expect().get().withPath("/api/v1/namespaces/voice/secrets?labelSelector="
                + "app.kubernetes.io%2Fmanaged-by%3Dkeyhouse").andReturn(403, new StatusBuilder().withCode(403)
                        .withReason("Forbidden").withMessage("secrets is forbidden").build()).once();

        driver.prepare(target, order(4, Map.of("LLM_API_KEY", LLM_KEY)));

        assertThat(copies()).as("v2 is no longer one of the two newest, and stays")
                .containsExactly("voice-provider-env-v2", "voice-provider-env-v3", "voice-provider-env-v4");
    }

    @Test
    void restartedAtIsInMillisecondsAsRfc3339() {
        assertThat(KubernetesDriver.restartedAt(Instant.parse("2026-11-22T21:37:55.123456Z")))
                .isEqualTo("2026-11-22T21:37:55.123Z");
    }

    @Test
    void theRestartPatchMovesManagedReferencesOnlyEachGuardedByATest() {
        assertThat(SecretReferences.restartPatch(template(), "voice-provider-env", "voice-provider-env-v3", "T"))
                .isEqualTo("[{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/0/envFrom/0/secretRef/name\","
                        + "\"value\":\"voice-provider-env\"},{\"op\":\"replace\","
                        + "\"path\":\"/spec/template/spec/containers/0/envFrom/0/secretRef/name\","
                        + "\"value\":\"voice-provider-env-v3\"},{\"op\":\"add\","
                        + "\"path\":\"/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt\","
                        + "\"value\":\"T\"}]");
        assertThat(SecretReferences.versionOf("voice-provider-env", "voice-provider-env-v12")).hasValue(12);
        assertThat(SecretReferences.versionOf("voice-provider-env", "voice-provider-env-v")).isEmpty();
        assertThat(SecretReferences.versionOf("voice-provider-env", "voice-provider-env-vx1")).isEmpty();
        assertThat(SecretReferences.versionOf("voice.provider-env", "voiceXprovider-env-v1")).isEmpty();
        assertThat(SecretReferences.isManaged("voice-provider-env", "voice-provider-env-old")).isFalse();
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

    /**
     * Issue 16, health: each workload kind judged as {@code kubectl rollout status} judges it, from the status the
     * (fake) API server holds; the mock runs no controller, so each status is written as a controller would.
     */
    @Test
    void healthIsTheRolloutStatusKubectlWouldReport() throws Exception {
        TargetSpec target = target("voice", null);
        assertThat(driver.hasHealth(target)).isTrue();
        String deployment = "Deployment/voice";

        deploymentStatus(1, "3", "3", "3", null);
        assertThat(driver.health(target, deployment)).as("a spec change not yet observed").isEqualTo(RuntimeDriver.Health.STARTING);
        deploymentStatus(0, "3", "2", "2", null);
        assertThat(driver.health(target, deployment)).as("one replica not yet updated").isEqualTo(RuntimeDriver.Health.STARTING);
        deploymentStatus(0, "4", "3", "3", null);
        assertThat(driver.health(target, deployment)).as("an old replica still terminating").isEqualTo(RuntimeDriver.Health.STARTING);
        deploymentStatus(0, "3", "3", "2", null);
        assertThat(driver.health(target, deployment)).as("an updated replica not yet available").isEqualTo(RuntimeDriver.Health.STARTING);
        deploymentStatus(0, "3", "3", "3", null);
        assertThat(driver.health(target, deployment)).isEqualTo(RuntimeDriver.Health.HEALTHY);
        deploymentStatus(-1, "3", "3", "3", null);
        assertThat(driver.health(target, deployment)).as("observed beyond its generation").isEqualTo(RuntimeDriver.Health.HEALTHY);
        deploymentStatus(0, "3", "1", "1", "ProgressDeadlineExceeded");
        assertThat(driver.health(target, deployment)).isEqualTo(RuntimeDriver.Health.UNHEALTHY);
        deploymentStatus(0, "3", "1", "1", "ReplicaSetUpdated");
        assertThat(driver.health(target, deployment)).as("still progressing").isEqualTo(RuntimeDriver.Health.STARTING);

        String statefulSet = "StatefulSet/voice-db";
        var sets = client.apps().statefulSets().inNamespace("voice");
        sets.withName("voice-db").edit(s -> new StatefulSetBuilder(s).editSpec().withReplicas(2).endSpec().build());
        long setGeneration = sets.withName("voice-db").get().getMetadata().getGeneration();
        sets.withName("voice-db").editStatus(s -> new StatefulSetBuilder(s)
                .withNewStatus().withObservedGeneration(setGeneration).withReplicas(2).withReadyReplicas(2)
                .withUpdatedReplicas(1).withCurrentRevision("voice-db-1").withUpdateRevision("voice-db-2").endStatus()
                .build());
        assertThat(driver.health(target, statefulSet)).as("revisions differ").isEqualTo(RuntimeDriver.Health.STARTING);
        sets.withName("voice-db").editStatus(s -> new StatefulSetBuilder(s)
                .editStatus().withUpdatedReplicas(2).withCurrentRevision("voice-db-2").withReadyReplicas(1).endStatus()
                .build());
        assertThat(driver.health(target, statefulSet)).as("a pod not ready").isEqualTo(RuntimeDriver.Health.STARTING);
        sets.withName("voice-db").editStatus(s -> new StatefulSetBuilder(s)
                .editStatus().withReadyReplicas(2).endStatus().build());
        assertThat(driver.health(target, statefulSet)).isEqualTo(RuntimeDriver.Health.HEALTHY);
        sets.withName("voice-db").edit(s -> new StatefulSetBuilder(s)
                .editSpec().withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy().endSpec().build());
        assertThat(driver.health(target, statefulSet)).as("OnDelete: no rollout to judge").isEqualTo(RuntimeDriver.Health.NONE);

        String daemonSet = "DaemonSet/voice-agent";
        var daemons = client.apps().daemonSets().inNamespace("voice");
        long daemonGeneration = daemons.withName("voice-agent").get().getMetadata().getGeneration();
        daemons.withName("voice-agent").editStatus(d -> new DaemonSetBuilder(d).withNewStatus()
                .withObservedGeneration(daemonGeneration - 1).withDesiredNumberScheduled(4)
                .withUpdatedNumberScheduled(4).withNumberAvailable(4).endStatus().build());
        assertThat(driver.health(target, daemonSet)).as("a spec change not yet observed")
                .isEqualTo(RuntimeDriver.Health.STARTING);
        daemons.withName("voice-agent").editStatus(d -> new DaemonSetBuilder(d).editStatus()
                .withObservedGeneration(daemonGeneration).withNumberAvailable(3).endStatus().build());
        assertThat(driver.health(target, daemonSet)).as("a node's pod not available").isEqualTo(RuntimeDriver.Health.STARTING);
        daemons.withName("voice-agent").editStatus(d -> new DaemonSetBuilder(d)
                .editStatus().withNumberAvailable(4).endStatus().build());
        assertThat(driver.health(target, daemonSet)).isEqualTo(RuntimeDriver.Health.HEALTHY);

        assertThat(driver.health(target, "Deployment/gone")).isEqualTo(RuntimeDriver.Health.UNHEALTHY);
        assertThatThrownBy(() -> driver.health(target, "CronJob/voice"))
                .hasMessageContaining("is not Deployment/, StatefulSet/ or DaemonSet/");
    }

    /**
     * The fake API server holds what a controller would have written: the status, observing the generation the
     * server gave the spec ({@code observedLag} behind it), and the Progressing condition's reason.
     */
    private void deploymentStatus(long observedLag, String replicas, String updated, String available,
            String progressing) {
        var deployments = client.apps().deployments().inNamespace("voice");
        deployments.withName("voice").edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(3).endSpec().build());
        long generation = deployments.withName("voice").get().getMetadata().getGeneration();
        deployments.withName("voice").editStatus(d -> {
            DeploymentBuilder builder = new DeploymentBuilder(d)
                    .withNewStatus().withObservedGeneration(generation - observedLag)
                    .withReplicas(Integer.valueOf(replicas)).withUpdatedReplicas(Integer.valueOf(updated))
                    .withAvailableReplicas(Integer.valueOf(available)).endStatus();
            if (progressing != null) {
                builder.editStatus().addNewCondition().withType("Progressing")
                        .withStatus(progressing.equals("ProgressDeadlineExceeded") ? "False" : "True")
                        .withReason(progressing).endCondition().endStatus();
            }
            return builder.build();
        });
        assertThat(deployments.withName("voice").get().getMetadata().getGeneration()).isEqualTo(generation);
    }

    /** Each workload reads its own copy of the Secret per version: nothing shared, so no reason for one wave. */
    @Test
    void nothingIsSharedAcrossATargetsWorkloads() {
        assertThat(driver.sharedConfig(target("voice", null))).isNull();
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

        FieldErrors tooLong = new FieldErrors();
        driver.validate(new TargetSpec(0, "voice-fleet", "kubernetes", Map.of("secretName", "e".repeat(223)),
                Map.of()), tooLong);
        assertThat(tooLong.messageFor("config.secretName"))
                .isEqualTo("must be at most 222 characters: Keyhouse appends -v<version> (and -h<digest> for a held"
                        + " configuration) to it");

        FieldErrors fine = new FieldErrors();
        driver.validate(target("voice", "fake"), fine);
        driver.validate(new TargetSpec(0, "voice-fleet", "kubernetes", Map.of("namespace", "voice",
                "labelSelector", "app.kubernetes.io/part-of=voice,tier in (edge, core),!canary",
                "secretName", "voice.provider-env"), Map.of()), fine);
        driver.validate(new TargetSpec(0, "voice-fleet", "kubernetes", Map.of("secretName", "e".repeat(222)),
                Map.of()), fine);
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

    /** An order for a configuration a rollout holds a runtime at: {@code configuration} names its contents. */
    private static RestartOrder held(long version, String configuration, Map<String, String> env) {
        return new RestartOrder(40 + version, version, env, Set.of("LLM_PROVIDER", "LLM_API_KEY", "OPENAI_API_KEY",
                "STT_API_KEY"), Instant.now().plusSeconds(60), 0, 0, null, configuration);
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

    /** A template naming Secrets in every place a pod can: the managed one, an earlier copy, and one of its own. */
    private static PodTemplateSpec everyReference() {
        return new PodTemplateSpecBuilder()
                .withNewMetadata().addToAnnotations("prometheus.io/scrape", "true").endMetadata()
                .withNewSpec()
                .addNewInitContainer().withName("init").withImage("voice:1")
                .addNewEnvFrom().withNewSecretRef().withName("voice-provider-env").endSecretRef().endEnvFrom()
                .endInitContainer()
                .addNewContainer().withName("runtime").withImage("voice:1")
                .addNewEnvFrom().withNewSecretRef().withName("voice-provider-env").endSecretRef().endEnvFrom()
                .addNewEnv().withName("DB_PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", "db-credentials",
                        false).endValueFrom().endEnv()
                .addNewEnv().withName("KEY").withNewValueFrom().withNewSecretKeyRef("LLM_API_KEY", "voice-provider-env",
                        false).endValueFrom().endEnv()
                .endContainer()
                .addNewVolume().withName("keys").withNewSecret().withSecretName("voice-provider-env").endSecret()
                .endVolume()
                .addNewVolume().withName("projected").withNewProjected().addNewSource().withNewSecret()
                .withName("voice-provider-env").endSecret().endSource().endProjected().endVolume()
                .endSpec().build();
    }

    private Secret secret(String name) {
        return client.secrets().inNamespace("voice").withName(name).get();
    }

    /** The names of the target's versioned copies in namespace voice. */
    private List<String> copies() {
        return client.secrets().inNamespace("voice").list().getItems().stream().map(s -> s.getMetadata().getName())
                .filter(name -> name.startsWith("voice-provider-env-v")).sorted().toList();
    }

    private HasMetadata deployment(String name) {
        return client.apps().deployments().inNamespace("voice").withName(name).get();
    }

    private HasMetadata statefulSet(String name) {
        return client.apps().statefulSets().inNamespace("voice").withName(name).get();
    }

    private HasMetadata daemonSet(String name) {
        return client.apps().daemonSets().inNamespace("voice").withName(name).get();
    }

    private static Set<String> secretNames(HasMetadata workload) {
        return SecretReferences.names(templateOf(workload));
    }

    private static String encode(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
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
