package dev.keyhouse.runtimes.docker;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;

/**
 * One Docker Engine as the driver talks to it: docker-java's client for commands without an answer to read (list,
 * rename, stop, start, restart, remove), and the engine's own JSON for what the driver reads and copies (container
 * inspection, container creation), so that no value an engine reports has to fit docker-java's model.
 *
 * <p>Why the JSON: docker-java maps an inspected container onto Java enums and fields. An engine newer (or older) than
 * the model reports values it cannot map — engines since 20.10 report capabilities as {@code CAP_NET_ADMIN}, which
 * docker-java before 3.5.1 refused, older engines report them as given ({@code net_admin}), which docker-java still
 * refuses (its {@code Capability.valueOf} is case-sensitive), and a kernel capability, log driver or field added after
 * the model was written is unknown to it — and a field the model leaves out would be lost in the copy. Copying the
 * engine's own {@code Config} and {@code HostConfig} back to the same engine, at the same API version, keeps every
 * {@code docker run} option, whatever the engine calls it.
 *
 * @param apiVersion the API version every request is made at ({@code 1.41}), negotiated by {@link #open}; empty for
 *                   an engine that names none (requests then go unversioned, at the engine's own version)
 */
record DockerEngine(DockerClient docker, DockerHttpClient http, String apiVersion) implements AutoCloseable {

    /**
     * The newest API version the driver asks for: the newest docker-java 3.7.1 knows (its {@code RemoteApiVersion}
     * ends at 1.44), which is also the oldest Docker Engine 29 still serves. An engine is spoken to at the lower of
     * this and its own version (20.10 → 1.41, 25 → 1.44, 29 → 1.44), or at its minimum when that is higher still, as
     * the docker CLI negotiates. Not pinned to one number: engines 25 and later refuse versions below their minimum
     * (29: below 1.44) and 20.10 knows none above 1.41, and the driver runs against whatever engine an operator has.
     * What the driver copies does not depend on the number: it reads and writes at the same version.
     */
    static final String NEWEST_API = "1.44";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(DockerEngine.class);

    /** How a container wants to be stopped ({@code --stop-signal}, {@code --stop-timeout}); nulls when unset. */
    record StopSettings(String signal, Integer timeout) {
    }

