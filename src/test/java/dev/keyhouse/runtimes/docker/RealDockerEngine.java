package dev.keyhouse.runtimes.docker;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.core.DefaultDockerClientConfig;

/**
 * The real Docker engine the docker driver is tested against: {@code KEYHOUSE_TEST_DOCKER_HOST}, or else the one
 * {@code .ci/start-dockerd} starts (its last line of output). No engine fails the test; it never skips.
 *
 * <p>Every container made through it carries {@link #OWNER_LABEL} with a value of its own, and so does every copy the
 * driver makes of one; {@link #close()} removes them all.
 */
public final class RealDockerEngine implements AutoCloseable {

    public static final String IMAGE = "keyhouse-test/busybox:latest";
    public static final String OWNER_LABEL = "keyhouse.test.owner";
    private static final String HOW = "run `.ci/start-dockerd` as root and export KEYHOUSE_TEST_DOCKER_HOST=<its last line>";

    private static String host;

    private final DockerEngine engine;
    private final DockerClient docker;
    private final String owner = "t" + UUID.randomUUID().toString().substring(0, 8);

    private RealDockerEngine(DockerEngine engine) {
        this.engine = engine;
        this.docker = engine.docker();
    }

    public static RealDockerEngine start() {
        DockerEngine engine = engine(host());
        DockerClient docker = engine.docker();
        try {
            docker.pingCmd().exec();
        } catch (RuntimeException e) {
            fail("the Docker engine at " + host + " does not answer (" + e.getMessage() + "); " + HOW);
        }
        try {
            docker.inspectImageCmd(IMAGE).exec();
        } catch (NotFoundException e) {
            fail("the Docker engine at " + host + " has no image " + IMAGE + "; " + HOW);
        }
        return new RealDockerEngine(engine);
    }

    /** The engine's address, e.g. {@code unix:///run/keyhouse-docker/docker.sock}. */
    public static synchronized String host() {
        if (host != null) {
            return host;
        }
        String configured = System.getenv("KEYHOUSE_TEST_DOCKER_HOST");
        if (configured != null && !configured.isBlank()) {
            return host = configured.trim();
        }
        Path script = Path.of(".ci/start-dockerd").toAbsolutePath();
        try {
            Process process = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                fail(script + " failed; " + HOW);
            }
            String[] lines = out.strip().split("\n");
            return host = lines[lines.length - 1].trim();
        } catch (IOException e) {
            return fail("cannot run " + script + " (" + e.getMessage() + "); " + HOW);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while starting the Docker engine");
        }
    }

    private static DockerEngine engine(String host) {
        try {
            return DockerEngine.open(DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host)
                    .withDockerTlsVerify(false), host, Duration.ofSeconds(5), Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            return fail("the Docker engine at " + host + " does not answer (" + e.getMessage() + "); " + HOW);
        }
    }

    public DockerClient docker() {
        return docker;
    }

    /** A label value, container name prefix and selector value no other test run shares. */
    public String owner() {
        return owner;
    }

    /** A container name of this run: {@code kh-<owner>-<suffix>}. */
    public String name(String suffix) {
        return "kh-" + owner + "-" + suffix;
    }

    /**
     * Creates (and starts, if asked) a busybox container on {@code --network none} running {@code sleep 3600} unless
     * {@code more} says otherwise; returns its id.
     */
    public String create(String name, Map<String, String> labels, List<String> env, boolean start,
            UnaryOperator<CreateContainerCmd> more) {
        Map<String, String> all = new HashMap<>(labels);
        all.put(OWNER_LABEL, owner);
        CreateContainerCmd create = docker.createContainerCmd(IMAGE).withName(name).withLabels(all).withEnv(env)
                .withCmd("sleep", "3600").withStopTimeout(1);
        create.getHostConfig().withNetworkMode("none");
        String id = more.apply(create).exec().getId();
        if (start) {
            docker.startContainerCmd(id).exec();
        }
        return id;
    }

    /**
     * Starts {@code count} containers labelled {@code keyhouse.runtime=<owner>-<group>} on {@code oldKey}, which stop
     * promptly on SIGTERM as a well-behaved runtime does; returns the label selector that picks them.
     */
    public String fleet(String group, int count, String oldKey) {
        for (int i = 1; i <= count; i++) {
            create(name(group + "-" + i), Map.of("keyhouse.runtime", owner + "-" + group), List.of("LLM_API_KEY=" + oldKey),
                    true, c -> c.withCmd("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"));
        }
        return "keyhouse.runtime=" + owner + "-" + group;
    }

    /** A bridge network of this run, {@code kh-<owner>-<suffix>}; returns its name. */
    public String network(String suffix) {
        String name = name(suffix);
        docker.createNetworkCmd().withName(name).withDriver("bridge").withLabels(Map.of(OWNER_LABEL, owner)).exec();
        return name;
    }

    /**
     * Creates (and starts, if asked) a container from a body of {@code POST /containers/create} as given, plus this
     * run's owner label: for options docker-java's model cannot say (or would say differently); returns its id.
     */
    public String createRaw(String name, ObjectNode body, boolean start) {
        ObjectNode labels = body.path("Labels").isObject() ? (ObjectNode) body.get("Labels") : body.putObject("Labels");
        labels.put(OWNER_LABEL, owner);
        String id = engine.createContainer(name, body);
        if (start) {
            docker.startContainerCmd(id).exec();
        }
        return id;
    }

    /** {@code docker inspect} of a container: the engine's own JSON, whatever docker-java's model can read of it. */
    public JsonNode json(String nameOrId) {
        DockerEngine.DockerContainer container = engine.inspect(nameOrId);
        if (container == null) {
            throw new AssertionError("no container " + nameOrId);
        }
        return container.json();
    }

    public InspectContainerResponse inspect(String nameOrId) {
        return docker.inspectContainerCmd(nameOrId).exec();
    }

    /** A container's {@code --stop-timeout}, which docker-java's model leaves out; null when unset. */
    public Integer stopTimeout(String nameOrId) {
        return engine.stopSettings(nameOrId).timeout();
    }

    /** The names of every container of this run, copies included. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (Container container : owned()) {
            names.add(container.getNames()[0].substring(1));
        }
        names.sort(null);
        return names;
    }

    private List<Container> owned() {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(OWNER_LABEL, owner)).exec();
    }

    /** A container's output, stdout and stderr interleaved, for a failing test's message (at most 10 s to read). */
    public String logs(String nameOrId) {
        StringBuilder out = new StringBuilder();
        try {
            docker.logContainerCmd(nameOrId).withStdOut(true).withStdErr(true)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            out.append("(no logs: ").append(e.getMessage()).append(')');
        }
        return out.toString();
    }

    /** The value of an environment variable of a container, or null. */
    public static String env(InspectContainerResponse container, String variable) {
        for (String pair : container.getConfig().getEnv()) {
            if (pair.startsWith(variable + "=")) {
                return pair.substring(variable.length() + 1);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        for (Container container : owned()) {
            try {
                docker.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
            } catch (NotFoundException e) {
                // already gone
            }
        }
        for (Network network : docker.listNetworksCmd().withFilter("label", List.of(OWNER_LABEL + "=" + owner)).exec()) {
            docker.removeNetworkCmd(network.getId()).exec();
        }
        engine.close();
    }
}
