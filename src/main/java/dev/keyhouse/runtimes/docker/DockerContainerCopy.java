package dev.keyhouse.runtimes.docker;

import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Creates a copy of an inspected container under its name with another environment.
 *
 * <p>The copy is made from the engine's own answer: its {@code Config} and {@code HostConfig}, as reported, go back to
 * the same engine at the same API version. So every {@code docker run} option is kept — image, entrypoint and command,
 * labels, working dir, user, healthcheck, stop signal and timeout, capabilities, devices, ulimits, sysctls, tmpfs, log
 * driver and options, extra hosts, DNS, security options, read-only root filesystem, init, resource limits, restart
 * policy, binds, mounts, port bindings, ... — including options and values docker-java's model does not know (a
 * capability spelled {@code CAP_NET_ADMIN} or {@code net_admin}, a field a newer engine added). Changed on the way:
 * <ul>
 * <li>{@code Env}: the order's;</li>
 * <li>{@code Image}: the image the original runs, by id when its name no longer names it;</li>
 * <li>{@code Hostname}, {@code Domainname}, {@code MacAddress}: only when set on purpose and allowed by the network
 * mode (Docker's default hostname is the old container's id);</li>
 * <li>anonymous volumes: handed over by name, so the copy sees the original's data rather than a fresh volume;</li>
 * <li>{@code Links}: from the form inspect reports ({@code /other:/name/alias}) to the one create takes
 * ({@code other:alias});</li>
 * <li>networks: the primary one with its aliases and addresses at create, the others connected after.</li>
 * </ul>
 */
final class DockerContainerCopy {

    private static final Logger LOG = Logger.getLogger(DockerContainerCopy.class);
    private static final Set<String> BUILT_IN_NETWORKS = Set.of("none", "host", "bridge", "default");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final DockerEngine engine;
    private final DockerEngine.DockerContainer original;

    DockerContainerCopy(DockerEngine engine, DockerEngine.DockerContainer original) {
        this.engine = engine;
        this.original = original;
    }

    /** Creates the copy (not started) and connects it to the original's other networks; returns its id. */
    String create(String name, List<String> env) {
        ObjectNode body = body(env, image());
        String id = engine.createContainer(name, body);
        String networkMode = networkMode(body.path("HostConfig"));
        if (userDefined(networkMode) || networkMode.equals("bridge") || networkMode.equals("default")) {
            String primary = networkMode.equals("default") ? "bridge" : networkMode;
            for (Iterator<Map.Entry<String, JsonNode>> it = networks().fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> network = it.next();
                if (!network.getKey().equals(primary)) {
                    ObjectNode connect = NODES.objectNode().put("Container", id);
                    connect.set("EndpointConfig", endpoint(network.getValue()));
                    engine.connect(network.getKey(), connect);
                }
            }
        }
        return id;
    }

    /** The body of {@code POST /containers/create}: the original's Config, with HostConfig and NetworkingConfig. */
    ObjectNode body(List<String> env, String image) {
        JsonNode reported = original.json().path("Config");
        ObjectNode body = reported.isObject() ? ((ObjectNode) reported).deepCopy() : NODES.objectNode();
        ObjectNode host = original.json().path("HostConfig").isObject()
                ? ((ObjectNode) original.json().path("HostConfig")).deepCopy()
                : NODES.objectNode();
        body.put("Image", image);
        ArrayNode pairs = body.putArray("Env");
        env.forEach(pairs::add);
        String networkMode = networkMode(host);
        identity(body, networkMode, host.path("UTSMode").asText(""));
        binds(host);
        mounts(host);
        links(host);
        body.set("HostConfig", host);
        String primary = networkMode.equals("default") ? "bridge" : networkMode;
        JsonNode endpoint = networks().path(primary);
        if (endpoint.isObject() && userDefined(networkMode)) {
            body.putObject("NetworkingConfig").putObject("EndpointsConfig").set(primary, endpoint(endpoint));
        }
        return body;
    }

    /**
     * Hostname, domain name and MAC address only when set on purpose and allowed with the network and UTS modes (with
     * {@code --network host} or {@code --uts host} inspect reports the host's name, which create then refuses).
     */
    private void identity(ObjectNode config, String networkMode, String utsMode) {
        String hostname = config.path("Hostname").asText("");
        if (hostname.isEmpty() || original.id().startsWith(hostname) || networkMode.equals("host")
                || networkMode.startsWith("container:") || utsMode.equals("host")) {
            config.remove("Hostname");
        }
        if (networkMode.startsWith("container:") || config.path("Domainname").asText("").isEmpty()) {
            config.remove("Domainname");
        }
        if (!userDefined(networkMode) || config.path("MacAddress").asText("").isEmpty()) {
            config.remove("MacAddress");
        }
    }

