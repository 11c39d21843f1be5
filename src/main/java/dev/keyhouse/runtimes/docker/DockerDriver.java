package dev.keyhouse.runtimes.docker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;

import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeDriver;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;

/**
 * Restarts the containers of a Docker Engine that carry a target's labels.
 *
 * <p>{@code recreate} (the default) replaces each container by a copy with the provider environment swapped, as the
 * platform's provisioner does at {@code docker run}; {@code restart} only restarts it, for runtimes that fetch their
 * own config from {@code /api/v1/internal/runtime-config} when they start.
 *
 * <p>Which containers: in recreate mode every matching container, stopped ones included, because a stopped one would
 * otherwise start on the old key later (it is recreated stopped). In restart mode only running ones: a stopped one
 * fetches the current config whenever it starts, and restarting it would start what an operator stopped.
 */
@ApplicationScoped
public class DockerDriver implements RuntimeDriver {

    public static final String ID = "docker";
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    /** Set in every recreated container, so the runtime can name itself in {@code X-Keyhouse-Runtime}. */
    public static final String RUNTIME_NAME_VARIABLE = "KEYHOUSE_RUNTIME_NAME";
    /** What an original container is renamed to while its copy takes over; never selected by discover. */
    static final String OLD_SUFFIX = "-keyhouse-old-";

