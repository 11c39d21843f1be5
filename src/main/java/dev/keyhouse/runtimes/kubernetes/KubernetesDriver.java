package dev.keyhouse.runtimes.kubernetes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeDriver;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Restarts the Deployments, StatefulSets and DaemonSets of one namespace that match a label selector: writes the
 * provider environment into a Secret per runtime-config version, then moves each workload onto it, one at a time.
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
 * <h2>A copy per version (issue 16, "no back door to the new key")</h2>
 * One Secret shared by every workload would hand a new key to a workload whose rollout wave has not come as soon as
 * any of its pods is replaced (a crash, a node drain). So, as Flagger keeps a {@code -primary} copy of a Secret,
 * {@link #prepare} writes the runtime-config pairs into {@code <secretName>-v<version>} ({@code -v<version>-h<8 hex>}
 * for a configuration a rollout holds a runtime at, whose version another configuration's can equal:
 * {@link RestartOrder#configuration()}; immutable, labelled
 * {@code app.kubernetes.io/managed-by=keyhouse}, annotated with the configuration version and the run), and {@link #restart} of one
 * workload is a JSON Patch of its pod template that points every reference to {@code secretName} or an earlier copy
 * ({@code envFrom}, {@code env[].valueFrom.secretKeyRef}, {@code volumes[].secret},
 * {@code volumes[].projected.sources[].secret}, in containers and init containers) at the new copy and sets
 * {@code kubectl.kubernetes.io/restartedAt}, as {@code kubectl rollout restart} does. The changed template makes
 * the controller roll new pods out under the workload's own update strategy; every other workload keeps the copy
 * it references, whose data never changes. Workloads keep naming {@code secretName} in their manifests: the first
 * restart moves them from it (the migration), and {@code secretName} itself is written again only once no
 * workload in the namespace references it any more (so one deployed later starts on the newest pairs). Note that
 * {@code kubectl apply} of an unchanged manifest moves a workload back to {@code secretName}.
 *
 * <p>Copies no workload in the namespace references are deleted at the next prepare, except the two newest (pods
 * of a previous ReplicaSet still running may need one). That needs {@code list} and {@code delete} on Secrets,
 * which the default Role leaves out: without them the copies are kept and the log says so.
 *
 * <p>An existing {@code secretName} without the managed-by label is refused rather than moved away from: it may
 * hold values Keyhouse does not own.
 *
 * <h2>Permissions</h2>
 * In the target namespace: {@code list}, {@code get}, {@code patch} on {@code deployments}, {@code statefulsets},
 * {@code daemonsets} (apiGroup {@code apps}); {@code get}, {@code patch} on the {@code secretName} Secret and
 * {@code create} on {@code secrets}; optionally {@code list} and {@code delete} on {@code secrets} to collect old
 * copies, and {@code get} on the {@code namespaces} (cluster scope) for a clearer "namespace not found".
 */
@ApplicationScoped
public class KubernetesDriver implements RuntimeDriver {

    public static final String ID = "kubernetes";
    static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "keyhouse";
    /** The configuration version (runtime-config's {@code version}) a copy holds. */
    static final String CONFIGURATION_VERSION_ANNOTATION = "keyhouse.dev/configuration-version";
    /** The same number under the name copies had before, kept for tools that read it: not a kind's settings version. */
    static final String VERSION_ANNOTATION = "keyhouse.dev/settings-version";
    static final String RUN_ANNOTATION = "keyhouse.dev/restart-run";
    /** Copies of a target's Secret kept even when no workload references them: the newest, and the one before. */
    static final int KEPT_COPIES = 2;
    /**
     * Longest secretName: Keyhouse appends {@code -v<version>} (up to 21 characters) and, for a held configuration,
     * {@code -h<8 hex>} (10 more) within Kubernetes' 253.
     */
    static final int MAX_SECRET_NAME = 222;

    private static final Logger LOG = Logger.getLogger(KubernetesDriver.class);
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9._/=!,() -]+");

    private final KubernetesClients clients = new KubernetesClients();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<DriverField> fields() {
        return List.of(
                DriverField.required("namespace", "Namespace", "Namespace of the workloads and of the Secret"),
                DriverField.required("labelSelector", "Label selector",
                        "Deployments, StatefulSets and DaemonSets to restart, e.g. app.kubernetes.io/part-of=voice"),
                DriverField.required("secretName", "Secret name",
                        "Secret workloads read with envFrom; Keyhouse writes a copy per version (<name>-v<N>) and"
                                + " points each workload at it as its rollout wave comes"),
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
        } else if (secretName != null && secretName.length() > MAX_SECRET_NAME) {
            errors.add("config.secretName", "must be at most " + MAX_SECRET_NAME
                    + " characters: Keyhouse appends -v<version> (and -h<digest> for a held configuration) to it");
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

    /**
     * Writes the order's pairs into {@code <secretName>-v<version>} (created, or replaced when Keyhouse wrote it
     * before), then: writes {@code secretName} itself too while no workload in the namespace references it any more
     * (so a workload deployed later starts on the newest pairs; while one still references it, it is that
     * workload's version and is left alone), and deletes copies no workload references, keeping the two newest.
     * No workload's pods change here: a workload moves to the new copy only in its own {@link #restart}.
     */
    @Override
    public void prepare(TargetSpec target, RestartOrder order) throws Exception {
        KubernetesApi api = api(target).hiding(order.secretValues());
        String base = target.config("secretName");
        // per content, not per number: a held configuration's version can be another configuration's
        String name = SecretReferences.versioned(base, order.configuration());
        Map<String, String> data = new TreeMap<>();
        order.env().forEach((key, value) -> data.put(key,
                Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        Map<String, String> annotations = Map.of(CONFIGURATION_VERSION_ANNOTATION, String.valueOf(order.version()),
                VERSION_ANNOTATION, String.valueOf(order.version()), RUN_ANNOTATION, String.valueOf(order.runId()));
        Secret existingBase = api.getSecret(base);
        requireManaged(api, base, existingBase);
        // a version's pairs never change, so its copy is immutable and written once: a retried discovery, or another
        // replica, finds it there (409) and keeps it; Keyhouse needs no right to read or change it
        boolean created = api.createSecretIfAbsent(new SecretBuilder()
                .withNewMetadata().withName(name).withNamespace(api.namespace())
                .addToLabels(MANAGED_BY, MANAGER).addToAnnotations(annotations).endMetadata()
                .withType("Opaque").withImmutable(true).withData(data).build());
        Set<String> referenced = referencedSecrets(target, api);
        if (referenced != null && !referenced.contains(base)) {
            write(api, base, existingBase, data, annotations);
        }
        if (referenced != null) {
            collect(target, api, base, name, referenced);
        }
        if (created) {
            LOG.infof("%s: Secret %s/%s holds %d names for run %d", target, api.namespace(), name, data.size(),
                    order.runId());
        } else {
            LOG.infof("%s: Secret %s/%s was written before; kept for run %d", target, api.namespace(), name,
                    order.runId());
        }
    }

    /**
     * Always null: each workload reads its own copy of the environment ({@code <secretName>-v<version>}) and moves
     * to a new one only when its own restart patches its template, so a target's workloads can be rolled out in
     * separate waves without one picking up another's key through an unrelated pod replacement.
     */
    @Override
    public String sharedConfig(TargetSpec target) {
        return null;
    }

    /**
     * Moves one workload onto {@code <secretName>-v<version>}: one JSON Patch that replaces every reference to
     * {@code secretName} or an earlier copy in its pod template and sets {@code kubectl.kubernetes.io/restartedAt}
     * (see {@link SecretReferences#restartPatch}); the changed template makes the controller roll new pods out under
     * the workload's own update strategy. The first rollout moves a workload from {@code secretName} itself.
     */
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
        String base = target.config("secretName");
        // written by prepare before any restart of the run (discovery fails when it cannot be written)
        String copy = SecretReferences.versioned(base, order.configuration());
        PodTemplateSpec template = Workload.template(workload);
        long moved = SecretReferences.all(template).stream()
                .filter(r -> SecretReferences.isManaged(base, r.name()) && !r.name().equals(copy)).count();
        api.patch(kind, name, PatchContext.of(PatchType.JSON),
                SecretReferences.restartPatch(template, base, copy, restartedAt(Instant.now())));
        LOG.infof("%s: %s restarted, %d references moved to Secret %s", target, runtime, moved, copy);
    }

    /**
     * A workload's rollout as {@code kubectl rollout status} judges it (its status viewers for each kind; see
     * https://kubernetes.io/docs/reference/kubectl/generated/kubectl_rollout/kubectl_rollout_status/ and, for the
     * fields, https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status):
     * <ul>
     * <li>Deployment: {@link Health#UNHEALTHY} when its {@code Progressing} condition says
     * {@code ProgressDeadlineExceeded}; {@link Health#HEALTHY} when {@code status.observedGeneration >=
     * metadata.generation} and updated, total and available replicas all equal {@code spec.replicas} (no old pod
     * left); else {@link Health#STARTING}.</li>
     * <li>StatefulSet (RollingUpdate): {@link Health#HEALTHY} when the spec is observed, {@code readyReplicas} reaches
     * {@code spec.replicas} and {@code updateRevision == currentRevision} (with a partition: {@code updatedReplicas}
     * reaches the replicas above it); else STARTING.</li>
     * <li>DaemonSet (RollingUpdate): HEALTHY when the spec is observed and {@code updatedNumberScheduled} and
     * {@code numberAvailable} reach {@code desiredNumberScheduled}; else STARTING.</li>
     * <li>A StatefulSet or DaemonSet with the {@code OnDelete} strategy: {@link Health#NONE} (kubectl judges no
     * rollout for it: its pods change only when deleted). A workload that is gone: UNHEALTHY.</li>
     * </ul>
     * {@code spec.replicas} unset counts as 1, as the API server defaults it.
     */
    @Override
    public Health health(TargetSpec target, String runtime) throws Exception {
        int slash = runtime.indexOf('/');
        Workload kind = slash < 0 ? null : Workload.byKind(runtime.substring(0, slash));
        if (kind == null) {
            throw new IllegalArgumentException("runtime " + runtime + " is not Deployment/, StatefulSet/ or DaemonSet/");
        }
        HasMetadata workload = api(target).get(kind, runtime.substring(slash + 1));
        if (workload == null) {
            return Health.UNHEALTHY;
        }
        long generation = workload.getMetadata().getGeneration() == null ? 0 : workload.getMetadata().getGeneration();
        if (workload instanceof Deployment deployment) {
            return deploymentHealth(deployment, generation);
        }
        if (workload instanceof StatefulSet set) {
            return statefulSetHealth(set, generation);
        }
        return daemonSetHealth((DaemonSet) workload, generation);
    }

    private static Health deploymentHealth(Deployment deployment, long generation) {
        DeploymentStatus status = deployment.getStatus();
        if (status == null || number(status.getObservedGeneration()) < generation) {
            return Health.STARTING;
        }
        for (DeploymentCondition condition : status.getConditions() == null ? List.<DeploymentCondition>of()
                : status.getConditions()) {
            if ("Progressing".equals(condition.getType()) && "ProgressDeadlineExceeded".equals(condition.getReason())) {
                return Health.UNHEALTHY;
            }
        }
        long replicas = replicas(deployment.getSpec() == null ? null : deployment.getSpec().getReplicas());
        long updated = number(status.getUpdatedReplicas());
        return updated >= replicas && number(status.getReplicas()) <= updated
                && number(status.getAvailableReplicas()) >= updated ? Health.HEALTHY : Health.STARTING;
    }

    private static Health statefulSetHealth(StatefulSet set, long generation) {
        var strategy = set.getSpec() == null ? null : set.getSpec().getUpdateStrategy();
        if (strategy != null && strategy.getType() != null && !"RollingUpdate".equals(strategy.getType())) {
            return Health.NONE;
        }
        var status = set.getStatus();
        if (status == null || number(status.getObservedGeneration()) == 0
                || number(status.getObservedGeneration()) < generation) {
            return Health.STARTING;
        }
        long replicas = replicas(set.getSpec().getReplicas());
        if (number(status.getReadyReplicas()) < replicas) {
            return Health.STARTING;
        }
        Integer partition = strategy == null || strategy.getRollingUpdate() == null ? null
                : strategy.getRollingUpdate().getPartition();
        if (partition != null && partition > 0) {
            return number(status.getUpdatedReplicas()) >= replicas - partition ? Health.HEALTHY : Health.STARTING;
        }
        return java.util.Objects.equals(status.getUpdateRevision(), status.getCurrentRevision()) ? Health.HEALTHY
                : Health.STARTING;
    }

    private static Health daemonSetHealth(DaemonSet set, long generation) {
        var strategy = set.getSpec() == null ? null : set.getSpec().getUpdateStrategy();
        if (strategy != null && strategy.getType() != null && !"RollingUpdate".equals(strategy.getType())) {
            return Health.NONE;
        }
        var status = set.getStatus();
        if (status == null || number(status.getObservedGeneration()) < generation) {
            return Health.STARTING;
        }
        long desired = number(status.getDesiredNumberScheduled());
        return number(status.getUpdatedNumberScheduled()) >= desired && number(status.getNumberAvailable()) >= desired
                ? Health.HEALTHY : Health.STARTING;
    }

    private static long number(Number value) {
        return value == null ? 0 : value.longValue();
    }

    private static long replicas(Integer replicas) {
        return replicas == null ? 1 : replicas;
    }

    /** True: {@link #health} reads each workload's rollout status. */
    @Override
    public boolean canReportHealth() {
        return true;
    }

    /** Always: every workload has a rollout status, read by {@link #health}; no call is made. */
    @Override
    public boolean hasHealth(TargetSpec target) {
        return true;
    }

    /**
     * The value of {@code kubectl.kubernetes.io/restartedAt}. kubectl writes whole seconds; milliseconds keep two
     * restarts in the same second (two saves in quick succession) from leaving the template unchanged, and RFC 3339
     * allows them. fabric8's {@code rolling().restart()} is not used: it covers no DaemonSets and writes a time
     * without an offset.
     */
    static String restartedAt(Instant now) {
        return DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.MILLIS));
    }

    /** Refuses a Secret Keyhouse did not create: it may hold values Keyhouse does not own. */
    private static void requireManaged(KubernetesApi api, String name, Secret existing) {
        if (existing != null && !MANAGER.equals(existing.getMetadata().getLabels() == null ? null
                : existing.getMetadata().getLabels().get(MANAGED_BY))) {
            throw new IllegalStateException("Secret " + name + " in namespace " + api.namespace()
                    + " exists and is not managed by Keyhouse (no label " + MANAGED_BY + "=" + MANAGER
                    + "); label it or name another secretName");
        }
    }

    /** Creates the Secret, or replaces its data (names no longer provided are removed). */
    private static void write(KubernetesApi api, String name, Secret existing, Map<String, String> data,
            Map<String, String> annotations) throws Exception {
        if (existing == null) {
            api.createSecret(new SecretBuilder()
                    .withNewMetadata().withName(name).withNamespace(api.namespace())
                    .addToLabels(MANAGED_BY, MANAGER).addToAnnotations(annotations).endMetadata()
                    .withType("Opaque").withData(data).build());
        } else {
            requireManaged(api, name, existing);
            api.editSecret(name, secret -> new SecretBuilder(secret)
                    .editMetadata().addToAnnotations(annotations).endMetadata()
                    .withData(data).withStringData(null).build());
        }
    }

    /**
     * The Secrets any workload in the namespace references (not only the target's: another may read a copy too),
     * or null when they cannot be listed (then nothing is collected and {@code secretName} is not written).
     */
    private static Set<String> referencedSecrets(TargetSpec target, KubernetesApi api) {
        Set<String> names = new TreeSet<>();
        try {
            for (Workload kind : Workload.values()) {
                for (HasMetadata workload : api.listAll(kind)) {
                    names.addAll(SecretReferences.names(Workload.template(workload)));
                }
            }
            return names;
        } catch (Exception e) {
            LOG.warnf("%s: cannot tell which Secrets the workloads in namespace %s reference, so old copies are"
                    + " kept: %s", target, api.namespace(), e.getMessage());
            return null;
        }
    }

    /** Deletes the copies of {@code base} no workload references, except the two newest and {@code written}. */
    private static void collect(TargetSpec target, KubernetesApi api, String base, String written,
            Set<String> referenced) {
        try {
            List<Secret> copies = new ArrayList<>(api.listSecrets(MANAGED_BY, MANAGER).stream()
                    .filter(s -> SecretReferences.versionOf(base, s.getMetadata().getName()).isPresent()).toList());
            copies.sort(Comparator.comparingLong(
                    (Secret s) -> SecretReferences.versionOf(base, s.getMetadata().getName()).getAsLong()).reversed());
            for (Secret copy : copies.subList(Math.min(KEPT_COPIES, copies.size()), copies.size())) {
                String name = copy.getMetadata().getName();
                if (!name.equals(written) && !referenced.contains(name)) {
                    api.deleteSecret(name);
                    LOG.infof("%s: deleted Secret %s/%s, which no workload references", target, api.namespace(), name);
                }
            }
        } catch (Exception e) {
            // optional: without list and delete on secrets (see deploy/kubernetes/rbac.yaml) the copies stay
            LOG.infof("%s: old copies of Secret %s/%s not collected: %s", target, api.namespace(), base,
                    e.getMessage());
        }
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