    /**
     * Connects to an engine and negotiates the API version. {@code config} names the host (and TLS); its API version
     * is replaced by the negotiated one.
     */
    static DockerEngine open(DefaultDockerClientConfig.Builder config, String host, Duration connectTimeout,
            Duration responseTimeout) {
        DefaultDockerClientConfig base = config.build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(URI.create(host))
                .sslConfig(base.getSSLConfig())
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .maxConnections(32)
                .build();
        try {
            String version = negotiate(http);
            if (!version.isEmpty()) {
                config.withApiVersion(version);
            }
            return new DockerEngine(DockerClientImpl.getInstance(config.build(), http), http, version);
        } catch (RuntimeException e) {
            try {
                http.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The API version to speak: the lower of {@link #NEWEST_API} and the engine's, but not below its minimum. */
    private static String negotiate(DockerHttpClient http) {
        JsonNode version;
        try {
            version = get(http, "/version", "asking the engine's API version");
        } catch (DockerException e) {
            // it answered, but not this (an API proxy that allows containers only): speak its own version
            LOG.warnf("docker driver: the engine refused GET /version (%s); requests go unversioned", e.getHttpStatus());
            return "";
        }
        String engine = version.path("ApiVersion").asText("");
        String minimum = version.path("MinAPIVersion").asText("");
        if (engine.isEmpty()) {
            return "";
        }
        return chooseVersion(engine, minimum);
    }

    static String chooseVersion(String engine, String minimum) {
        RemoteApiVersion chosen = RemoteApiVersion.parseConfigWithDefault(engine);
        if (chosen.equals(RemoteApiVersion.UNKNOWN_VERSION)) {
            return "";
        }
        RemoteApiVersion newest = RemoteApiVersion.parseConfig(NEWEST_API);
        if (chosen.isGreater(newest)) {
            chosen = newest;
        }
        RemoteApiVersion lowest = RemoteApiVersion.parseConfigWithDefault(minimum);
        if (!lowest.equals(RemoteApiVersion.UNKNOWN_VERSION) && lowest.isGreater(chosen)) {
            chosen = lowest;
        }
        return chosen.getVersion();
    }

    /** A container as the engine reports it, or null when there is none by that name or id. */
    DockerContainer inspect(String nameOrId) {
        DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
                .path(path("/containers/" + encode(nameOrId) + "/json")).build();
        try (DockerHttpClient.Response response = http.execute(request)) {
            if (response.getStatusCode() == 404) {
                return null;
            }
            JsonNode body = read(response, "inspecting container " + nameOrId);
            return new DockerContainer(nameOrId, body);
        } catch (IOException e) {
            throw new IllegalStateException("inspecting container " + nameOrId + ": " + e.getMessage(), e);
        }
    }

    StopSettings stopSettings(String nameOrId) {
        DockerContainer container = inspect(nameOrId);
        return container == null ? new StopSettings(null, null) : container.stopSettings();
    }

    /** The id of an image, or null when the engine has none by that name. */
    String imageId(String name) {
        DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
                .path(path("/images/" + name + "/json")).build();
        try (DockerHttpClient.Response response = http.execute(request)) {
            if (response.getStatusCode() == 404) {
                return null;
            }
            String id = read(response, "inspecting image " + name).path("Id").asText("");
            return id.isEmpty() ? null : id;
        } catch (IOException e) {
            throw new IllegalStateException("inspecting image " + name + ": " + e.getMessage(), e);
        }
    }

    /** {@code POST /containers/create?name=...} with the body as given; returns the new container's id. */
    String createContainer(String name, JsonNode body) {
        JsonNode created = post("/containers/create?name=" + encode(name), body, "creating container " + name);
        String id = created.path("Id").asText("");
        if (id.isEmpty()) {
            throw new IllegalStateException("creating container " + name + ": the engine answered without an id");
        }
        return id;
    }

    /** {@code POST /networks/{network}/connect}. */
    void connect(String network, JsonNode body) {
        post("/networks/" + encode(network) + "/connect", body, "connecting to network " + network);
    }

    private JsonNode post(String path, JsonNode body, String what) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
        DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
                .path(path(path)).putHeader("content-type", "application/json").bodyBytes(bytes).build();
        try (DockerHttpClient.Response response = http.execute(request)) {
            return read(response, what);
        } catch (IOException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }

    private String path(String path) {
        return apiVersion.isEmpty() ? path : "/v" + apiVersion + path;
    }

    private static JsonNode get(DockerHttpClient http, String path, String what) {
        DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
                .path(path).build();
        try (DockerHttpClient.Response response = http.execute(request)) {
            return read(response, what);
        } catch (IOException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof DockerException) {
                throw e;
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new IllegalStateException(what + ": " + (root.getMessage() == null ? root.getClass().getSimpleName()
                    : root.getMessage()), e);
        }
    }

    /**
     * The answer's JSON; an error status becomes a {@link DockerException} worded as docker-java words them
     * ({@code Status 404: {"message":"..."}}), which {@link DockerRecreation#reason} shortens to the engine's message.
     */
    private static JsonNode read(DockerHttpClient.Response response, String what) throws IOException {
        int status = response.getStatusCode();
        try (InputStream body = response.getBody()) {
            byte[] bytes = body == null ? new byte[0] : body.readAllBytes();
            if (status >= 300) {
                throw new DockerException("Status " + status + ": " + new String(bytes, StandardCharsets.UTF_8).strip(),
                        status);
            }
            if (bytes.length == 0) {
                return JSON.nullNode();
            }
            return JSON.readTree(bytes);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        docker.close();
        http.close();
    }

    /**
     * An inspected container, read from the engine's JSON. A field the driver needs that is missing or of another type
     * (an engine that changed its answer) fails with the container and the field named.
     */
    record DockerContainer(String ref, JsonNode json) {

        String id() {
            return text("Id", json.path("Id"), true);
        }

        /** The name without Docker's leading slash. */
        String name() {
            String name = text("Name", json.path("Name"), true);
            return name.startsWith("/") ? name.substring(1) : name;
        }

        String imageId() {
            return text("Image", json.path("Image"), true);
        }

        String created() {
            return text("Created", json.path("Created"), false);
        }

        boolean running() {
            return bool("State.Running", json.path("State").path("Running"));
        }

        boolean restarting() {
            return bool("State.Restarting", json.path("State").path("Restarting"));
        }

        String exitCode() {
            JsonNode code = json.path("State").path("ExitCode");
            return code.isNumber() ? code.asText() : "unknown";
        }

        /** The healthcheck's status ({@code starting}, {@code healthy}, {@code unhealthy}), or null without one. */
        String health() {
            JsonNode health = json.path("State").path("Health");
            return health.isObject() ? text("State.Health.Status", health.path("Status"), false) : null;
        }

        /** Whether {@code Config.Healthcheck} defines a test other than {@code NONE} (no healthcheck). */
        boolean hasHealthcheck() {
            JsonNode test = json.path("Config").path("Healthcheck").path("Test");
            return test.isArray() && !test.isEmpty() && !"NONE".equals(test.get(0).asText());
        }

        String startedAt() {
            return text("State.StartedAt", json.path("State").path("StartedAt"), false);
        }

        String finishedAt() {
            return text("State.FinishedAt", json.path("State").path("FinishedAt"), false);
        }

        /** {@code Config.Env} as {@code NAME=value} pairs; empty when there is none. */
        List<String> env() {
            JsonNode env = json.path("Config").path("Env");
            List<String> pairs = new ArrayList<>();
            if (env.isMissingNode() || env.isNull()) {
                return pairs;
            }
            if (!env.isArray()) {
                throw unreadable("Config.Env", "is not a list");
            }
            for (int i = 0; i < env.size(); i++) {
                pairs.add(text("Config.Env[" + i + "]", env.get(i), true));
            }
            return pairs;
        }

        StopSettings stopSettings() {
            JsonNode config = json.path("Config");
            String signal = config.path("StopSignal").asText("");
            JsonNode timeout = config.path("StopTimeout");
            return new StopSettings(signal.isEmpty() ? null : signal, timeout.isInt() ? timeout.asInt() : null);
        }

        private String text(String field, JsonNode node, boolean required) {
            if (node.isTextual()) {
                return node.asText();
            }
            if ((node.isMissingNode() || node.isNull()) && !required) {
                return null;
            }
            throw unreadable(field, node.isMissingNode() || node.isNull() ? "is missing" : "is not a string");
        }

        private boolean bool(String field, JsonNode node) {
            if (node.isBoolean()) {
                return node.asBoolean();
            }
            if (node.isMissingNode() || node.isNull()) {
                return false;
            }
            throw unreadable(field, "is not true or false");
        }

        private IllegalStateException unreadable(String field, String problem) {
            return new IllegalStateException("container " + ref + ": the engine's answer cannot be read: field " + field
                    + " " + problem);
        }
    }
}
