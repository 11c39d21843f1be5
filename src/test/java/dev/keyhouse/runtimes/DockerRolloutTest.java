package dev.keyhouse.runtimes;


import static dev.keyhouse.runtimes.docker.RealDockerEngine.env;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.command.InspectContainerResponse;

import dev.keyhouse.Profiles;
import dev.keyhouse.SystemTools;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Received;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.runtimes.docker.RealDockerEngine;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Issue 16's first "done when", on the real Docker engine: a saved LLM key rolls out canary first, each runtime
 * confirms it with a real provider call, and a bad key is rolled back before it reaches the fleet.
 *
 * <p>The fleet: one canary and six further runtimes, each a {@link ReportingRuntimes} container (fetch
 * runtime-config, call the provider with the fetched {@code LLM_API_KEY}, report ok or failing), under two docker
 * targets: {@code canary-…} marked {@code canary} and {@code fleet-…} selecting the six, both confirmed by
 * {@code report}. The provider is an {@link OpenAiStandIn} on loopback, the LLM setting's {@code baseUrl}: a real
 * HTTP server that accepts only the keys it issued as good. A bad key is saved as an admin does over a failed check,
 * with {@code checkOverride} (the check at save time would refuse it otherwise); to the rollout it is a key that
 * works nowhere. Runtimes are told apart from Keyhouse's own key checks by their {@code User-Agent} (BusyBox's
 * {@code Wget}).
 *
 * <p>Profile {@link Profiles.BehindProxyDockerRestarts}: no bake, a 30 s confirmation timeout, its own database.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
@SystemTools("a Docker engine")
class DockerRolloutTest {

    private static final OpenAiStandIn PROVIDER = new OpenAiStandIn();
    private static final Duration ROLLOUT = Duration.ofMinutes(4);
    private static final Duration REPORTS = Duration.ofSeconds(90);

    @Inject
    DataSource db;

    private RealDockerEngine engine;
    private RuntimeApi api;
    private String oldKey;
    private long oldVersion;
    private String canary;
    private List<String> others;
    private Map<String, InspectContainerResponse> before;

    @AfterAll
    static void stopProvider() {
        PROVIDER.close();
    }

    /**
     * The fleet at rest on a good key: the LLM setting on the stand-in with {@link #oldKey}, seven runtimes that have
     * reported ok on it, then the two targets (made after the save, so that save restarts nothing).
     */
    @BeforeEach
    void fleetOnAGoodKey() throws Exception {
        engine = RealDockerEngine.start();
        api = new RuntimeApi();
        oldKey = PROVIDER.key(Scenario.GOOD);
        Instant since = Instant.now();
        api.saveLlm(llm(oldKey, null)).then().statusCode(200);
        oldVersion = api.instances().getLong("currentVersion");
        canary = ReportingRuntimes.fleet(engine, "canary", 1, oldKey).get(0);
        others = ReportingRuntimes.fleet(engine, "fleet", 6, oldKey);
        ReportingRuntimes.awaitReports(api, engine, fleet(), oldVersion, "ok", since, REPORTS);
        before = new HashMap<>();
        for (String name : fleet()) {
            before.put(name, engine.inspect(name));
        }
        long canaryTarget = api.create(target("canary"));
        long fleetTarget = api.create(target("fleet"));
        // canary and confirmation are target fields the targets part adds to REST; the columns are what rollouts read
        assertThat(Rows.update(db, "UPDATE runtime_targets SET canary = true, confirmation = 'report' WHERE id = ?",
                canaryTarget)).isEqualTo(1);
        assertThat(Rows.update(db, "UPDATE runtime_targets SET confirmation = 'report' WHERE id = ?", fleetTarget))
                .isEqualTo(1);
        PROVIDER.clearReceived();
    }

    @AfterEach
    void cleanUp() throws Exception {
        api.deleteCreated();
        engine.close();
    }

