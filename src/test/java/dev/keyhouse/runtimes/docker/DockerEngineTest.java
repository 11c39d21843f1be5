package dev.keyhouse.runtimes.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchException;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.core.DockerClientConfig;

/**
 * How the docker driver reads what an engine answers, without an engine: API version negotiation, the container JSON
 * it reads and copies, and the error an answer it cannot read gives. (The real engine: {@link DockerDriverTest}.)
 */
class DockerEngineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Test
    void theApiVersionIsTheLowerOfTheEnginesAndTheNewestTheDriverKnowsButNeverBelowTheEnginesMinimum() {
        assertThat(DockerEngine.chooseVersion("1.41", "1.12")).as("engine 20.10").isEqualTo("1.41");
        assertThat(DockerEngine.chooseVersion("1.47", "1.24")).as("engine 27").isEqualTo("1.44");
        assertThat(DockerEngine.chooseVersion("1.52", "1.44")).as("engine 29").isEqualTo("1.44");
        assertThat(DockerEngine.chooseVersion("1.60", "1.50")).as("an engine past docker-java's model").isEqualTo("1.50");
        assertThat(DockerEngine.chooseVersion("1.41", "")).isEqualTo("1.41");
        assertThat(DockerEngine.chooseVersion("", "")).as("an engine that names none: unversioned").isEmpty();
        assertThat(DockerEngine.chooseVersion("next", "")).isEmpty();
    }

    /** Capabilities in every spelling and fields docker-java does not know go to the copy as the engine reported them. */
    @Test
    void theCopyCarriesTheEnginesOwnConfigurationWhateverItsSpelling() throws Exception {
        ObjectNode inspected = (ObjectNode) JSON.readTree("""
                {"Id": "%s", "Name": "/sip", "Image": "sha256:abc",
                 "State": {"Running": true, "Status": "running"},
                 "Config": {"Hostname": "0123456789ab", "Image": "voice:1", "Env": ["A=1", "LLM_API_KEY=old"],
                            "Cmd": ["run"], "StopSignal": "SIGINT", "FutureConfigOption": "kept"},
                 "HostConfig": {"NetworkMode": "none", "CapAdd": ["CAP_NET_ADMIN", "net_raw", "Cap_Sys_Nice", "CAP_FUTURE"],
                                "CapDrop": ["mknod"], "Links": ["/db:/sip/database"], "Binds": ["/srv/data:/data:ro"],
                                "Annotations": {"io.example/zone": "a"}, "FutureHostOption": {"Level": 3}},
                 "Mounts": [{"Type": "volume", "Name": "cachevol", "Destination": "/cache", "RW": true},
                            {"Type": "bind", "Source": "/srv/data", "Destination": "/data", "RW": false}],
                 "NetworkSettings": {"Networks": {"none": {}}}}
                """.formatted(ID));
        DockerEngine.DockerContainer container = new DockerEngine.DockerContainer("sip", inspected);

        ObjectNode body = new DockerContainerCopy(null, container).body(List.of("A=1", "LLM_API_KEY=new"), "voice:1");

        JsonNode host = body.path("HostConfig");
        assertThat(host.path("CapAdd").toString()).isEqualTo("[\"CAP_NET_ADMIN\",\"net_raw\",\"Cap_Sys_Nice\",\"CAP_FUTURE\"]");
        assertThat(host.path("CapDrop").toString()).isEqualTo("[\"mknod\"]");
        assertThat(host.path("FutureHostOption")).isEqualTo(inspected.path("HostConfig").path("FutureHostOption"));
        assertThat(host.path("Annotations")).isEqualTo(inspected.path("HostConfig").path("Annotations"));
        assertThat(host.path("Links").toString()).as("in the form create takes").isEqualTo("[\"db:database\"]");
        assertThat(host.path("Binds").toString()).as("the anonymous volume by name")
                .isEqualTo("[\"/srv/data:/data:ro\",\"cachevol:/cache\"]");
        assertThat(body.path("FutureConfigOption").asText()).isEqualTo("kept");
        assertThat(body.path("StopSignal").asText()).isEqualTo("SIGINT");
        assertThat(body.has("Hostname")).as("Docker's default hostname, the old id, is not carried over").isFalse();
        assertThat(body.path("Env").toString()).isEqualTo("[\"A=1\",\"LLM_API_KEY=new\"]");
        assertThat(body.path("Image").asText()).isEqualTo("voice:1");
        assertThat(container.running()).isTrue();
        assertThat(container.name()).isEqualTo("sip");
    }

    @Test
    void theHostsNameIsNotCarriedOverWhereCreateWouldRefuseIt() throws Exception {
        for (String host : List.of("{\"NetworkMode\": \"host\"}", "{\"NetworkMode\": \"none\", \"UTSMode\": \"host\"}",
                "{\"NetworkMode\": \"container:db\"}")) {
            JsonNode inspected = JSON.readTree("{\"Id\": \"" + ID + "\", \"Image\": \"sha256:abc\", \"Config\": {\"Hostname\": \"buildhost\","
                    + " \"Domainname\": \"example.org\"}, \"HostConfig\": " + host + "}");
            ObjectNode body = new DockerContainerCopy(null, new DockerEngine.DockerContainer("c", inspected))
                    .body(List.of(), "sha256:abc");
            assertThat(body.has("Hostname")).as(host).isFalse();
        }
        JsonNode named = JSON.readTree("{\"Id\": \"" + ID + "\", \"Image\": \"sha256:abc\", \"Config\": {\"Hostname\": \"sip\"},"
                + " \"HostConfig\": {\"NetworkMode\": \"none\"}}");
        assertThat(new DockerContainerCopy(null, new DockerEngine.DockerContainer("c", named)).body(List.of(), "sha256:abc")
                .path("Hostname").asText()).isEqualTo("sip");
    }

    @Test
    void aFieldTheDriverNeedsButCannotReadIsNamedWithTheContainer() throws Exception {
        DockerEngine.DockerContainer container = new DockerEngine.DockerContainer("sip",
                JSON.readTree("{\"Id\": \"" + ID + "\", \"State\": {\"Running\": \"yes\"}, \"Config\": {\"Env\": \"A=1\"}}"));

        assertThatThrownBy(container::running)
                .hasMessage("container sip: the engine's answer cannot be read: field State.Running is not true or false");
        assertThatThrownBy(container::env)
                .hasMessage("container sip: the engine's answer cannot be read: field Config.Env is not a list");
    }

    /** What docker-java itself cannot map (it still reads capabilities case-sensitively) is named by its field. */
    @Test
    void aValueDockerJavaCannotMapIsNamedByItsFieldNotAStackTrace() {
        Exception e = catchException(() -> DockerClientConfig.getDefaultObjectMapper().readValue(
                "{\"Id\": \"x\", \"HostConfig\": {\"CapAdd\": [\"CAP_NET_ADMIN\", \"net_raw\"]}}", InspectContainerResponse.class));

        assertThat(e).as("docker-java 3.7.1 cannot read a lower-case capability").isNotNull();
        assertThat(DockerRecreation.reason(e, null, null))
                .startsWith("the engine's answer has a value docker-java cannot read in field HostConfig.CapAdd[1] (");
    }
}
