package dev.keyhouse.runtimes.docker;

import static dev.keyhouse.runtimes.docker.RealDockerEngine.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;

import dev.keyhouse.SystemTools;
import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeDriver;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;

/** The docker driver against the real Docker engine of {@link RealDockerEngine}; no Quarkus. */
@SystemTools("a Docker engine")
class DockerDriverTest {

    private static final String NEW_KEY = "sk-new-0a1b2c3d4e5f";
    private static final String OLD_KEY = "sk-old-9f8e7d6c5b4a";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MANAGED = Set.of("LLM_PROVIDER", "LLM_API_KEY", "LLM_MODEL", "OPENAI_API_KEY");

    private RealDockerEngine engine;
    private DockerDriver driver;
    private String selector;

    @TempDir
    Path data;

    @BeforeEach
    void engine() {
        engine = RealDockerEngine.start();
        driver = new DockerDriver();
        selector = "keyhouse.runtime=" + engine.owner();
    }

    @AfterEach
    void cleanUp() throws Exception {
        driver.close();
        engine.close();
    }

    @Test
    void recreatesEveryLabelledContainerOnTheNewKeyAndLeavesTheOthersAlone() throws Exception {
        Files.writeString(data.resolve("prompt.txt"), "hello");
        List<String> labelled = new ArrayList<>();
        Map<String, InspectContainerResponse> before = new HashMap<>();
        for (int i = 1; i <= 3; i++) {
            String name = engine.name("voice-" + i);
            labelled.add(name);
            engine.create(name, Map.of("keyhouse.runtime", engine.owner(), "app", "voice"), runtimeEnv(), true,
                    c -> c.withVolumes(new Volume("/cache")).withWorkingDir("/tmp").withUser("root")
                            .withHostName("voice-host").withHostConfig(c.getHostConfig()
                                    .withBinds(new Bind(data.toString(), new Volume("/data"), AccessMode.ro))
                                    .withRestartPolicy(RestartPolicy.unlessStoppedRestart())));
        }
        String stopped = engine.name("voice-stopped");
        labelled.add(stopped);
        runtime(stopped, false, c -> c);
        String other = engine.name("unlabelled");
        engine.create(other, Map.of("app", "voice"), runtimeEnv(), true, c -> c);
        for (String name : Stream.concat(labelled.stream(), Stream.of(other)).toList()) {
            before.put(name, engine.inspect(name));
        }

        TargetSpec target = target(Map.of("host", RealDockerEngine.host(), "labelSelector", selector + ",app"));
        assertThat(driver.discover(target)).containsExactlyElementsOf(labelled.stream().filter(n -> !n.equals(stopped))
                .toList());
        target = selected();
        List<String> discovered = driver.discover(target);
        assertThat(discovered).containsExactlyInAnyOrderElementsOf(labelled);
        restartAll(target, discovered, order(7));

        for (String name : labelled) {
            InspectContainerResponse was = before.get(name);
            InspectContainerResponse now = engine.inspect(name);
            assertThat(now.getId()).as(name).isNotEqualTo(was.getId());
            assertThat(now.getConfig().getImage()).isEqualTo(was.getConfig().getImage());
            assertThat(now.getImageId()).isEqualTo(was.getImageId());
            assertThat(now.getConfig().getCmd()).containsExactly("sleep", "3600");
            assertThat(now.getConfig().getLabels()).isEqualTo(was.getConfig().getLabels());
            assertThat(now.getConfig().getWorkingDir()).isEqualTo(was.getConfig().getWorkingDir());
            assertThat(now.getConfig().getUser()).isEqualTo(was.getConfig().getUser());
            assertThat(engine.stopTimeout(name)).isEqualTo(1);
            assertThat(now.getHostConfig().getNetworkMode()).isEqualTo("none");
            assertThat(now.getHostConfig().getRestartPolicy()).isEqualTo(was.getHostConfig().getRestartPolicy());
            assertThat(mounts(now)).isEqualTo(mounts(was));
            assertThat(now.getState().getRunning()).isEqualTo(!name.equals(stopped));
            assertThat(env(now, "LLM_API_KEY")).isEqualTo(NEW_KEY);
            assertThat(env(now, "LLM_PROVIDER")).isEqualTo("openai");
            assertThat(env(now, "OPENAI_API_KEY")).as("a managed name the order no longer sets").isNull();
            assertThat(env(now, "VOICE_REGION")).isEqualTo("eu-west");
            assertThat(env(now, DockerDriver.RUNTIME_NAME_VARIABLE)).isEqualTo(name);
            assertThat(now.getConfig().getEnv()).noneMatch(pair -> pair.contains(OLD_KEY));
        }
        InspectContainerResponse voice1 = engine.inspect(labelled.get(0));
        assertThat(voice1.getConfig().getHostName()).isEqualTo("voice-host");
        assertThat(voice1.getHostConfig().getRestartPolicy()).isEqualTo(RestartPolicy.unlessStoppedRestart());
        assertThat(mounts(voice1)).anyMatch(m -> m.startsWith("bind " + data + " /data ro"))
                .anyMatch(m -> m.startsWith("volume ") && m.contains(" /cache "));

        InspectContainerResponse untouched = engine.inspect(other);
        assertThat(untouched.getId()).isEqualTo(before.get(other).getId());
        assertThat(untouched.getState().getStartedAt()).isEqualTo(before.get(other).getState().getStartedAt());
        assertThat(env(untouched, "LLM_API_KEY")).isEqualTo(OLD_KEY);
        assertThat(env(untouched, "OPENAI_API_KEY")).isEqualTo(OLD_KEY);
        assertThat(engine.names()).as("no original left behind").noneMatch(n -> n.contains("-keyhouse-old-"))
                .hasSize(labelled.size() + 1);
    }