    @Test
    void aBadKeyStopsAtTheCanaryAndThePreviousKeyIsRestored() throws Exception {
        String badKey = PROVIDER.key(Scenario.INVALID);
        Instant saved = Instant.now();

        JsonPath run = rollOut(badKey);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        // the canary tried the bad key for real and said so
        assertThat(runtimeCalls(badKey)).as("the canary called the provider with the new key").isNotEmpty();
        Map<String, Object> canaryResult = result(run, canary, 1);
        assertThat(canaryResult).containsEntry("confirmState", "failing");
        assertThat((String) canaryResult.get("confirmDetail")).contains("invalid_key");
        // the previous key was checked live before it was put back, and put back as a new version by system
        assertThat(keyhouseChecks(oldKey)).as("Keyhouse checked the previous key").isNotEmpty();
        JsonPath llm = api.setting("llm");
        assertThat(llm.getString("updatedBy")).isEqualTo("system");
        assertThat(run.getLong("rollbackVersion")).isEqualTo(llm.getLong("version"));
        long restored = api.instances().getLong("currentVersion");
        assertThat(restored).as("the bad key's version, then the restored one").isEqualTo(oldVersion + 2);
        // the canary was recreated back onto it and confirmed it with a provider call of its own
        InspectContainerResponse canaryNow = engine.inspect(canary);
        assertThat(canaryNow.getId()).isNotEqualTo(before.get(canary).getId());
        assertThat(env(canaryNow, "LLM_API_KEY")).isEqualTo(oldKey);
        ReportingRuntimes.awaitReports(api, engine, List.of(canary), restored, "ok", saved, REPORTS);
        assertThat(runtimeCalls(oldKey)).as("the canary called the provider with the restored key").isNotEmpty();
        // the six others were never touched: same containers, old key, their one report still the first
        assertUntouched(others);
        assertThat(ReportingRuntimes.reports(api, others).values())
                .allSatisfy(report -> assertThat(((Number) report.get("version")).longValue()).isEqualTo(oldVersion));
        assertStoppedAtTheCanary(run);
        assertThat(run.getString("waves[-1].state")).isEqualTo("done");
        assertThat(run.getList("waves[-1].runtimes.runtime")).as("only the canary is restarted back")
                .containsExactly(canary);
        assertNoKeyIn(run, badKey);
    }

    @Test
    void aGoodKeyIsConfirmedWaveByWaveAndReachesEveryRuntime() throws Exception {
        String newKey = PROVIDER.key(Scenario.GOOD);
        Instant saved = Instant.now();

        JsonPath run = rollOut(newKey);

        long newVersion = api.instances().getLong("currentVersion");
        assertThat(newVersion).isEqualTo(oldVersion + 1);
        ReportingRuntimes.awaitReports(api, engine, fleet(), newVersion, "ok", saved, REPORTS);
        for (String name : fleet()) {
            InspectContainerResponse now = engine.inspect(name);
            assertThat(now.getId()).as(name + " was recreated").isNotEqualTo(before.get(name).getId());
            assertThat(env(now, "LLM_API_KEY")).as(name).isEqualTo(newKey);
        }
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        // canary alone first, then the six in waves of ceil(25 % of 6) = 2, each confirmed by its runtimes' reports
        assertThat(run.getList("waves.kind")).containsExactly("canary", "wave", "wave", "wave");
        assertThat(run.getList("waves.state")).containsOnly("confirmed");
        assertThat(run.getList("waves[0].runtimes.runtime")).containsExactly(canary);
        List<String> later = new ArrayList<>();
        for (int wave = 1; wave < 4; wave++) {
            List<String> runtimes = run.getList("waves[" + wave + "].runtimes.runtime");
            assertThat(runtimes).hasSize(2);
            later.addAll(runtimes);
        }
        assertThat(later).containsExactlyInAnyOrderElementsOf(others);
        assertThat(run.getList("results.confirmState")).hasSize(7).containsOnly("confirmed");
        assertThat(run.getList("results.confirmation")).containsOnly("report");
        // the gate held each wave until the one before it was confirmed
        for (int wave = 1; wave < 4; wave++) {
            Instant started = Instant.parse(run.getString("waves[" + wave + "].startedAt"));
            for (String confirmedAt : run.<String>getList("waves[" + (wave - 1) + "].runtimes.confirmedAt")) {
                assertThat(Instant.parse(confirmedAt)).as("wave %d started after wave %d confirmed", wave + 1, wave)
                        .isBeforeOrEqualTo(started);
            }
        }
        assertNoKeyIn(run, newKey);
    }

    @Test
    void whenThePreviousKeyFailsTooTheRolloutHaltsAfterTheCanaryAndRollsNothingBack() throws Exception {
        PROVIDER.key(oldKey, Scenario.REVOKED);
        String badKey = PROVIDER.key(Scenario.INVALID);
        long settingVersion = api.llmVersion();

        JsonPath run = rollOut(badKey);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("halted");
        assertThat(run.getString("reason")).contains("invalid_key / invalid_key");
        assertThat(keyhouseChecks(oldKey)).as("Keyhouse checked the previous key").isNotEmpty();
        // no rollback attempted: no new version, no rollback wave, the canary left on the new key
        assertThat(api.llmVersion()).isEqualTo(settingVersion + 1);
        assertThat(api.instances().getLong("currentVersion")).isEqualTo(oldVersion + 1);
        assertThat((Object) run.get("rollbackVersion")).isNull();
        assertStoppedAtTheCanary(run);
        assertThat(run.getString("waves[-1].state")).isEqualTo("cancelled");
        assertThat(run.getString("waves[-1].decision")).startsWith("nothing rolled back");
        assertThat(run.getList("waves[-1].runtimes")).as("nothing restarted back").isEmpty();
        InspectContainerResponse canaryNow = engine.inspect(canary);
        assertThat(canaryNow.getId()).isNotEqualTo(before.get(canary).getId());
        assertThat(env(canaryNow, "LLM_API_KEY")).isEqualTo(badKey);
        assertThat(result(run, canary, 1)).containsEntry("confirmState", "failing");
        assertUntouched(others);
        assertNoKeyIn(run, badKey);
    }