    private static final Logger LOG = Logger.getLogger(DockerDriver.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than the longest stop grace ({@link DockerRecreation#MAX_STOP_GRACE}), which one call waits out. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");
    private static final Pattern TCP_HOST = Pattern.compile("tcp://[A-Za-z0-9.:\\[\\]-]+:[0-9]{1,5}/?");

    private final Map<String, DockerEngine> engines = new ConcurrentHashMap<>();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<DriverField> fields() {
        return List.of(
                DriverField.optional("host", "Docker host", DEFAULT_HOST,
                        "unix:///path/to/docker.sock, or tcp://host:2376 (with a TLS certificate directory)"),
                DriverField.optional("tlsCertPath", "TLS certificate directory", null,
                        "For tcp:// hosts: a directory on the Keyhouse host holding ca.pem, cert.pem and key.pem;"
                                + " the engine's certificate is verified"),
                DriverField.required("labelSelector", "Label selector",
                        "Containers carrying these labels: key=value or key, comma-separated (all must match)"),
                DriverField.optional("mode", "Mode", "recreate",
                        "recreate: new container with the new keys in its environment; restart: plain restart, for"
                                + " runtimes that fetch their own config"));
    }

    @Override
    public void validate(TargetSpec target, FieldErrors errors) {
        String host = target.config("host", DEFAULT_HOST);
        boolean tcp = host.startsWith("tcp://");
        if (!(host.startsWith("unix:///") && host.length() > "unix:///".length()) && !TCP_HOST.matcher(host).matches()) {
            errors.add("config.host", "must be unix:///path/to/docker.sock or tcp://host:port");
        }
        String tls = target.config("tlsCertPath");
        if (tls != null) {
            if (!tcp) {
                errors.add("config.tlsCertPath", "applies to tcp:// hosts only");
            } else if (!hasCertificates(tls)) {
                errors.add("config.tlsCertPath", "must be a directory on the Keyhouse host holding ca.pem, cert.pem and key.pem");
            }
        }
        String selector = target.config("labelSelector");
        if (selector == null) {
            errors.add("config.labelSelector", "is required");
        } else if (labelFilter(selector) == null) {
            errors.add("config.labelSelector", "must be key=value or key, comma-separated, e.g. keyhouse.runtime=voice");
        }
        String mode = target.config("mode", "recreate");
        if (!mode.equals("recreate") && !mode.equals("restart")) {
            errors.add("config.mode", "must be recreate or restart");
        }
    }

    @Override
    public List<String> discover(TargetSpec target) {
        boolean recreate = recreate(target);
        List<String> labels = labelFilter(target.config("labelSelector", ""));
        if (labels == null) {
            throw new IllegalArgumentException(target + ": config.labelSelector is not key=value or key, comma-separated");
        }
        List<Container> containers;
        try {
            containers = engine(target).docker().listContainersCmd().withShowAll(recreate).withLabelFilter(labels).exec();
        } catch (RuntimeException e) {
            throw new IllegalStateException("Docker engine " + target.config("host", DEFAULT_HOST)
                    + ": listing containers failed: " + DockerRecreation.reason(e, null, null), e);
        }
        List<String> names = new ArrayList<>();
        for (Container container : containers) {
            String state = container.getState() == null ? "" : container.getState();
            String name = name(container);
            if (name != null && !name.contains(OLD_SUFFIX) && !state.equals("dead") && !state.equals("removing")) {
                names.add(name);
            }
        }
        names.sort(null);
        return names;
    }

    @Override
    public void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception {
        if (Thread.interrupted()) {
            throw new InterruptedException("container " + runtime + ": restart interrupted before it began");
        }
        DockerEngine engine;
        try {
            engine = engine(target);
        } catch (RuntimeException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException("container " + runtime + ": restart interrupted before it began");
            }
            throw new IllegalStateException("Docker engine " + target.config("host", DEFAULT_HOST) + ": "
                    + DockerRecreation.reason(e, order, null), e);
        }
        if (recreate(target)) {
            new DockerRecreation(engine, runtime, order).run();
        } else {
            plainRestart(engine, runtime, order);
        }
    }

    /**
     * The container's healthcheck as the engine reports it ({@code State.Health.Status}): {@code healthy},
     * {@code unhealthy}, {@code starting} (any other value: starting); {@link Health#NONE} for a container without a
     * healthcheck; {@link Health#UNHEALTHY} for a container that no longer exists.
     */
    @Override
    public Health health(TargetSpec target, String runtime) {
        DockerEngine.DockerContainer container = engine(target).inspect(runtime);
        if (container == null) {
            return Health.UNHEALTHY;
        }
        String status = container.health();
        if (status == null) {
            return Health.NONE;
        }
        return switch (status) {
            case "healthy" -> Health.HEALTHY;
            case "unhealthy" -> Health.UNHEALTHY;
            default -> Health.STARTING;
        };
    }

    /** True: {@link #health} reads the containers' healthcheck. */
    @Override
    public boolean canReportHealth() {
        return true;
    }

    /**
     * Whether the target's containers have a healthcheck: one container the selector picks is inspected (its
     * {@code Config.Healthcheck}, which holds the image's when {@code docker run} set none). False when none is
     * picked, the check is {@code NONE} ({@code --no-healthcheck}) or the engine does not answer.
     */
    @Override
    public boolean hasHealth(TargetSpec target) {
        List<String> labels = labelFilter(target.config("labelSelector", ""));
        if (labels == null) {
            return false;
        }
        try {
            DockerEngine engine = engine(target);
            List<Container> one = engine.docker().listContainersCmd().withShowAll(recreate(target))
                    .withLabelFilter(labels).withLimit(1).exec();
            if (one.isEmpty() || one.get(0).getId() == null) {
                return false;
            }
            DockerEngine.DockerContainer container = engine.inspect(one.get(0).getId());
            return container != null && container.hasHealthcheck();
        } catch (RuntimeException e) {
            LOG.debugf("docker driver: %s: cannot tell whether its containers have a healthcheck: %s", target,
                    e.getMessage());
            return false;
        }
    }

    /** Restart mode: the same container, restarted; one that is not running is left alone. */
    private static void plainRestart(DockerEngine engine, String name, RestartOrder order) throws InterruptedException {
        DockerClient docker = engine.docker();
        DockerEngine.DockerContainer before = engine.inspect(name);
        if (before == null) {
            throw new IllegalStateException("container " + name + " no longer exists");
        }
        if (!before.running()) {
            LOG.infof("container %s is not running; it fetches its config when it starts", name);
            return;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("container " + name + ": restart interrupted before it began");
        }
        try {
            docker.restartContainerCmd(before.id()).withTimeout(DockerRecreation.stopGrace(before.stopSettings(), order)).exec();
        } catch (DockerException e) {
            throw new IllegalStateException("container " + name + ": restart failed: " + DockerRecreation.reason(e, order, before));
        }
        // restarted on the new environment: the executor may begin the next restart meanwhile
        order.checking();
        try {
            DockerRecreation.awaitRunning(engine, before.id(), name, order);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("container " + name + ": " + e.getMessage());
        }
        LOG.infof("container %s restarted", name);
    }

    private static boolean recreate(TargetSpec target) {
        return !"restart".equals(target.config("mode", "recreate").toLowerCase(Locale.ROOT));
    }

    /** The label filter of a selector ({@code a=b,c} → [a=b, c]), or null when it is malformed. */
    static List<String> labelFilter(String selector) {
        List<String> terms = new ArrayList<>();
        for (String raw : selector.split(",", -1)) {
            String term = raw.trim();
            int eq = term.indexOf('=');
            String key = eq < 0 ? term : term.substring(0, eq).trim();
            String value = eq < 0 ? null : term.substring(eq + 1).trim();
            if (!LABEL_KEY.matcher(key).matches() || (value != null && (value.isEmpty() || value.contains("=")))) {
                return null;
            }
            terms.add(value == null ? key : key + "=" + value);
        }
        return terms;
    }

    private static String name(Container container) {
        String[] names = container.getNames();
        if (names == null || names.length == 0) {
            return null;
        }
        String name = names[0];
        return name.startsWith("/") ? name.substring(1) : name;
    }

    private static boolean hasCertificates(String dir) {
        Path path = Path.of(dir);
        return path.isAbsolute() && Files.isReadable(path.resolve("ca.pem")) && Files.isReadable(path.resolve("cert.pem"))
                && Files.isReadable(path.resolve("key.pem"));
    }

    /**
     * One client per engine (host and certificates), kept for the life of the application. Opening one asks the
     * engine its API version ({@link DockerEngine#NEWEST_API}); an engine that does not answer is asked again next
     * time.
     */
    private DockerEngine engine(TargetSpec target) {
        String host = target.config("host", DEFAULT_HOST);
        String tls = target.config("tlsCertPath");
        String key = host + "|" + (tls == null ? "" : tls);
        DockerEngine known = engines.get(key);
        if (known != null) {
            return known;
        }
        // opened outside the map: asking an engine that never answers must not hold up callers of other engines
        DockerEngine opened = open(host, tls);
        DockerEngine raced = engines.putIfAbsent(key, opened);
        if (raced == null) {
            return opened;
        }
        try {
            opened.close();
        } catch (java.io.IOException e) {
            LOG.debugf("docker driver: closing a second client for %s: %s", host, e.getMessage());
        }
        return raced;
    }

    private static DockerEngine open(String host, String tlsCertPath) {
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .withDockerTlsVerify(tlsCertPath != null);
        if (tlsCertPath != null) {
            builder.withDockerCertPath(tlsCertPath);
        }
        DockerEngine engine = DockerEngine.open(builder, host, CONNECT_TIMEOUT, RESPONSE_TIMEOUT);
        LOG.infof("docker driver: connected client for %s (API %s)", host,
                engine.apiVersion().isEmpty() ? "unversioned" : engine.apiVersion());
        return engine;
    }

    @PreDestroy
    public void close() {
        for (DockerEngine engine : engines.values()) {
            try {
                engine.close();
            } catch (Exception e) {
                LOG.debugf("docker driver: closing a client failed: %s", e.getMessage());
            }
        }
        engines.clear();
    }
}
