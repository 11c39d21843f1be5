package dev.keyhouse.runtimes.kubernetes;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * One fabric8 client per (kubeconfig, context), shared by every target that names the same pair; a kubeconfig file
 * that changed on disk gets a fresh client.
 */
final class KubernetesClients implements AutoCloseable {

    static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    static final int REQUEST_TIMEOUT_MILLIS = 30_000;

    private record Key(String kubeconfig, String context) {
    }

    private record Entry(KubernetesClient client, FileTime modified) {
    }

    private final Map<Key, Entry> cache = new ConcurrentHashMap<>();

    /**
     * The client for a kubeconfig path (null: in-cluster service account, else {@code $KUBECONFIG} or
     * {@code ~/.kube/config}) and a context (null: the kubeconfig's current one).
     */
    KubernetesClient forTarget(String kubeconfig, String context) throws IOException {
        FileTime modified = null;
        if (kubeconfig != null) {
            try {
                modified = Files.getLastModifiedTime(Path.of(kubeconfig));
            } catch (NoSuchFileException e) {
                throw new IllegalStateException("kubeconfig " + kubeconfig + " not found on the Keyhouse host");
            }
        }
        FileTime seen = modified;
        return cache.compute(new Key(kubeconfig, context), (key, old) -> {
            if (old != null && Objects.equals(old.modified(), seen)) {
                return old;
            }
            if (old != null) {
                old.client().close();
            }
            return new Entry(build(key), seen);
        }).client();
    }

    private static KubernetesClient build(Key key) {
        Config config = key.kubeconfig() == null ? Config.autoConfigure(key.context())
                : Config.fromKubeconfig(key.context(), new File(key.kubeconfig()));
        NamedContext current = config.getCurrentContext();
        if (key.context() != null && (current == null || !key.context().equals(current.getName()))) {
            throw new IllegalStateException("context " + key.context() + " not found in "
                    + (key.kubeconfig() == null ? "the default kubeconfig" : "kubeconfig " + key.kubeconfig()));
        }
        config.setConnectionTimeout(CONNECT_TIMEOUT_MILLIS);
        config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
        // the restart executor retries with its own backoff and timeout; fabric8's retries would hide inside them
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Override
    public void close() {
        cache.values().forEach(entry -> entry.client().close());
        cache.clear();
    }
}