    /** The seven runtimes, canary first. */
    private List<String> fleet() {
        List<String> all = new ArrayList<>();
        all.add(canary);
        all.addAll(others);
        return all;
    }

    /**
     * The canary wave (the canary alone) failed; the three waves planned after it were cancelled with nothing
     * restarted, the six others' results cancelled; the rollback wave came last.
     */
    private void assertStoppedAtTheCanary(JsonPath run) {
        assertThat(run.getList("waves.kind")).as(run.prettify()).containsExactly("canary", "wave", "wave", "wave",
                "rollback");
        assertThat(run.getList("waves[0].runtimes.runtime")).containsExactly(canary);
        assertThat(run.getString("waves[0].state")).isEqualTo("failed");
        assertThat(run.getList("waves[1..3].state")).containsOnly("cancelled");
        for (String other : others) {
            assertThat(run.getList("results.findAll { it.runtime == '" + other + "' }.state")).as(other)
                    .containsExactly("cancelled");
        }
    }

    /** Each of {@code names} is the same container as before the save, started once, on the old key. */
    private void assertUntouched(List<String> names) {
        for (String name : names) {
            InspectContainerResponse now = engine.inspect(name);
            assertThat(now.getId()).as(name + " kept its container").isEqualTo(before.get(name).getId());
            assertThat(now.getState().getStartedAt()).isEqualTo(before.get(name).getState().getStartedAt());
            assertThat(now.getState().getRunning()).isTrue();
            assertThat(env(now, "LLM_API_KEY")).as(name).isEqualTo(oldKey);
        }
    }

    /** The LLM setting body on the stand-in; {@code overrideReason} saves it over a failed check. */
    private static Map<String, Object> llm(String key, String overrideReason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", "openai");
        body.put("model", "gpt-4o-mini");
        body.put("baseUrl", PROVIDER.baseUrl());
        body.put("apiKey", key);
        if (overrideReason != null) {
            body.put("checkOverride", Map.of("reason", overrideReason));
        }
        return body;
    }

    /**
     * Saves {@code key} and waits for the rollout it planned to end; returns the run's report. A key the stand-in
     * refuses is saved over its failed check, with a reason, as an admin can.
     */
    private JsonPath rollOut(String key) throws InterruptedException {
        boolean good = PROVIDER.scenario(key) == Scenario.GOOD;
        Response saved = api.saveLlm(llm(key, good ? null : "rollout test: a key that works nowhere"));
        saved.then().statusCode(200);
        assertThat(saved.asString()).doesNotContain(key);
        return api.awaitRun(saved.jsonPath().getLong("restartRun"), ROLLOUT);
    }

    private Map<String, Object> target(String group) {
        return Map.of("name", group + "-" + engine.owner(), "driver", "docker", "dependsOn", List.of("llm"),
                "enabled", true, "config", ReportingRuntimes.dockerConfig(engine, group));
    }

    /** The run's result for {@code runtime} in wave {@code wave}. */
    private static Map<String, Object> result(JsonPath run, String runtime, int wave) {
        Map<String, Object> result = run.getMap("results.find { it.runtime == '" + runtime + "' && it.wave == " + wave
                + " }");
        assertThat(result).as("a result of %s in wave %d: %s", runtime, wave, run.prettify()).isNotNull();
        return result;
    }

    /** Provider calls a runtime (BusyBox wget) made with {@code key}. */
    private static List<Received> runtimeCalls(String key) {
        return PROVIDER.received().stream().filter(r -> ("Bearer " + key).equals(r.header("Authorization")))
                .filter(r -> String.valueOf(r.header("User-Agent")).startsWith("Wget")).toList();
    }

    /** Provider calls Keyhouse's own key check made with {@code key}. */
    private static List<Received> keyhouseChecks(String key) {
        return PROVIDER.received().stream().filter(r -> ("Bearer " + key).equals(r.header("Authorization")))
                .filter(r -> !String.valueOf(r.header("User-Agent")).startsWith("Wget")).toList();
    }

    private static void assertNoKeyIn(JsonPath run, String key) {
        assertThat(run.prettify()).doesNotContain(key);
    }
}