    /** An endpoint's settings for create or connect: the aliases set on purpose and the addresses asked for. */
    private ObjectNode endpoint(JsonNode reported) {
        ObjectNode endpoint = NODES.objectNode();
        ArrayNode aliases = endpoint.putArray("Aliases");
        for (JsonNode alias : reported.path("Aliases")) {
            // Docker adds the container's short id to each user-defined network by itself
            if (alias.isTextual() && !original.id().startsWith(alias.asText())) {
                aliases.add(alias.asText());
            }
        }
        if (reported.path("IPAMConfig").isObject()) {
            endpoint.set("IPAMConfig", reported.path("IPAMConfig").deepCopy());
        }
        return endpoint;
    }

    private JsonNode networks() {
        JsonNode networks = original.json().path("NetworkSettings").path("Networks");
        return networks.isObject() ? networks : NODES.objectNode();
    }

    private static String networkMode(JsonNode host) {
        String mode = host.path("NetworkMode").asText("");
        return mode.isEmpty() ? "default" : mode;
    }

    private static boolean userDefined(String networkMode) {
        return !BUILT_IN_NETWORKS.contains(networkMode) && !networkMode.startsWith("container:");
    }

    /**
     * The image the original runs: its configured name while that still names the same image, else the image id
     * (a tag moved on, or was removed), so that saving a key never deploys another version of a runtime.
     */
    private String image() {
        String name = original.json().path("Config").path("Image").asText("");
        String id = original.imageId();
        if (name.isEmpty() || name.equals(id)) {
            return id;
        }
        if (id.equals(engine.imageId(name))) {
            return name;
        }
        // the tag moved on or is gone; the image itself is still there, held by the original container
        LOG.infof("container %s: image %s no longer names the image it runs; the copy uses %s", original.ref(), name, id);
        return id;
    }

    /** Adds the original's anonymous volumes to its binds by name (Docker would give the copy new, empty ones). */
    private void binds(ObjectNode host) {
        Set<String> covered = new HashSet<>();
        ArrayNode binds = NODES.arrayNode();
        for (JsonNode bind : host.path("Binds")) {
            binds.add(bind);
            String[] parts = bind.asText().split(":");
            covered.add(parts.length >= 2 ? parts[1] : parts[0]);
        }
        for (JsonNode mount : host.path("Mounts")) {
            covered.add(mount.path("Target").asText());
        }
        for (Iterator<String> it = host.path("Tmpfs").fieldNames(); it.hasNext();) {
            covered.add(it.next());
        }
        boolean added = false;
        for (JsonNode mount : original.json().path("Mounts")) {
            String volume = mount.path("Name").asText("");
            String destination = mount.path("Destination").asText("");
            if (mount.path("Type").asText("volume").equals("volume") && !volume.isEmpty() && !destination.isEmpty()
                    && covered.add(destination)) {
                binds.add(volume + ":" + destination + (mount.path("RW").asBoolean(true) ? "" : ":ro"));
                added = true;
            }
        }
        if (added) {
            host.set("Binds", binds);
        }
    }

    /** {@code --mount type=volume} without a source names an anonymous volume; the copy gets the original's. */
    private void mounts(ObjectNode host) {
        for (JsonNode mount : host.path("Mounts")) {
            if (mount.isObject() && mount.path("Type").asText("").equals("volume")
                    && mount.path("Source").asText("").isEmpty()) {
                String target = mount.path("Target").asText("");
                for (JsonNode used : original.json().path("Mounts")) {
                    if (target.equals(used.path("Destination").asText()) && !used.path("Name").asText("").isEmpty()) {
                        ((ObjectNode) mount).put("Source", used.path("Name").asText());
                        break;
                    }
                }
            }
        }
    }

    /** Inspect reports a link as {@code /other:/name/alias}; create takes {@code other:alias}. */
    private static void links(ObjectNode host) {
        if (!host.path("Links").isArray()) {
            return;
        }
        ArrayNode links = NODES.arrayNode();
        for (JsonNode link : host.path("Links")) {
            String[] parts = link.asText().split(":", 2);
            String target = parts[0].startsWith("/") ? parts[0].substring(1) : parts[0];
            String alias = parts.length < 2 ? target : parts[1].substring(parts[1].lastIndexOf('/') + 1);
            links.add(target + ":" + alias);
        }
        host.set("Links", links);
    }
}