    @Test
    void networksAliasesAndPortsCarryOver() throws Exception {
        String front = engine.network("front");
        String back = engine.network("back");
        String name = engine.name("networked");
        String id = runtime(name, true, c -> c.withAliases("voice").withExposedPorts(ExposedPort.tcp(8080))
                .withHostConfig(c.getHostConfig().withNetworkMode(front)
                        .withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(8080)))));
        engine.docker().connectToNetworkCmd().withContainerId(id).withNetworkId(back)
                .withContainerNetwork(new ContainerNetwork().withAliases("voice-back")).exec();
        InspectContainerResponse was = engine.inspect(id);

        driver.restart(selected(), name, order(15));

        InspectContainerResponse now = engine.inspect(name);
        assertThat(now.getId()).isNotEqualTo(id);
        assertThat(now.getHostConfig().getNetworkMode()).isEqualTo(front);
        assertThat(now.getNetworkSettings().getNetworks()).containsOnlyKeys(front, back);
        assertThat(now.getNetworkSettings().getNetworks().get(front).getAliases()).contains("voice")
                .doesNotContain(id.substring(0, 12));
        assertThat(now.getNetworkSettings().getNetworks().get(back).getAliases()).contains("voice-back");
        assertThat(portBindings(now)).isEqualTo(portBindings(was)).isEqualTo("8080/tcp=[127.0.0.1:]");
        assertThat(now.getConfig().getExposedPorts()).containsExactly(ExposedPort.tcp(8080));
        assertThat(now.getConfig().getHostName()).as("Docker's default hostname is the new container's id")
                .isEqualTo(now.getId().substring(0, 12));
        assertThat(env(now, "LLM_API_KEY")).isEqualTo(NEW_KEY);
    }

    /**
     * Issue 13, item 5: a container carrying the {@code docker run} options operators commonly set is recreated with
     * every one of them, compared field by field in {@code docker inspect} before and after; only the environment
     * (the new key, the runtime's name), ids, timestamps and state differ.
     *
     * <p>The container is created through the engine's API, as {@code docker run}, Compose or any other client does, so
     * that capabilities can be spelled every way an engine reports them: {@code CAP_NET_ADMIN} (what engines since
     * 20.10 report for {@code docker run --cap-add NET_ADMIN}, which docker-java 3.4.2 could not read), and
     * {@code sys_ptrace}, {@code Cap_Sys_Nice}, {@code mknod} (kept as given when a client sends them so; docker-java
     * 3.7.1 still cannot read those).
     *
     * <p>Kept and asserted: cap-add, cap-drop, device, device-cgroup-rule, ulimit (nofile, nproc), sysctl (a network
     * and an IPC one), tmpfs (both
     * {@code --tmpfs} and {@code --mount type=tmpfs}), log driver and options, add-host, dns, dns-search, dns-option,
     * healthcheck (command, interval, timeout, retries, start period), read-only, security-opt (no-new-privileges,
     * seccomp=unconfined), label, env, restart policy, user (root, as {@code 0:0}), workdir, hostname, domainname,
     * memory, memory-reservation, memory-swap, memory-swappiness, oom-kill-disable, cpus, cpu-shares,
     * cpuset-cpus, pids-limit, shm-size, oom-score-adj, group-add, ipc, cgroupns, init, stop-signal, stop-timeout,
     * expose, tty, interactive, entrypoint and command.
     *
     * <p>Left out, because this engine (dockerd 20.10, {@code --iptables=false --bridge=none}, vfs storage, cgroup v1,
     * no seccomp or AppArmor, an image whose root directory only root may enter) cannot run them here, or that are
     * proven elsewhere: {@code --network}, {@code --network-alias} and {@code --publish} need a network, and this
     * container's sysctl needs its own network namespace (user-defined networks, aliases and port bindings:
     * {@link #networksAliasesAndPortsCarryOver}; {@code --network/--uts/--pid host}: {@link #hostNamespacesAreKept});
     * {@code --ip} and {@code --mac-address} are copied but proven by no test; {@code --user} other than root cannot
     * enter the image's root
     * directory; {@code --blkio-weight} is dropped by this engine (reported as 0: the kernel lacks block I/O weight)
     * and {@code --device-read-bps} needs a block device; {@code --storage-opt size} needs a storage driver with
     * quotas, not vfs; a seccomp profile or {@code apparmor=} needs the engine built with them (only
     * {@code seccomp=unconfined} is set); {@code --gpus} needs a GPU; {@code --annotation} needs API 1.43 (engine
     * 24); {@code --cpu-period}/{@code --cpu-quota} cannot be set with {@code --cpus}; sysctls outside the
     * container's own namespaces are refused. Volumes and binds are proven by
     * {@link #recreatesEveryLabelledContainerOnTheNewKeyAndLeavesTheOthersAlone}.
     */
    @Test
    void everyDockerRunOptionIsKeptOnRecreation() throws Exception {
        String name = engine.name("sip-gateway");
        ObjectNode body = JSON.createObjectNode();
        body.put("Image", RealDockerEngine.IMAGE).put("Hostname", "sip").put("Domainname", "voice.internal")
                .put("User", "0:0").put("WorkingDir", "/tmp").put("Tty", true).put("OpenStdin", true)
                .put("StopSignal", "SIGINT").put("StopTimeout", 1);
        body.putArray("Entrypoint").add("sh").add("-c");
        body.putArray("Cmd").add("exec sleep 3600");
        ArrayNode env = body.putArray("Env");
        runtimeEnv().forEach(env::add);
        env.add("SIP_REALM=voice.internal");
        body.putObject("Labels").put("keyhouse.runtime", engine.owner()).put("com.example.team", "voice");
        body.putObject("ExposedPorts").putObject("5060/udp");
        ObjectNode health = body.putObject("Healthcheck");
        health.putArray("Test").add("CMD-SHELL").add("test -w /scratch");
        health.put("Interval", 1_000_000_000L).put("Timeout", 1_000_000_000L).put("Retries", 3)
                .put("StartPeriod", 1_000_000_000L);
        ObjectNode host = body.putObject("HostConfig");
        host.put("NetworkMode", "none");
        host.putArray("CapAdd").add("CAP_NET_ADMIN").add("sys_ptrace").add("Cap_Sys_Nice");
        host.putArray("CapDrop").add("mknod").add("CAP_AUDIT_WRITE");
        host.putArray("Devices").addObject().put("PathOnHost", "/dev/null").put("PathInContainer", "/dev/keyhouse-null")
                .put("CgroupPermissions", "rw");
        host.putArray("DeviceCgroupRules").add("c 10:229 rmw");
        ArrayNode ulimits = host.putArray("Ulimits");
        ulimits.addObject().put("Name", "nofile").put("Soft", 1024).put("Hard", 2048);
        ulimits.addObject().put("Name", "nproc").put("Soft", 512).put("Hard", 512);
        host.putObject("Sysctls").put("net.ipv4.ip_unprivileged_port_start", "80").put("kernel.msgmax", "65536");
        host.putObject("Tmpfs").put("/scratch", "rw,size=16m");
        host.putArray("Mounts").addObject().put("Type", "tmpfs").put("Target", "/cache").putObject("TmpfsOptions")
                .put("SizeBytes", 8L << 20);
        host.putObject("LogConfig").put("Type", "json-file").putObject("Config").put("max-size", "1m").put("max-file", "2");
        host.putArray("ExtraHosts").add("db.internal:127.0.0.2");
        host.putArray("Dns").add("127.0.0.53");
        host.putArray("DnsSearch").add("voice.internal");
        host.putArray("DnsOptions").add("ndots:2");
        host.put("ReadonlyRootfs", true);
        host.putArray("SecurityOpt").add("no-new-privileges").add("seccomp=unconfined");
        host.put("OomKillDisable", true).put("MemorySwappiness", 10);
        host.put("Init", true).put("Memory", 64L << 20).put("MemoryReservation", 32L << 20).put("MemorySwap", 128L << 20)
                .put("NanoCpus", 500_000_000L).put("CpuShares", 512).put("CpusetCpus", "0").put("PidsLimit", 100)
                .put("ShmSize", 8L << 20).put("OomScoreAdj", 100).put("IpcMode", "shareable").put("CgroupnsMode", "private");
        host.putArray("GroupAdd").add("10");
        host.putObject("RestartPolicy").put("Name", "on-failure").put("MaximumRetryCount", 3);
        String id = engine.createRaw(name, body, true);
        JsonNode was = engine.json(name);
        assertThat(was.path("HostConfig").path("CapAdd").toString()).as("the engine reports capabilities as they were given")
                .isEqualTo("[\"CAP_NET_ADMIN\",\"sys_ptrace\",\"Cap_Sys_Nice\"]");
        assertThatThrownBy(() -> engine.inspect(name)).as("docker-java's own model cannot read such a container")
                .hasStackTraceContaining("Capability");

        driver.restart(selected(), name, order(17));

        JsonNode now = engine.json(name);
        assertThat(now.path("Id").asText()).isNotEqualTo(id);
        assertThat(now.path("State").path("Running").asBoolean()).isTrue();
        assertThat(now.path("State").path("Health").path("Status").asText()).isEqualTo("healthy");
        assertSameConfiguration(was, now);
        // and the options asked for are among them (the comparison above cannot pass by both sides lacking one)
        Map<String, String> asked = new java.util.LinkedHashMap<>();
        asked.put("/HostConfig/CapDrop", "[\"mknod\",\"CAP_AUDIT_WRITE\"]");
        asked.put("/HostConfig/Devices/0/PathInContainer", "\"/dev/keyhouse-null\"");
        asked.put("/HostConfig/DeviceCgroupRules", "[\"c 10:229 rmw\"]");
        asked.put("/HostConfig/Ulimits/1/Name", "\"nproc\"");
        asked.put("/HostConfig/Sysctls", "{\"kernel.msgmax\":\"65536\",\"net.ipv4.ip_unprivileged_port_start\":\"80\"}");
        asked.put("/HostConfig/Tmpfs", "{\"/scratch\":\"rw,size=16m\"}");
        asked.put("/HostConfig/Mounts/0/Target", "\"/cache\"");
        asked.put("/HostConfig/LogConfig", "{\"Type\":\"json-file\",\"Config\":{\"max-file\":\"2\",\"max-size\":\"1m\"}}");
        asked.put("/HostConfig/ExtraHosts", "[\"db.internal:127.0.0.2\"]");
        asked.put("/HostConfig/Dns", "[\"127.0.0.53\"]");
        asked.put("/HostConfig/DnsSearch", "[\"voice.internal\"]");
        asked.put("/HostConfig/DnsOptions", "[\"ndots:2\"]");
        asked.put("/HostConfig/ReadonlyRootfs", "true");
        asked.put("/HostConfig/SecurityOpt", "[\"no-new-privileges\",\"seccomp=unconfined\"]");
        asked.put("/HostConfig/OomKillDisable", "true");
        asked.put("/HostConfig/MemorySwappiness", "10");
        asked.put("/HostConfig/Init", "true");
        asked.put("/HostConfig/Memory", String.valueOf(64L << 20));
        asked.put("/HostConfig/MemoryReservation", String.valueOf(32L << 20));
        asked.put("/HostConfig/MemorySwap", String.valueOf(128L << 20));
        asked.put("/HostConfig/NanoCpus", "500000000");
        asked.put("/HostConfig/CpuShares", "512");
        asked.put("/HostConfig/CpusetCpus", "\"0\"");
        asked.put("/HostConfig/PidsLimit", "100");
        asked.put("/HostConfig/ShmSize", String.valueOf(8L << 20));
        asked.put("/HostConfig/OomScoreAdj", "100");
        asked.put("/HostConfig/GroupAdd", "[\"10\"]");
        asked.put("/HostConfig/IpcMode", "\"shareable\"");
        asked.put("/HostConfig/CgroupnsMode", "\"private\"");
        asked.put("/HostConfig/RestartPolicy", "{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}");
        asked.put("/HostConfig/NetworkMode", "\"none\"");
        asked.put("/Config/Hostname", "\"sip\"");
        asked.put("/Config/Domainname", "\"voice.internal\"");
        asked.put("/Config/User", "\"0:0\"");
        asked.put("/Config/WorkingDir", "\"/tmp\"");
        asked.put("/Config/Tty", "true");
        asked.put("/Config/OpenStdin", "true");
        asked.put("/Config/StopSignal", "\"SIGINT\"");
        asked.put("/Config/StopTimeout", "1");
        asked.put("/Config/Entrypoint", "[\"sh\",\"-c\"]");
        asked.put("/Config/Cmd", "[\"exec sleep 3600\"]");
        asked.put("/Config/ExposedPorts", "{\"5060/udp\":{}}");
        asked.put("/Config/Healthcheck", "{\"Test\":[\"CMD-SHELL\",\"test -w /scratch\"],\"Interval\":1000000000,"
                + "\"Timeout\":1000000000,\"StartPeriod\":1000000000,\"Retries\":3}");
        asked.put("/Config/Labels/com.example.team", "\"voice\"");
        for (Map.Entry<String, String> option : asked.entrySet()) {
            JsonNode expected = JSON.readTree(option.getValue());
            assertThat(was.at(option.getKey())).as("original " + option.getKey()).isEqualTo(expected);
            assertThat(now.at(option.getKey())).as("copy " + option.getKey()).isEqualTo(expected);
        }
        assertThat(envOf(now)).contains("SIP_REALM=voice.internal", "PATH=/bin");
        assertThat(engine.names()).containsExactly(name);
    }

    /**
     * {@code --network host}, {@code --uts host}, {@code --pid host}: inspect reports the host's name as the
     * container's hostname, which create refuses in these modes ("conflicting options: hostname and the network
     * mode"); the copy shares the host's namespaces again, and so has the host's name again.
     */
    @Test
    void hostNamespacesAreKept() throws Exception {
        String name = engine.name("host-ns");
        ObjectNode body = JSON.createObjectNode();
        body.put("Image", RealDockerEngine.IMAGE).put("StopTimeout", 1);
        body.putArray("Cmd").add("sleep").add("3600");
        ArrayNode env = body.putArray("Env");
        runtimeEnv().forEach(env::add);
        body.putObject("Labels").put("keyhouse.runtime", engine.owner());
        body.putObject("HostConfig").put("NetworkMode", "host").put("UTSMode", "host").put("PidMode", "host");
        engine.createRaw(name, body, true);
        JsonNode was = engine.json(name);
        assertThat(was.at("/Config/Hostname").asText()).isNotEmpty();

        driver.restart(selected(), name, order(18));

        JsonNode now = engine.json(name);
        assertThat(now.path("Id")).isNotEqualTo(was.path("Id"));
        assertThat(now.at("/State/Running").asBoolean()).isTrue();
        assertThat(now.at("/HostConfig/UTSMode").asText()).isEqualTo("host");
        assertThat(now.at("/HostConfig/PidMode").asText()).isEqualTo("host");
        assertSameConfiguration(was, now);
        assertThat(engine.names()).containsExactly(name);
    }

    /**
     * {@code docker inspect} of a recreated container against its original's: every field of HostConfig and Config
     * equal (one by one, so that a failure names it), but the environment, which is the original's with the order's
     * pairs in place of the managed ones, and the runtime's name.
     */
    private static void assertSameConfiguration(JsonNode was, JsonNode now) {
        for (String section : List.of("HostConfig", "Config")) {
            Set<String> fields = new java.util.TreeSet<>();
            was.path(section).fieldNames().forEachRemaining(fields::add);
            now.path(section).fieldNames().forEachRemaining(fields::add);
            fields.remove(section.equals("Config") ? "Env" : "");
            if (section.equals("Config") && was.path("Id").asText().startsWith(was.at("/Config/Hostname").asText("-"))) {
                // Docker's default hostname is the container's short id; the copy has its own
                fields.remove("Hostname");
                assertThat(now.path("Id").asText()).startsWith(now.at("/Config/Hostname").asText("-"));
            }
            for (String field : fields) {
                assertThat(now.path(section).path(field)).as(section + "." + field).isEqualTo(was.path(section).path(field));
            }
        }
        for (String field : List.of("Path", "Args", "Image", "Name", "Driver", "Mounts", "AppArmorProfile")) {
            assertThat(now.path(field)).as(field).isEqualTo(was.path(field));
        }
        String name = now.path("Name").asText().substring(1);
        List<String> expected = new ArrayList<>();
        for (String pair : envOf(was)) {
            String variable = pair.split("=", 2)[0];
            if (!MANAGED.contains(variable) && !variable.equals(DockerDriver.RUNTIME_NAME_VARIABLE)) {
                expected.add(pair);
            }
        }
        expected.addAll(List.of("LLM_API_KEY=" + NEW_KEY, "LLM_PROVIDER=openai", DockerDriver.RUNTIME_NAME_VARIABLE + "=" + name));
        assertThat(envOf(now)).as("Config.Env").containsExactlyElementsOf(expected).noneMatch(pair -> pair.contains(OLD_KEY));
    }

    private static List<String> envOf(JsonNode container) {
        List<String> env = new ArrayList<>();
        container.path("Config").path("Env").forEach(pair -> env.add(pair.asText()));
        return env;
    }

    @Test
    void anEngineThatDoesNotAnswerIsNamed() {
        TargetSpec target = target(Map.of("host", "unix:///run/keyhouse-no-such-engine.sock", "labelSelector", selector));

        assertThatThrownBy(() -> driver.discover(target))
                .hasMessageStartingWith("Docker engine unix:///run/keyhouse-no-such-engine.sock: listing containers failed");
    }

    @Test
    void restartModeRestartsTheSameRunningContainersOnly() throws Exception {
        String running = engine.name("fetcher");
        String stopped = engine.name("fetcher-stopped");
        runtime(running, true, c -> c);
        runtime(stopped, false, c -> c);
        InspectContainerResponse before = engine.inspect(running);
        TargetSpec target = target(Map.of("host", RealDockerEngine.host(), "labelSelector", selector, "mode", "restart"));

        assertThat(driver.discover(target)).containsExactly(running);
        Thread.sleep(1100); // StartedAt has nanoseconds, but be sure a restart cannot land on the same instant
        driver.restart(target, running, order(8));

        InspectContainerResponse after = engine.inspect(running);
        assertThat(after.getId()).isEqualTo(before.getId());
        assertThat(after.getState().getRunning()).isTrue();
        assertThat(Instant.parse(after.getState().getStartedAt())).isAfter(Instant.parse(before.getState().getStartedAt()));
        assertThat(env(after, "LLM_API_KEY")).as("the runtime fetches its key itself").isEqualTo(OLD_KEY);
        assertThat(engine.inspect(stopped).getState().getRunning()).isFalse();
    }

    @Test
    void aCopyThatDiesOnTheNewKeyPutsTheOriginalBack() throws Exception {
        String name = engine.name("picky");
        String id = runtime(name, true,
                c -> c.withCmd("sh", "-c", "test \"$LLM_API_KEY\" = " + OLD_KEY + " || exit 3; exec sleep 3600"));
        TargetSpec target = selected();
        AtomicInteger checking = new AtomicInteger();

        assertThatThrownBy(() -> driver.restart(target, name, order(9, checking::incrementAndGet)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("container " + name + ": check failed: the container stopped right after it started")
                .hasMessageContaining("exit code 3")
                .hasMessageContaining("the original container is back and running")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(NEW_KEY).doesNotContain(OLD_KEY));

        // the executor had already let the next restart begin: putting the original back does not depend on its place
        assertThat(checking).as("the copy started, so the check was announced once").hasValue(1);
        assertAloneAndRunning(name, id, OLD_KEY);
    }

    @Test
    void theCheckIsAnnouncedOnceTheCopyRunsOnTheNewKeyAndTheRestartEndsOnlyAfterIt() throws Exception {
        String name = engine.name("announced");
        String id = runtime(name, true, c -> c.withCmd("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"));
        List<String> seen = new ArrayList<>();
        AtomicLong announced = new AtomicLong();
        RestartOrder order = order(15, () -> {
            InspectContainerResponse copy = engine.inspect(name);
            seen.add(copy.getId().equals(id) ? "the original" : "a copy");
            seen.add(env(copy, "LLM_API_KEY").equals(NEW_KEY) ? "on the new key" : "on another key");
            seen.add(Boolean.TRUE.equals(copy.getState().getRunning()) ? "running" : "not running");
            seen.add(engine.names().contains(name + DockerDriver.OLD_SUFFIX + 15) ? "original kept" : "original gone");
            announced.set(System.nanoTime());
        });

        driver.restart(selected(), name, order);
        long returned = System.nanoTime();

        assertThat(seen).containsExactly("a copy", "on the new key", "running", "original kept");
        assertThat(Duration.ofNanos(returned - announced.get())).as("the stays-up check comes after the announcement")
                .isGreaterThanOrEqualTo(DockerRecreation.SETTLE);
        assertThat(env(engine.inspect(name), "LLM_API_KEY")).isEqualTo(NEW_KEY);
        assertThat(engine.names()).containsExactly(name);

        // restart mode announces it too, once the container was restarted
        AtomicInteger plain = new AtomicInteger();
        driver.restart(target(Map.of("host", RealDockerEngine.host(), "labelSelector", selector, "mode", "restart")),
                name, order(16, plain::incrementAndGet));
        assertThat(plain).hasValue(1);
    }

    @Test
    void aRemovedImagePutsTheOriginalBackUnderItsName() throws Exception {
        String seed = engine.name("seed");
        engine.create(seed, Map.of(), List.of(), false, c -> c);
        String image = engine.docker().commitCmd(seed).withRepository("keyhouse-test/doomed-" + engine.owner()).exec();
        String name = engine.name("orphan");
        String id = runtime(name, false,
                c -> c.withImage(image));
        engine.docker().removeImageCmd(image).withForce(true).exec();
        TargetSpec target = selected();

        assertThat(driver.discover(target)).containsExactly(name);
        assertThatThrownBy(() -> driver.restart(target, name, order(10)))
                .hasMessageContaining("container " + name + ": create failed: No such image")
                .hasMessageContaining("the original container is back");

        InspectContainerResponse after = engine.inspect(name);
        assertThat(after.getId()).isEqualTo(id);
        assertThat(env(after, "LLM_API_KEY")).isEqualTo(OLD_KEY);
        assertThat(engine.names()).containsExactlyInAnyOrder(name, seed);
    }

    @Test
    void anInterruptedRestartPutsTheOriginalBack() throws Exception {
        String name = engine.name("slow-health");
        String id = runtime(name, true,
                c -> c.withHealthcheck(new HealthCheck().withTest(List.of("CMD", "false")).withInterval(60_000_000_000L)
                        .withStartPeriod(60_000_000_000L)));
        TargetSpec target = selected();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<?> restart = executor.submit(() -> {
                driver.restart(target, name, order(11));
                return null;
            });
            awaitCopyStarted(name, id);
            Thread.sleep(500);
            restart.cancel(true);
            executor.shutdown();
            assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).as("the restart ends when interrupted").isTrue();
            assertThatThrownBy(restart::get).isInstanceOf(CancellationException.class);
        } finally {
            executor.shutdownNow();
        }
        assertAloneAndRunning(name, id, OLD_KEY);
    }

    /**
     * Issue 16, health: each container's {@code State.Health.Status} as the engine reports it, a container without a
     * healthcheck has no health signal, one that is gone is unhealthy; {@code hasHealth} inspects one container the
     * selector picks.
     */
    @Test
    void healthIsTheContainersHealthcheckAsTheEngineReportsIt() throws Exception {
        long second = 1_000_000_000L;
        String healthy = engine.name("health-ok");
        engine.create(healthy, Map.of("keyhouse.runtime", engine.owner() + "-ok"), runtimeEnv(), true,
                c -> c.withHealthcheck(new HealthCheck().withTest(List.of("CMD", "true")).withInterval(second)
                        .withRetries(1)));
        String failing = engine.name("health-bad");
        engine.create(failing, Map.of("keyhouse.runtime", engine.owner() + "-bad"), runtimeEnv(), true,
                c -> c.withHealthcheck(new HealthCheck().withTest(List.of("CMD", "false")).withInterval(second)
                        .withRetries(1)));
        String starting = engine.name("health-starting");
        engine.create(starting, Map.of("keyhouse.runtime", engine.owner() + "-starting"), runtimeEnv(), true,
                c -> c.withHealthcheck(new HealthCheck().withTest(List.of("CMD", "true"))
                        .withInterval(3600 * second).withStartPeriod(3600 * second)));
        String plain = engine.name("health-none");
        engine.create(plain, Map.of("keyhouse.runtime", engine.owner() + "-none"), runtimeEnv(), true, c -> c);
        String disabled = engine.name("health-disabled");
        engine.create(disabled, Map.of("keyhouse.runtime", engine.owner() + "-disabled"), runtimeEnv(), true,
                c -> c.withHealthcheck(new HealthCheck().withTest(List.of("NONE"))));
        TargetSpec target = selected();

        assertThat(awaitHealth(target, healthy, RuntimeDriver.Health.HEALTHY)).isEqualTo(RuntimeDriver.Health.HEALTHY);
        assertThat(awaitHealth(target, failing, RuntimeDriver.Health.UNHEALTHY)).isEqualTo(RuntimeDriver.Health.UNHEALTHY);
        assertThat(driver.health(target, starting)).isEqualTo(RuntimeDriver.Health.STARTING);
        assertThat(driver.health(target, plain)).isEqualTo(RuntimeDriver.Health.NONE);
        assertThat(driver.health(target, disabled)).isEqualTo(RuntimeDriver.Health.NONE);
        assertThat(driver.health(target, engine.name("never-created"))).isEqualTo(RuntimeDriver.Health.UNHEALTHY);

        for (String group : List.of("ok", "bad", "starting")) {
            assertThat(driver.hasHealth(labelled(group))).as(group).isTrue();
        }
        for (String group : List.of("none", "disabled", "nobody")) {
            assertThat(driver.hasHealth(labelled(group))).as(group).isFalse();
        }
        assertThat(driver.hasHealth(target(Map.of("host", "unix:///nonexistent/docker.sock",
                "labelSelector", selector + "-ok")))).as("an engine that does not answer").isFalse();
    }

    private TargetSpec labelled(String group) {
        return target(Map.of("host", RealDockerEngine.host(), "labelSelector", "keyhouse.runtime=" + engine.owner()
                + "-" + group));
    }

    /** The container's health once it is {@code wanted}, or what it is after 20 s. */
    private RuntimeDriver.Health awaitHealth(TargetSpec target, String container, RuntimeDriver.Health wanted)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        RuntimeDriver.Health health = driver.health(target, container);
        while (health != wanted && System.nanoTime() < deadline) {
            Thread.sleep(200);
            health = driver.health(target, container);
        }
        return health;
    }

    @Test
    void anAttemptCutShortAfterTheRenameIsPickedUpByTheRetry() throws Exception {
        String name = engine.name("retried");
        String id = runtime(name, true, c -> c);
        engine.docker().renameContainerCmd(id).withName(name + "-keyhouse-old-12").exec();
        TargetSpec target = selected();

        assertThat(driver.discover(target)).as("a renamed original is not a runtime of its own").isEmpty();
        driver.restart(target, name, order(12));

        assertThat(engine.inspect(name).getId()).isNotEqualTo(id);
        assertAloneAndRunning(name, engine.inspect(name).getId(), NEW_KEY);
    }

    @Test
    void anAttemptCutShortBeforeItsCopyStartedIsPickedUpByTheRetry() throws Exception {
        String name = engine.name("half-done");
        String id = runtime(name, true, c -> c);
        engine.docker().renameContainerCmd(id).withName(name + "-keyhouse-old-16").exec();
        String unstarted = runtime(name, false, c -> c);
        engine.docker().stopContainerCmd(id).withTimeout(0).exec();
        TargetSpec target = selected();

        driver.restart(target, name, order(16));

        InspectContainerResponse after = engine.inspect(name);
        assertThat(after.getId()).isNotIn(id, unstarted);
        assertAloneAndRunning(name, after.getId(), NEW_KEY);
    }

    @Test
    void anInterruptionBeforeTheRestartChangesNothing() throws Exception {
        String name = engine.name("untouched");
        String id = runtime(name, true, c -> c);
        TargetSpec target = selected();

        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> driver.restart(target, name, order(13))).isInstanceOf(InterruptedException.class);
        assertThat(engine.inspect(name).getId()).isEqualTo(id);
        assertThat(engine.names()).containsExactly(name);
    }

    @Test
    void aValueDockerCannotCarryIsRefusedBeforeAnythingChanges() {
        String name = engine.name("nul");
        String id = runtime(name, true, c -> c);
        TargetSpec target = selected();
        RestartOrder order = new RestartOrder(14, 3, Map.of("LLM_API_KEY", "sk-\0secret"), MANAGED,
                Instant.now().plusSeconds(60));

        assertThatThrownBy(() -> driver.restart(target, name, order)).hasMessageContaining("LLM_API_KEY holds a NUL byte")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
        assertThat(engine.inspect(name).getId()).isEqualTo(id);
    }

    @Test
    void validationNamesEachBadField(@TempDir Path certs) throws Exception {
        assertThat(errors(Map.of("labelSelector", "keyhouse.runtime=voice"))).isEmpty();
        assertThat(errors(Map.of("labelSelector", "a=b, c ,d.e/f=g", "mode", "restart",
                "host", "unix:///run/docker.sock"))).isEmpty();
        assertThat(errors(Map.of())).containsExactly("config.labelSelector");
        assertThat(errors(Map.of("labelSelector", "a=b,,c"))).containsExactly("config.labelSelector");
        assertThat(errors(Map.of("labelSelector", "a="))).containsExactly("config.labelSelector");
        assertThat(errors(Map.of("labelSelector", "=b"))).containsExactly("config.labelSelector");
        assertThat(errors(Map.of("labelSelector", "a=b", "mode", "reboot"))).containsExactly("config.mode");
        assertThat(errors(Map.of("labelSelector", "a", "host", "http://docker:2375"))).containsExactly("config.host");
        assertThat(errors(Map.of("labelSelector", "a", "host", "tcp://docker"))).containsExactly("config.host");
        assertThat(errors(Map.of("labelSelector", "a", "host", "unix://"))).containsExactly("config.host");
        assertThat(errors(Map.of("labelSelector", "a", "tlsCertPath", certs.toString())))
                .containsExactly("config.tlsCertPath");
        assertThat(errors(Map.of("labelSelector", "a", "host", "tcp://docker.internal:2376", "tlsCertPath",
                certs.toString()))).containsExactly("config.tlsCertPath");
        for (String file : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.writeString(certs.resolve(file), "-----BEGIN-----");
        }
        assertThat(errors(Map.of("labelSelector", "a", "host", "tcp://docker.internal:2376", "tlsCertPath",
                certs.toString()))).isEmpty();
        assertThat(errors(Map.of("labelSelector", "a", "host", "tcp://10.0.0.5:2375"))).isEmpty();
        assertThat(driver.fields()).extracting(DriverField::name)
                .containsExactly("host", "tlsCertPath", "labelSelector", "mode");
        assertThat(driver.fields()).noneMatch(DriverField::secret);
    }

    /** A container this test's target selects, on the old key. */
    private String runtime(String name, boolean start, UnaryOperator<CreateContainerCmd> more) {
        return engine.create(name, Map.of("keyhouse.runtime", engine.owner()), runtimeEnv(), start, more);
    }

    private TargetSpec selected() {
        return target(Map.of("host", RealDockerEngine.host(), "labelSelector", selector));
    }

    /** The container is the test's only one, it is {@code id}, it runs, and it runs on {@code key}. */
    private void assertAloneAndRunning(String name, String id, String key) {
        InspectContainerResponse container = engine.inspect(name);
        assertThat(container.getId()).isEqualTo(id);
        assertThat(container.getState().getRunning()).isTrue();
        assertThat(env(container, "LLM_API_KEY")).isEqualTo(key);
        assertThat(engine.names()).containsExactly(name);
    }

    private List<String> errors(Map<String, String> config) {
        FieldErrors errors = new FieldErrors();
        driver.validate(target(config), errors);
        return errors.errors().stream().map(FieldErrors.FieldError::field).toList();
    }

    /** Restarts the runtimes in parallel, four at a time, as the executor does. */
    private void restartAll(TargetSpec target, List<String> names, RestartOrder order) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> restarts = new ArrayList<>();
            for (String name : names) {
                restarts.add(executor.submit(() -> {
                    driver.restart(target, name, order);
                    return null;
                }));
            }
            for (Future<?> restart : restarts) {
                restart.get();
            }
        } finally {
            executor.shutdownNow();
        }
    }

    private void awaitCopyStarted(String name, String originalId) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(until)) {
            List<String> names = engine.names();
            if (names.contains(name) && names.contains(name + "-keyhouse-old-11")) {
                InspectContainerResponse copy = engine.inspect(name);
                if (!copy.getId().equals(originalId) && Boolean.TRUE.equals(copy.getState().getRunning())) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the copy of " + name + " did not start");
    }

    private static String portBindings(InspectContainerResponse container) {
        return container.getHostConfig().getPortBindings().getBindings().entrySet().stream()
                .map(binding -> binding.getKey() + "=" + Arrays.toString(binding.getValue())).sorted()
                .collect(Collectors.joining(","));
    }

    private static List<String> mounts(InspectContainerResponse container) {
        return container.getMounts().stream()
                .map(m -> (m.getName() == null || m.getName().isEmpty() ? "bind " + m.getSource() : "volume " + m.getName())
                        + " " + m.getDestination().getPath() + (Boolean.TRUE.equals(m.getRW()) ? " rw" : " ro"))
                .sorted().collect(Collectors.toList());
    }

    private static List<String> runtimeEnv() {
        return List.of("LLM_API_KEY=" + OLD_KEY, "OPENAI_API_KEY=" + OLD_KEY, "VOICE_REGION=eu-west",
                DockerDriver.RUNTIME_NAME_VARIABLE + "=stale");
    }

    private static RestartOrder order(long run) {
        return new RestartOrder(run, 3, Map.of("LLM_API_KEY", NEW_KEY, "LLM_PROVIDER", "openai"), MANAGED,
                Instant.now().plusSeconds(60));
    }

    /** As {@link #order(long)}, with what {@link RestartOrder#checking()} runs. */
    private static RestartOrder order(long run, Runnable checking) {
        return new RestartOrder(run, 3, Map.of("LLM_API_KEY", NEW_KEY, "LLM_PROVIDER", "openai"), MANAGED,
                Instant.now().plusSeconds(60), run, 1, checking);
    }

    private static TargetSpec target(Map<String, String> config) {
        return new TargetSpec(0, "voice-fleet", DockerDriver.ID, config, Map.of());
    }
}
