package dev.keyhouse.runtimes.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;

/** The workload kinds the kubernetes driver restarts; a runtime is named {@code <Kind>/<name>}. */
enum Workload {

    DEPLOYMENT("Deployment", "deployments"),
    STATEFUL_SET("StatefulSet", "statefulsets"),
    DAEMON_SET("DaemonSet", "daemonsets");

    /** The API group of all three; RBAC rules name it. */
    static final String GROUP = "apps";

    final String kind;
    /** The plural RBAC rules and the API use. */
    final String resource;

    Workload(String kind, String resource) {
        this.kind = kind;
        this.resource = resource;
    }

    String runtime(String name) {
        return kind + "/" + name;
    }

    /** The kind named {@code kind} exactly, or null. */
    static Workload byKind(String kind) {
        for (Workload workload : values()) {
            if (workload.kind.equals(kind)) {
                return workload;
            }
        }
        return null;
    }

    /** The workload's pod template (Deployment, StatefulSet and DaemonSet all have {@code spec.template}). */
    static io.fabric8.kubernetes.api.model.PodTemplateSpec template(HasMetadata workload) {
        if (workload instanceof io.fabric8.kubernetes.api.model.apps.Deployment deployment) {
            return deployment.getSpec() == null ? null : deployment.getSpec().getTemplate();
        }
        if (workload instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet statefulSet) {
            return statefulSet.getSpec() == null ? null : statefulSet.getSpec().getTemplate();
        }
        if (workload instanceof io.fabric8.kubernetes.api.model.apps.DaemonSet daemonSet) {
            return daemonSet.getSpec() == null ? null : daemonSet.getSpec().getTemplate();
        }
        throw new IllegalArgumentException(workload.getKind() + " is not a workload with a pod template");
    }

    MixedOperation<? extends HasMetadata, ? extends KubernetesResourceList<? extends HasMetadata>, ? extends Resource<? extends HasMetadata>> operation(
            KubernetesClient client) {
        return switch (this) {
            case DEPLOYMENT -> client.apps().deployments();
            case STATEFUL_SET -> client.apps().statefulSets();
            case DAEMON_SET -> client.apps().daemonSets();
        };
    }
}
