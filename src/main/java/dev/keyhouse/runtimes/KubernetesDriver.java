package dev.keyhouse.runtimes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.keyhouse.web.FieldErrors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Restarts the Deployments, StatefulSets and DaemonSets of one namespace that match a label selector: writes the
 * provider environment into a Secret, then triggers a rollout restart of each workload.
 *
 * <h2>For runtime authors</h2>
 * Read the provider settings from the Secret named in the target, as environment variables, and let Kubernetes
 * replace the pods:
 *
 * <pre>
 * spec:
 *   template:
 *     spec:
 *       containers:
 *         - name: voice
 *           envFrom:
 *             - secretRef:
 *                 name: voice-provider-env   # the target's secretName
 * </pre>
 *
 * Environment variables are read when a container starts, so a changed Secret reaches a pod only through a new pod.
 * The driver first replaces the Secret's data with exactly the runtime-config pairs ({@code LLM_API_KEY}, ...; names
 * no longer provided are removed), then sets the pod-template annotation {@code kubectl.kubernetes.io/restartedAt},
 * as {@code kubectl rollout restart} does. That changes the template, so the controller rolls new pods out under the
 * workload's own update strategy ({@code maxUnavailable}, PodDisruptionBudgets); they start with the new values. Do
 * not mount the Secret as {@code subPath} files or copy it in an init container only once; a plain
 * {@code envFrom}/{@code secretKeyRef} or a projected volume all work.
 *
 * <p>The Secret is created when missing and labelled {@code app.kubernetes.io/managed-by=keyhouse}. An existing
 * Secret without that label is refused rather than overwritten: it may hold values Keyhouse does not own.
 *
 * <h2>Permissions</h2>
 * In the target namespace: {@code list}, {@code get}, {@code patch} on {@code deployments}, {@code statefulsets},
 * {@code daemonsets} (apiGroup {@code apps}); {@code get}, {@code create}, {@code patch} on {@code secrets}.
 * Optionally {@code get} on the {@code namespaces} (cluster scope) for a clearer "namespace not found".
 */
@ApplicationScoped
public class KubernetesDriver implements RuntimeDriver {

    static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "keyhouse";
    static final String VERSION_ANNOTATION = "keyhouse.dev/settings-version";
    static final String RUN_ANNOTATION = "keyhouse.dev/restart-run";

