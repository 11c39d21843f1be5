package dev.keyhouse.runtimes.kubernetes;

import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;

/**
 * The calls the kubernetes driver makes in one namespace. A failure becomes a message an operator can act on: a
 * refusal names the RBAC verb, resource and API group to grant; values passed to {@link #hiding} never appear.
 */
final class KubernetesApi {

    private final KubernetesClient client;
    private final String namespace;
    private final List<String> hidden;

    KubernetesApi(KubernetesClient client, String namespace, List<String> hidden) {
        this.client = client;
        this.namespace = namespace;
        this.hidden = hidden;
    }

    /** The same calls, with {@code values} blanked out of every error message (a Secret's data). */
    KubernetesApi hiding(Collection<String> values) {
        return new KubernetesApi(client, namespace, List.copyOf(values));
    }

    String namespace() {
        return namespace;
    }

    /** Fails when the namespace does not exist; passes when Keyhouse may not read namespaces (a namespaced Role). */
    void requireNamespace() throws Exception {
        Namespace found;
        try {
            found = client.namespaces().withName(namespace).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return;
            }
            throw failure(e, "get", "namespaces", "");
        }
        if (found == null) {
            throw new IllegalStateException("namespace " + namespace + " not found");
        }
    }

    List<? extends HasMetadata> list(Workload kind, String labelSelector) throws Exception {
        return call("list", kind.resource, Workload.GROUP,
                () -> kind.operation(client).inNamespace(namespace).withLabelSelector(labelSelector).list().getItems());
    }

    /** Every workload of the kind in the namespace, whatever its labels. */
    List<? extends HasMetadata> listAll(Workload kind) throws Exception {
        return call("list", kind.resource, Workload.GROUP,
                () -> kind.operation(client).inNamespace(namespace).list().getItems());
    }

    HasMetadata get(Workload kind, String name) throws Exception {
        return call("get", kind.resource, Workload.GROUP,
                () -> kind.operation(client).inNamespace(namespace).withName(name).get());
    }

    void patch(Workload kind, String name, PatchContext context, String patch) throws Exception {
        call("patch", kind.resource, Workload.GROUP,
                () -> kind.operation(client).inNamespace(namespace).withName(name).patch(context, patch));
    }

    Secret getSecret(String name) throws Exception {
        return call("get", "secrets", "", () -> client.secrets().inNamespace(namespace).withName(name).get());
    }

    void createSecret(Secret secret) throws Exception {
        call("create", "secrets", "", () -> client.secrets().inNamespace(namespace).resource(secret).create());
    }

    /** Creates the Secret; false when one of that name exists already (409), which is left as it is. */
    boolean createSecretIfAbsent(Secret secret) throws Exception {
        try {
            client.secrets().inNamespace(namespace).resource(secret).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return false;
            }
            throw failure(e, "create", "secrets", "");
        }
    }

    /** The Secrets in the namespace with the label {@code key=value}. */
    List<Secret> listSecrets(String key, String value) throws Exception {
        return call("list", "secrets", "",
                () -> client.secrets().inNamespace(namespace).withLabel(key, value).list().getItems());
    }

    void deleteSecret(String name) throws Exception {
        call("delete", "secrets", "", () -> client.secrets().inNamespace(namespace).withName(name).delete());
    }

    /** Reads the Secret, applies {@code change} and sends the difference as a patch. */
    void editSecret(String name, UnaryOperator<Secret> change) throws Exception {
        call("patch", "secrets", "", () -> client.secrets().inNamespace(namespace).withName(name).edit(change));
    }

    private <T> T call(String verb, String resource, String group, Supplier<T> call) throws Exception {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw failure(e, verb, resource, group);
        }
    }

    private Exception failure(KubernetesClientException e, String verb, String resource, String group) {
        String action = resource.equals("namespaces") ? verb + " namespace " + namespace
                : verb + " " + resource + " in namespace " + namespace;
        if (Thread.currentThread().isInterrupted()) {
            return new InterruptedException(action + ": interrupted");
        }
        String server = e.getStatus() == null || e.getStatus().getMessage() == null ? ""
                : ": " + hide(e.getStatus().getMessage());
        if (e.getCode() <= 0) {
            // the cause stays for the category (a TLS handshake, a refused connection) and the log; see FailureText
            return new IllegalStateException("cannot reach the Kubernetes API at " + client.getMasterUrl() + " to "
                    + action + ": " + hide(rootMessage(e)), e);
        }
        return switch (e.getCode()) {
            case 401 -> new IllegalStateException("the Kubernetes API at " + client.getMasterUrl()
                    + " refused Keyhouse's credentials (401); check the kubeconfig or the service account token");
            case 403 -> new IllegalStateException("forbidden to " + action + "; grant Keyhouse a Role rule apiGroups: [\""
                    + group + "\"], resources: [\"" + resource + "\"], verbs: [\"" + verb + "\"]" + server);
            case 404 -> new IllegalStateException("cannot " + action + ": not found" + server);
            default -> new IllegalStateException("cannot " + action + ": HTTP " + e.getCode() + server);
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " " + root.getMessage());
    }

    private String hide(String message) {
        String text = message;
        for (String value : hidden) {
            if (value != null && value.length() >= 4) {
                text = text.replace(value, "[redacted]");
            }
        }
        return text;
    }
}
