package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Volume;

/**
 * Creates a copy of an inspected container under its name with another environment: same image, entrypoint and
 * command, labels, host configuration (binds, mounts, port bindings, restart policy, network mode, resources, ...),
 * networks with their aliases and addresses, working dir, user, explicit hostname, healthcheck and stop signal.
 *
 * <p>Anonymous volumes are handed over by name, so the copy sees the original's data rather than a fresh volume.
 */
final class DockerContainerCopy {

    private static final Logger LOG = Logger.getLogger(DockerContainerCopy.class);
    private static final Set<String> BUILT_IN_NETWORKS = Set.of("none", "host", "bridge", "default");

    private final DockerClient docker;
    private final InspectContainerResponse original;

    DockerContainerCopy(DockerClient docker, InspectContainerResponse original) {
        this.docker = docker;
        this.original = original;
    }

    /** Creates the copy (not started) and connects it to the original's other networks; returns its id. */
    String create(String name, List<String> env, DockerEngine.StopSettings stop) {
        ContainerConfig config = original.getConfig();
        HostConfig host = original.getHostConfig();
        host.withBinds(binds(host));
        if (host.getMounts() != null) {
            host.withMounts(mounts(host.getMounts()));
        }
        CreateContainerCmd create = docker.createContainerCmd(image(config)).withName(name).withHostConfig(host)
                .withEnv(env).withLabels(config.getLabels() == null ? Map.of() : config.getLabels());
        if (config.getEntrypoint() != null) {
            create.withEntrypoint(config.getEntrypoint());
        }
        if (config.getCmd() != null) {
            create.withCmd(config.getCmd());
        }
        if (config.getWorkingDir() != null && !config.getWorkingDir().isEmpty()) {
            create.withWorkingDir(config.getWorkingDir());
        }
        if (config.getUser() != null && !config.getUser().isEmpty()) {
            create.withUser(config.getUser());
        }
        if (config.getExposedPorts() != null) {
            create.withExposedPorts(config.getExposedPorts());
        }
        if (config.getVolumes() != null) {
            create.withVolumes(config.getVolumes().keySet().stream().map(Volume::new).toList());
        }
        if (config.getHealthcheck() != null) {
            create.withHealthcheck(config.getHealthcheck());
        }
        if (stop.signal() != null) {
            create.withStopSignal(stop.signal());
        }
        if (stop.timeout() != null) {
            create.withStopTimeout(stop.timeout());
        }
        create.withTty(config.getTty()).withStdinOpen(config.getStdinOpen()).withStdInOnce(config.getStdInOnce())
                .withAttachStdin(config.getAttachStdin()).withAttachStdout(config.getAttachStdout())
                .withAttachStderr(config.getAttachStderr());
        String networkMode = host.getNetworkMode() == null ? "default" : host.getNetworkMode();
        identity(create, config, networkMode);
        String primary = networkMode.equals("default") ? "bridge" : networkMode;
        ContainerNetwork endpoint = networks().get(primary);
        if (endpoint != null && userDefined(networkMode)) {
            create.withAliases(aliases(endpoint));
            if (endpoint.getIpamConfig() != null && endpoint.getIpamConfig().getIpv4Address() != null) {
                create.withIpv4Address(endpoint.getIpamConfig().getIpv4Address());
            }
        }
        String id = create.exec().getId();
        if (userDefined(networkMode) || networkMode.equals("bridge") || networkMode.equals("default")) {
            connectOtherNetworks(id, primary);
        }
        return id;
    }

    /** Hostname and domain name only when set on purpose: Docker's default hostname is the old container's id. */
    private void identity(CreateContainerCmd create, ContainerConfig config, String networkMode) {
        if (networkMode.startsWith("container:")) {
            return;
        }
        String hostname = config.getHostName();
        if (hostname != null && !hostname.isEmpty() && !original.getId().startsWith(hostname)
                && !networkMode.equals("host")) {
            create.withHostName(hostname);
        }
        if (config.getDomainName() != null && !config.getDomainName().isEmpty()) {
            create.withDomainName(config.getDomainName());
        }
        if (config.getMacAddress() != null && !config.getMacAddress().isEmpty() && userDefined(networkMode)) {
            create.withMacAddress(config.getMacAddress());
        }
    }