    private static final Logger LOG = Logger.getLogger(KubernetesDriver.class);
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9._/=!,() -]+");

    private final KubernetesClients clients = new KubernetesClients();

    @Override
    public String id() {
        return "kubernetes";
    }

    @Override
    public List<DriverField> fields() {
        return List.of(
                DriverField.required("namespace", "Namespace", "Namespace of the workloads and of the Secret"),
                DriverField.required("labelSelector", "Label selector",
                        "Deployments, StatefulSets and DaemonSets to restart, e.g. app.kubernetes.io/part-of=voice"),
                DriverField.required("secretName", "Secret name",
                        "Secret Keyhouse writes the provider environment into; workloads read it with envFrom"),
                DriverField.optional("kubeconfig", "Kubeconfig path", null,
                        "Kubeconfig file on the Keyhouse host; empty: in-cluster service account or ~/.kube/config"),
                DriverField.optional("context", "Context", null, "Kubeconfig context; empty: its current context"));
    }

    @Override
    public void validate(TargetSpec target, FieldErrors errors) {
        String namespace = target.config("namespace");
        if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
            errors.add("config.namespace", "must be a Kubernetes namespace name: lowercase letters, digits and '-'");
        }
        String secretName = target.config("secretName");
        if (secretName != null && !DNS_SUBDOMAIN.matcher(secretName).matches()) {
            errors.add("config.secretName", "must be a Kubernetes object name: lowercase letters, digits, '-' and '.'");
        }
        String selector = target.config("labelSelector");
        if (selector != null && (!SELECTOR.matcher(selector).matches() || !selector.matches(".*[A-Za-z0-9].*"))) {
            errors.add("config.labelSelector", "must be a label selector such as app=voice,tier in (a,b)");
        }
        String kubeconfig = target.config("kubeconfig");
        if (kubeconfig != null) {
            Path path = Path.of(kubeconfig);
            if (!path.isAbsolute()) {
                errors.add("config.kubeconfig", "must be an absolute path");
            } else if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                errors.add("config.kubeconfig", "is not a readable file on the Keyhouse host");
            }
        }
    }

    @Override
    public List<String> discover(TargetSpec target) throws Exception {
        KubernetesApi api = api(target);
        api.requireNamespace();
        List<String> runtimes = new ArrayList<>();
        for (Workload kind : Workload.values()) {
            for (HasMetadata item : api.list(kind, target.config("labelSelector"))) {
                runtimes.add(kind.runtime(item.getMetadata().getName()));
            }
        }
        return runtimes;
    }

    @Override
    public void prepare(TargetSpec target, RestartOrder order) throws Exception {
        KubernetesApi api = api(target).hiding(order.env().values());
        String name = target.config("secretName");
        Map<String, String> data = new TreeMap<>();
        order.env().forEach((key, value) -> data.put(key,
                Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        Map<String, String> annotations = Map.of(VERSION_ANNOTATION, String.valueOf(order.version()),
                RUN_ANNOTATION, String.valueOf(order.runId()));
        Secret existing = api.getSecret(name);
        if (existing == null) {
            api.createSecret(new SecretBuilder()
                    .withNewMetadata().withName(name).withNamespace(api.namespace())
                    .addToLabels(MANAGED_BY, MANAGER).addToAnnotations(annotations).endMetadata()
                    .withType("Opaque").withData(data).build());
        } else {
            if (!MANAGER.equals(existing.getMetadata().getLabels() == null ? null
                    : existing.getMetadata().getLabels().get(MANAGED_BY))) {
                throw new IllegalStateException("Secret " + name + " in namespace " + api.namespace()
                        + " exists and is not managed by Keyhouse (no label " + MANAGED_BY + "=" + MANAGER
                        + "); label it or name another secretName");
            }
            api.editSecret(name, secret -> new SecretBuilder(secret)
                    .editMetadata().addToAnnotations(annotations).endMetadata()
                    .withData(data).withStringData(null).build());
        }
        LOG.infof("%s: Secret %s/%s holds %d names for run %d", target, api.namespace(), name, data.size(),
                order.runId());
    }

    @Override
    public void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception {
        int slash = runtime.indexOf('/');
        Workload kind = slash < 0 ? null : Workload.byKind(runtime.substring(0, slash));
        if (kind == null) {
            throw new IllegalArgumentException("runtime " + runtime + " is not Deployment/, StatefulSet/ or DaemonSet/");
        }
        String name = runtime.substring(slash + 1);
        KubernetesApi api = api(target);
        HasMetadata workload = api.get(kind, name);
        if (workload == null) {
            throw new IllegalStateException(runtime + " not found in namespace " + api.namespace());
        }
        if (workload instanceof Deployment deployment && Boolean.TRUE.equals(deployment.getSpec().getPaused())) {
            throw new IllegalStateException(runtime + " in namespace " + api.namespace()
                    + " is paused; run kubectl rollout resume first");
        }
        api.patch(kind, name, PatchContext.of(PatchType.JSON_MERGE), restartPatch(Instant.now()));
    }

    /**
     * The patch {@code kubectl rollout restart} sends. kubectl sends it as a strategic merge patch; for one
     * annotation that is the same as a JSON merge patch, which every API server (and fabric8's CRUD mock) accepts.
     * kubectl writes whole seconds; milliseconds keep two restarts in the same second (two saves in quick succession)
     * from leaving the template unchanged, and RFC 3339 allows them. fabric8's {@code rolling().restart()} is not
     * used: it covers no DaemonSets and writes a time without an offset.
     */
    static String restartPatch(Instant now) {
        String at = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.MILLIS));
        return "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + RESTARTED_AT + "\":\"" + at + "\"}}}}}";
    }

    private KubernetesApi api(TargetSpec target) throws Exception {
        KubernetesClient client = clients.forTarget(target.config("kubeconfig"), target.config("context"));
        return new KubernetesApi(client, target.config("namespace"), List.of());
    }

    @PreDestroy
    void close() {
        clients.close();
    }
}
