package dev.keyhouse.runtimes;

import static dev.keyhouse.runtimes.docker.RealDockerEngine.env;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;

import dev.keyhouse.Profiles;
import dev.keyhouse.SystemTools;
import dev.keyhouse.runtimes.docker.DockerDriver;
import dev.keyhouse.runtimes.docker.RealDockerEngine;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * End to end on the real Docker engine: a docker target registered over REST, a new LLM key saved over REST, and
 * every labelled container comes back recreated on the new key while the unlabelled one is left alone.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
@SystemTools("a Docker engine")
class DockerRestartTest {

    private static final String OLD_KEY = "sk-docker-e2e-old-3c9d41";

    private RealDockerEngine engine;
    private RuntimeApi api;

    @BeforeEach
    void setUp() {
        engine = RealDockerEngine.start();
        api = new RuntimeApi();
    }

    @AfterEach
    void cleanUp() throws Exception {
        api.deleteCreated();
        engine.close();
    }

    @Test
    void savingAnLlmKeyRecreatesEveryLabelledContainerOnTheNewKey() throws Exception {
        Path data = Files.createTempDirectory("keyhouse-docker-e2e");
        List<String> labelled = new ArrayList<>();
        Map<String, InspectContainerResponse> before = new HashMap<>();
        for (int i = 1; i <= 3; i++) {
            String name = engine.name("voice-" + i);
            labelled.add(name);
            engine.create(name, Map.of("keyhouse.runtime", engine.owner(), "app", "voice"), oldEnv(), true,
                    c -> c.withHostConfig(c.getHostConfig()
                            .withBinds(new Bind(data.toString(), new Volume("/data"), AccessMode.ro))));
        }
        String other = engine.name("unlabelled");
        engine.create(other, Map.of("app", "voice"), oldEnv(), true, c -> c);
        for (String name : engine.names()) {
            before.put(name, engine.inspect(name));
        }
        String target = "docker-" + engine.owner();
        api.create(Map.of("name", target, "driver", "docker", "dependsOn", List.of("llm"), "enabled", true,
                "config", Map.of("host", RealDockerEngine.host(), "labelSelector", "keyhouse.runtime=" + engine.owner())));
        String key = "sk-docker-e2e-new-" + engine.owner() + "-8e02";

        Response saved = api.saveLlmKey(key);

        saved.then().statusCode(200);
        long runId = saved.jsonPath().getLong("restartRun");
        JsonPath run = api.awaitRun(runId, Duration.ofSeconds(180));
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getList("results.target")).containsOnly(target);
        assertThat(run.getList("results.runtime")).containsExactlyInAnyOrderElementsOf(labelled);
        assertThat(run.getList("results.state")).containsOnly("restarted");
        assertThat(run.prettify()).doesNotContain(key);
        for (String name : labelled) {
            InspectContainerResponse was = before.get(name);
            InspectContainerResponse now = engine.inspect(name);
            assertThat(now.getId()).as(name + " was recreated").isNotEqualTo(was.getId());
            assertThat(now.getState().getRunning()).isTrue();
            assertThat(now.getConfig().getImage()).isEqualTo(was.getConfig().getImage());
            assertThat(now.getConfig().getCmd()).containsExactly(was.getConfig().getCmd());
            assertThat(now.getConfig().getLabels()).isEqualTo(was.getConfig().getLabels());
            assertThat(now.getHostConfig().getBinds()).containsExactly(was.getHostConfig().getBinds());
            assertThat(now.getHostConfig().getNetworkMode()).isEqualTo("none");
            assertThat(env(now, "LLM_API_KEY")).isEqualTo(key);
            assertThat(env(now, "OPENAI_API_KEY")).isEqualTo(key);
            assertThat(env(now, "LLM_PROVIDER")).isEqualTo("openai");
            assertThat(env(now, "VOICE_REGION")).isEqualTo("eu-west");
            assertThat(env(now, DockerDriver.RUNTIME_NAME_VARIABLE)).isEqualTo(name);
        }
        InspectContainerResponse untouched = engine.inspect(other);
        assertThat(untouched.getId()).isEqualTo(before.get(other).getId());
        assertThat(untouched.getState().getStartedAt()).isEqualTo(before.get(other).getState().getStartedAt());
        assertThat(env(untouched, "LLM_API_KEY")).isEqualTo(OLD_KEY);
        assertThat(engine.names()).noneMatch(name -> name.contains("-keyhouse-old-"));

        // a recreated runtime fetches its config under the name the driver gave it: the run shows its acknowledgement
        String first = labelled.get(0);
        api.fetchRuntimeConfig(env(engine.inspect(first), DockerDriver.RUNTIME_NAME_VARIABLE)).then().statusCode(200);
        JsonPath acknowledged = api.run(runId);
        assertThat(acknowledged.getString("results.find { it.runtime == '" + first + "' }.ackFingerprint")).isNotBlank();
    }

    @Test
    void aBadDockerTargetIsRefusedNamingEachField() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("host", "http://docker:2375");
        config.put("labelSelector", "keyhouse.runtime=");
        config.put("mode", "reboot");
        Response refused = api.post(Map.of("name", "bad-docker-" + engine.owner(), "driver", "docker",
                "dependsOn", List.of("llm"), "config", config));

        refused.then().statusCode(400).contentType("application/problem+json");
        assertThat(refused.jsonPath().getList("errors.field"))
                .contains("config.host", "config.labelSelector", "config.mode");
        assertThat(api.post(Map.of("name", "no-selector-" + engine.owner(), "driver", "docker",
                "dependsOn", List.of("llm"), "config", Map.of())).then().statusCode(400).extract().jsonPath()
                .getList("errors.field")).containsExactly("config.labelSelector");
    }

    private static List<String> oldEnv() {
        return List.of("LLM_API_KEY=" + OLD_KEY, "OPENAI_API_KEY=" + OLD_KEY, "VOICE_REGION=eu-west");
    }
}