    private void connectOtherNetworks(String id, String primary) {
        for (Map.Entry<String, ContainerNetwork> network : networks().entrySet()) {
            if (network.getKey().equals(primary)) {
                continue;
            }
            ContainerNetwork endpoint = new ContainerNetwork().withAliases(aliases(network.getValue()));
            if (network.getValue().getIpamConfig() != null) {
                endpoint.withIpamConfig(network.getValue().getIpamConfig());
            }
            docker.connectToNetworkCmd().withContainerId(id).withNetworkId(network.getKey()).withContainerNetwork(endpoint)
                    .exec();
        }
    }

    private Map<String, ContainerNetwork> networks() {
        if (original.getNetworkSettings() == null || original.getNetworkSettings().getNetworks() == null) {
            return Map.of();
        }
        return original.getNetworkSettings().getNetworks();
    }

    /** The aliases set on purpose: Docker adds the container's short id to each user-defined network by itself. */
    private List<String> aliases(ContainerNetwork endpoint) {
        List<String> aliases = new ArrayList<>();
        if (endpoint.getAliases() != null) {
            for (String alias : endpoint.getAliases()) {
                if (!original.getId().startsWith(alias)) {
                    aliases.add(alias);
                }
            }
        }
        return aliases;
    }

    private static boolean userDefined(String networkMode) {
        return !BUILT_IN_NETWORKS.contains(networkMode) && !networkMode.startsWith("container:");
    }

    /**
     * The image the original runs: its configured name while that still names the same image, else the image id
     * (a tag moved on, or was removed), so that saving a key never deploys another version of a runtime.
     */
    private String image(ContainerConfig config) {
        String name = config.getImage();
        String id = original.getImageId();
        if (name == null || name.equals(id)) {
            return id;
        }
        try {
            if (id.equals(docker.inspectImageCmd(name).exec().getId())) {
                return name;
            }
        } catch (NotFoundException e) {
            // the tag is gone; the image itself is still there, held by the original container
        }
        LOG.infof("container %s: image %s no longer names the image it runs; the copy uses %s", original.getName(), name, id);
        return id;
    }

    /** The original's binds plus its anonymous volumes by name (Docker would give the copy new, empty ones). */
    private List<Bind> binds(HostConfig host) {
        List<Bind> binds = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        if (host.getBinds() != null) {
            for (Bind bind : host.getBinds()) {
                binds.add(bind);
                covered.add(bind.getVolume().getPath());
            }
        }
        if (host.getMounts() != null) {
            host.getMounts().forEach(mount -> covered.add(mount.getTarget()));
        }
        if (host.getTmpFs() != null) {
            covered.addAll(host.getTmpFs().keySet());
        }
        for (InspectContainerResponse.Mount mount : mounts()) {
            String destination = mount.getDestination() == null ? null : mount.getDestination().getPath();
            if (isVolume(mount) && destination != null && !covered.contains(destination)) {
                binds.add(new Bind(mount.getName(), new Volume(destination),
                        Boolean.FALSE.equals(mount.getRW()) ? AccessMode.ro : AccessMode.rw));
            }
        }
        return binds;
    }

    /** {@code --mount type=volume} without a source names an anonymous volume; the copy gets the original's. */
    private List<Mount> mounts(List<Mount> mounts) {
        List<Mount> copied = new ArrayList<>();
        for (Mount mount : mounts) {
            if (mount.getType() == MountType.VOLUME && (mount.getSource() == null || mount.getSource().isEmpty())) {
                String target = mount.getTarget();
                mounts().stream()
                        .filter(m -> isVolume(m) && m.getDestination() != null && target.equals(m.getDestination().getPath()))
                        .findFirst()
                        .ifPresent(m -> mount.withSource(m.getName()));
            }
            copied.add(mount);
        }
        return copied;
    }

    private List<InspectContainerResponse.Mount> mounts() {
        return original.getMounts() == null ? List.of() : original.getMounts();
    }

    private static boolean isVolume(InspectContainerResponse.Mount mount) {
        return mount.getName() != null && !mount.getName().isEmpty();
    }
}
