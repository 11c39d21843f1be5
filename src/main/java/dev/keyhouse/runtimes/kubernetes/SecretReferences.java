package dev.keyhouse.runtimes.kubernetes;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;

/**
 * The references a pod template makes to Secrets, and the JSON Patch (RFC 6902) that moves a workload from one
 * copy of the provider environment to another. A reference is {@code containers[]/initContainers[]} {@code
 * envFrom[].secretRef.name} or {@code env[].valueFrom.secretKeyRef.name}, or {@code volumes[].secret.secretName} or
 * {@code volumes[].projected.sources[].secret.name}: the places Kubernetes reads a Secret from for a pod.
 *
 * <p>The copies of a target's {@code secretName} are {@code <secretName>-v<configuration>}, one per runtime-config
 * configuration (as Flagger keeps a {@code -primary} copy): {@code -v<version>} for the current one, and
 * {@code -v<version>-h<8 hex>} for one a rollout holds a runtime at, whose version (a sum of held and current versions)
 * another configuration's can equal ({@link dev.keyhouse.runtimes.RestartOrder#configuration()}). A workload moves to
 * a new one only when its own restart patches its template, so a pod replaced for any other reason keeps the
 * configuration its workload references.
 */
final class SecretReferences {

    /** One place in a pod template that names a Secret: its JSON Pointer from the workload's root, and the name. */
    record Reference(String path, String name) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private SecretReferences() {
    }

    /**
     * {@code <secretName>-v<configuration>}: the copy holding that configuration ({@code voice-env-v12}, or
     * {@code voice-env-v12-h3fa9c2e1} for a held one).
     *
     * @param configuration {@link dev.keyhouse.runtimes.RestartOrder#configuration()}
     */
    static String versioned(String secretName, String configuration) {
        return secretName + "-v" + configuration;
    }

    /**
     * The version of a copy of {@code secretName} ({@code voice-env-v12} and {@code voice-env-v12-h3fa9c2e1} give 12),
     * empty for any other name.
     */
    static OptionalLong versionOf(String secretName, String name) {
        Matcher matcher = Pattern.compile(Pattern.quote(secretName) + "-v(\\d{1,18})(?:-h[0-9a-f]{8})?").matcher(name);
        return matcher.matches() ? OptionalLong.of(Long.parseLong(matcher.group(1))) : OptionalLong.empty();
    }

    /** Whether {@code name} is {@code secretName} itself or one of its versioned copies. */
    static boolean isManaged(String secretName, String name) {
        return secretName.equals(name) || versionOf(secretName, name).isPresent();
    }

    /** Every Secret reference in a pod template, in document order. */
    static List<Reference> all(PodTemplateSpec template) {
        List<Reference> references = new ArrayList<>();
        each(template, (path, name) -> references.add(new Reference(path, name)));
        return references;
    }

    /** The names of every Secret the template references. */
    static Set<String> names(PodTemplateSpec template) {
        Set<String> names = new TreeSet<>();
        each(template, (path, name) -> names.add(name));
        return names;
    }

    /**
     * The JSON Patch that is one workload's restart: every reference to {@code secretName} or a copy of it is
     * replaced by {@code target} (each guarded by a {@code test} of its old value, so a template changed meanwhile
     * is refused by the API server rather than overwritten), and the pod-template annotation
     * {@code kubectl.kubernetes.io/restartedAt} is set to {@code at}, as {@code kubectl rollout restart} does, so
     * the pods roll even when no reference changed.
     */
    static String restartPatch(PodTemplateSpec template, String secretName, String target, String at) {
        ArrayNode ops = JSON.createArrayNode();
        for (Reference reference : all(template)) {
            if (isManaged(secretName, reference.name()) && !reference.name().equals(target)) {
                ops.addObject().put("op", "test").put("path", reference.path()).put("value", reference.name());
                ops.addObject().put("op", "replace").put("path", reference.path()).put("value", target);
            }
        }
        String restartedAt = KubernetesDriver.RESTARTED_AT;
        if (template == null || template.getMetadata() == null) {
            ObjectNode metadata = JSON.createObjectNode();
            metadata.putObject("annotations").put(restartedAt, at);
            ops.addObject().put("op", "add").put("path", "/spec/template/metadata").set("value", metadata);
        } else if (template.getMetadata().getAnnotations() == null) {
            ObjectNode annotations = JSON.createObjectNode().put(restartedAt, at);
            ops.addObject().put("op", "add").put("path", "/spec/template/metadata/annotations")
                    .set("value", annotations);
        } else {
            ops.addObject().put("op", "add")
                    .put("path", "/spec/template/metadata/annotations/" + restartedAt.replace("~", "~0").replace("/", "~1"))
                    .put("value", at);
        }
        return ops.toString();
    }

    private static void each(PodTemplateSpec template, BiConsumer<String, String> found) {
        PodSpec spec = template == null ? null : template.getSpec();
        if (spec == null) {
            return;
        }
        containers(spec.getContainers(), "/spec/template/spec/containers/", found);
        containers(spec.getInitContainers(), "/spec/template/spec/initContainers/", found);
        List<Volume> volumes = spec.getVolumes();
        for (int v = 0; volumes != null && v < volumes.size(); v++) {
            Volume volume = volumes.get(v);
            String at = "/spec/template/spec/volumes/" + v;
            if (volume.getSecret() != null && volume.getSecret().getSecretName() != null) {
                found.accept(at + "/secret/secretName", volume.getSecret().getSecretName());
            }
            List<VolumeProjection> sources = volume.getProjected() == null ? null : volume.getProjected().getSources();
            for (int s = 0; sources != null && s < sources.size(); s++) {
                if (sources.get(s).getSecret() != null && sources.get(s).getSecret().getName() != null) {
                    found.accept(at + "/projected/sources/" + s + "/secret/name", sources.get(s).getSecret().getName());
                }
            }
        }
    }

    private static void containers(List<Container> containers, String prefix, BiConsumer<String, String> found) {
        for (int c = 0; containers != null && c < containers.size(); c++) {
            Container container = containers.get(c);
            List<EnvFromSource> envFrom = container.getEnvFrom();
            for (int e = 0; envFrom != null && e < envFrom.size(); e++) {
                if (envFrom.get(e).getSecretRef() != null && envFrom.get(e).getSecretRef().getName() != null) {
                    found.accept(prefix + c + "/envFrom/" + e + "/secretRef/name", envFrom.get(e).getSecretRef().getName());
                }
            }
            List<EnvVar> env = container.getEnv();
            for (int e = 0; env != null && e < env.size(); e++) {
                EnvVar variable = env.get(e);
                if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null
                        && variable.getValueFrom().getSecretKeyRef().getName() != null) {
                    found.accept(prefix + c + "/env/" + e + "/valueFrom/secretKeyRef/name",
                            variable.getValueFrom().getSecretKeyRef().getName());
                }
            }
        }
    }
}
