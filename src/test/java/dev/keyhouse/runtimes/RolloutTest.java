package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Management;
import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.web.Conflict;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * A saved key goes out canary first, in waves, each confirmed by its runtimes' own provider calls ({@link Fleet}:
 * real command targets, real runtime-config fetches and status reports, an OpenAI stand-in that accepts only the
 * keys it knows): a good key reaches every runtime; a bad one stops at the canary and is rolled back; when the
 * previous key is bad too, nothing is rolled back and the rollout halts.
 */
@QuarkusTest
@TestProfile(Profiles.Rollouts.class)
class RolloutTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);
    /** How an alert names the LLM kind. */
    private static final String LLM = dev.keyhouse.settings.ProviderKind.LLM.title();

    @Inject
    DataSource db;
    @Inject
    Rollouts rollouts;
    @Inject
    dev.keyhouse.settings.RolloutNews news;

    private RuntimeApi api;
    private OpenAiStandIn provider;
    private Fleet fleet;
    private String tag;
    /** A shared secret a test created, deleted after it. */
    private Long sharedSecret;

    @BeforeEach
    void setUp() throws Exception {
        api = new RuntimeApi();
        provider = new OpenAiStandIn();
        fleet = new Fleet(api, Files.createTempDirectory("keyhouse-rollout"), provider.baseUrl());
        tag = UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void tearDown() {
        if (sharedSecret != null) {
            api.deleteSharedSecret(sharedSecret);
            sharedSecret = null;
        }
        fleet.close();
        api.deleteCreated();
        provider.close();
    }

    /** Four runtimes, the first marked canary: the canary alone, then waves of half the rest (rounded up). */
    private List<String> fourRuntimes() {
        return fleet.canaryAndThree(db);
    }

    /** Four runtimes confirming by report, none marked canary: ROLLOUT_CANARY_COUNT=2 makes the first two it. */
    private List<String> fourUnmarked() {
        List<String> names = List.of("a-" + tag, "b-" + tag, "c-" + tag, "d-" + tag);
        for (String name : names) {
            fleet.runtime(name);
        }
        Rows.update(db, "UPDATE runtime_targets SET confirmation = 'report' WHERE name LIKE ?", "%-" + tag);
        return names;
    }

    /** After a good key went out, the canary {@code names[0]} falls silent and a good key is saved again: its run. */
    private long silencedCanarySave(List<String> names) throws Exception {
        assertThat(api.awaitRun(save(provider.key(Scenario.GOOD)), RUN_TIMEOUT).getString("outcome"))
                .isEqualTo("succeeded");
        fleet.silence(names.get(0));
        return save(provider.key(Scenario.GOOD));
    }

    private long save(String key) {
        return api.saveLlm(provider.baseUrl(), key).then().statusCode(200).extract().jsonPath().getLong("restartRun");
    }

    @Test
    void aGoodKeyGoesOutCanaryFirstThenInWavesEachConfirmedByReports() throws Exception {
        List<String> names = fourRuntimes();
        String key = provider.key(Scenario.GOOD);

        long runId = save(key);
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getBoolean("rollout")).isTrue();
        assertThat(run.getInt("waveCount")).isEqualTo(3);
        assertThat(run.getList("waves.kind")).containsExactly("canary", "wave", "wave");
        assertThat(run.getList("waves.state")).containsOnly("confirmed");
        assertThat(run.getList("waves[0].runtimes.runtime")).containsExactly(names.get(0));
        assertThat(run.getList("waves[1].runtimes.runtime")).containsExactly(names.get(1), names.get(2));
        assertThat(run.getList("waves[2].runtimes.runtime")).containsExactly(names.get(3));
        assertThat(run.getList("results.status")).containsOnly("confirmed");
        assertThat(run.getList("results.confirmation")).containsOnly("report");
        assertThat(run.getList("results.confirmDetail", String.class)).allMatch(d -> d.startsWith("reported ok on configuration version "));
        // each wave started only after the one before was confirmed
        Instant canaryConfirmed = Instant.parse(run.getString("waves[0].finishedAt"));
        Instant secondStarted = Instant.parse(run.getString("waves[1].startedAt"));
        Instant secondConfirmed = Instant.parse(run.getString("waves[1].finishedAt"));
        Instant thirdStarted = Instant.parse(run.getString("waves[2].startedAt"));
        assertThat(secondStarted).isAfterOrEqualTo(canaryConfirmed);
        assertThat(thirdStarted).isAfterOrEqualTo(secondConfirmed);
        for (String name : names) {
            assertThat(fleet.key(name)).as(name).isEqualTo(key);
            assertThat(fleet.restarts(name)).as(name + " restarted once").isEqualTo(1);
        }
    }

    @Test
    void withoutAMarkedTargetTheFirstCanaryCountRuntimesAreTheCanary() throws Exception {
        List<String> names = fourUnmarked();

        JsonPath run = api.awaitRun(save(provider.key(Scenario.GOOD)), RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        // ROLLOUT_CANARY_COUNT=2, then waves of half the other two
        assertThat(run.getList("waves[0].runtimes.runtime")).containsExactly(names.get(0), names.get(1));
        assertThat(run.getList("waves[1].runtimes.runtime")).containsExactly(names.get(2));
        assertThat(run.getList("waves[2].runtimes.runtime")).containsExactly(names.get(3));
    }

    /**
     * Issue 20 (truth 2, point 1): the save's "what happens next" named a held target as the canary (the planned rows
     * are not marked held until discovery) while the run left it out and picked another. The answer, the flash and
     * the run now pick the canary by one rule and name the held target as left out.
     */
    @Test
    void aSaveNamesTheCanaryTheRunPicksAndTheHeldTargetAsLeftOut() throws Exception {
        List<String> names = List.of("a-" + tag, "b-" + tag, "c-" + tag);
        for (String name : names) {
            fleet.runtime(name);
        }
        Rows.update(db, "UPDATE runtime_targets SET confirmation = 'report', held = (name = ?) WHERE name LIKE ?",
                names.get(0), "%-" + tag);

        JsonPath answer = api.saveLlm(provider.baseUrl(), provider.key(Scenario.GOOD)).then().statusCode(200)
                .extract().jsonPath();
        long runId = answer.getLong("restartRun");
        String flash = settingsPageWith(runId);
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getList("waves[0].runtimes.target", String.class)).as("the run's canary")
                .startsWith(names.get(1)).doesNotContain(names.get(0));
        // before discovery the plan names the first target not on hold; once discovered, its runtimes
        // the notice says the run as it stands when the page renders: what happens next while it is open (the same
        // words as the answer's), how it ended once it has (a fast fleet can finish before the page is read)
        List<String> saids = new java.util.ArrayList<>(List.of(answer.getString("rollout.next")));
        if (flash.contains("rollout-next\">")) {
            saids.add(between(flash, "rollout-next\">", "</span>"));
        } else {
            assertThat(flash).contains("Rollout " + runId + "</a> ended: ");
        }
        for (String said : saids) {
            assertThat(said).as(said).containsPattern("canary (the first 2 runtimes by target name, from )?"
                    + names.get(1)).contains("on hold and left out: " + names.get(0))
                    .doesNotContain("canary " + names.get(0)).doesNotContain("of " + names.get(0));
        }
        assertThat(answer.getList("rollout.canary", String.class)).startsWith(names.get(1))
                .doesNotContain(names.get(0));
        assertThat(run.getList("results.findAll { it.target == '" + names.get(0) + "' }.state", String.class))
                .containsOnly("held");
        assertThat(fleet.restarts(names.get(0))).as("held: not restarted").isZero();
    }

    /** Waits until {@code runtime}'s restart in run {@code run} has ended restarted (not yet confirmed). */
    private void awaitRestarted(long run, String runtime) throws InterruptedException {
        api.awaitRunState(run, "results.find { it.runtime == '" + runtime + "' }.state", "restarted");
    }

    /** The id of the runtime target named {@code name}. */
    private long targetId(String name) {
        return Long.parseLong(Rows.column(db, "SELECT id FROM runtime_targets WHERE name = ?", name).get(0));
    }

    private static String between(String text, String from, String to) {
        int start = text.indexOf(from);
        assertThat(start).as(from + " in " + text).isNotNegative();
        return text.substring(start + from.length(), text.indexOf(to, start + from.length()));
    }

    /** The settings overview as the redirect after a save of the LLM setting that started {@code run} shows it. */
    private static String settingsPageWith(long run) {
        return io.restassured.RestAssured.given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE,
                dev.keyhouse.auth.Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                        dev.keyhouse.TestSettings.ADMIN_PASSWORD))
                .cookie(dev.keyhouse.web.Flash.COOKIE, new dev.keyhouse.settings.SettingsNotice("saved",
                        dev.keyhouse.settings.ProviderKind.LLM, run, null, false).key())
                .get("/admin/settings").then().statusCode(200).extract().asString();
    }

    @Test
    void aBadKeyStopsAtTheCanaryAndThePreviousKeyIsRestoredAndOnlyTheCanaryRestartedBack() throws Exception {
        List<String> names = fourRuntimes();
        String good = provider.key(Scenario.GOOD);
        assertThat(api.awaitRun(save(good), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        long versionBefore = api.llmVersion();
        String bad = provider.key(Scenario.REVOKED);

        long runId = save(bad);
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("reason")).contains("wave 1 (canary)").contains(names.get(0))
                .contains("reported failing: invalid_key");
        assertThat(run.getList("waves.kind")).containsExactly("canary", "wave", "wave", "rollback");
        assertThat(run.getList("waves.state")).containsExactly("failed", "cancelled", "cancelled", "done");
        assertThat(run.getLong("previousVersion")).isEqualTo(versionBefore);
        assertThat(run.getLong("rollbackVersion")).isEqualTo(versionBefore + 2);
        assertThat(run.getList("waves[3].runtimes.runtime")).containsExactly(names.get(0));
        assertThat(run.getString("waves[3].decision")).contains("checked: ok").contains("restored as version "
                + (versionBefore + 2));
        // breaker of issue 19/core, fault 2: the key-only rollback's reason (page, banner, log, webhook) says which
        // key came back and what its check found, as the rollback of a change that kept its key does
        String reason = "wave 1 (canary): " + names.get(0) + ": reported failing: invalid_key on configuration version "
                + run.getLong("waves[0].runtimes[0].envVersion") + "; restored: the previous key (version "
                + versionBefore + "), checked: ok (HTTP 200); version " + versionBefore + " restored as version "
                + (versionBefore + 2) + " (back: API key)";
        assertThat(run.getString("reason")).isEqualTo(reason);
        assertThat(alert()).isEqualTo(LLM + " rollout (run " + runId + "): " + reason
                + "; rolled back — enter a working key");
        assertThat(run.getList("waves[1].runtimes.status")).containsOnly("cancelled");
        assertThat(run.getList("waves[0].runtimes.status")).containsExactly("rolled back");
        // the canary went to the bad key and came back; nobody else was touched
        assertThat(fleet.restarts(names.get(0))).isEqualTo(3);
        assertThat(fleet.key(names.get(0))).isEqualTo(good);
        for (String name : names.subList(1, 4)) {
            assertThat(fleet.restarts(name)).as(name + " untouched").isEqualTo(1);
            assertThat(fleet.key(name)).isEqualTo(good);
        }
        assertThat(api.llmVersion()).isEqualTo(versionBefore + 2);
        assertThat(Rows.column(db, "SELECT action || ' by ' || saved_by FROM provider_setting_versions WHERE kind = 'llm'"
                + " AND version = ?", versionBefore + 2)).containsExactly("rollback by system");
        assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.rollback' ORDER BY id DESC"
                + " LIMIT 1").get(0)).contains("automatic rollback of run " + runId);
        assertThat(provider.received().stream().filter(r -> good.equals(bearer(r.header("authorization")))).count())
                .as("the previous key was checked live before it was restored").isGreaterThanOrEqualTo(1);
        assertThat(Rows.containing(db, bad)).as("no key in any table").isEmpty();
    }

    /**
     * Breaker of issue 19 (b19, B): a rollback restart is not waited for (confirmation none), and the run's report
     * turned its row "confirmed … fetched configuration version N" on the runtime's fetch although the runtime then
     * reported failing on that version. Its own word outranks the fetch, as it does in a forward wave.
     */
    @Test
    void aRollbackRestartWhoseRuntimeReportsFailingIsNotReadAsConfirmedByItsFetch() throws Exception {
        List<String> names = fourRuntimes();
        String good = provider.key(Scenario.GOOD);
        assertThat(api.awaitRun(save(good), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");

        long runId = save(provider.key(Scenario.REVOKED));
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        long back = run.getLong("waves[3].runtimes[0].envVersion");
        String canary = names.get(0);
        // the canary started up on the restored configuration (fetched, called, reported ok) ...
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (fleet.sent().stream().noneMatch(s -> s.runtime().equals(canary) && s.version() == back)) {
            assertThat(System.nanoTime()).as("the canary's report on version " + back).isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(api.awaitRun(runId, RUN_TIMEOUT).getString("waves[3].runtimes[0].confirmState"))
                .as("fetched and reported ok: confirmed").isEqualTo("confirmed");
        // ... and then failing on it
        io.restassured.RestAssured.given().auth().oauth2(dev.keyhouse.TestSettings.RUNTIME_CONFIG_TOKEN)
                .header("X-Keyhouse-Runtime", canary).contentType(io.restassured.http.ContentType.JSON)
                .body(java.util.Map.of("version", back, "status", "failing", "detail", "http:500"))
                .post("/api/v1/internal/runtime-status").then().statusCode(204);

        JsonPath after = api.awaitRun(runId, RUN_TIMEOUT);
        assertThat(after.getString("waves[3].runtimes[0].confirmState")).isEqualTo("failing");
        assertThat(after.getString("waves[3].runtimes[0].confirmDetail"))
                .isEqualTo("reported failing: http:500 on configuration version " + back);
        assertThat(after.getString("waves[3].runtimes[0].status")).isEqualTo("failing");
    }

    @Test
    void whenThePreviousKeyFailsTooNothingIsRolledBackAndTheRolloutHalts() throws Exception {
        List<String> names = fourRuntimes();
        String previous = provider.key(Scenario.GOOD);
        assertThat(api.awaitRun(save(previous), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        long versionBefore = api.llmVersion();
        provider.key(previous, Scenario.REVOKED);
        String bad = provider.key(Scenario.INVALID);

        long runId = save(bad);
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("halted");
        // failures first (breaker 3, point 3): the failing canary, then why nothing was rolled back
        assertThat(run.getString("reason")).startsWith("wave 1 (canary): ").contains(names.get(0)).endsWith("; nothing rolled"
                + " back: the new key and the previous key both fail: invalid_key / invalid_key — enter a working key");
        assertThat((Object) run.get("rollbackVersion")).isNull();
        assertThat(api.llmVersion()).as("nothing restored").isEqualTo(versionBefore + 1);
        assertThat(fleet.restarts(names.get(0))).as("only the canary moved").isEqualTo(2);
        assertThat(Management.given().get("/q/metrics").then().statusCode(200).extract().asString())
                .as("a halted rollout is counted").containsPattern("keyhouse_rollouts_total\\{outcome=\"halted\"\\} [1-9]");
        for (String name : names.subList(1, 4)) {
            assertThat(fleet.restarts(name)).as(name + " untouched").isEqualTo(1);
        }
    }

    @Test
    void aRuntimeThatNeverConfirmsFailsItsWaveWithinTheConfirmTimeout() throws Exception {
        List<String> names = fourRuntimes();
        long runId = silencedCanarySave(names);
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("waves[0].runtimes[0].confirmState")).isEqualTo("unconfirmed");
        assertThat(run.getString("waves[0].runtimes[0].confirmDetail")).isEqualTo("not confirmed (report) within "
                + Profiles.Rollouts.CONFIRM_TIMEOUT_SECONDS + " s (ROLLOUT_CONFIRM_TIMEOUT_SECONDS)");
        Instant restarted = Instant.parse(run.getString("waves[0].runtimes[0].finishedAt"));
        Instant failed = Instant.parse(run.getString("waves[0].finishedAt"));
        assertThat(Duration.between(restarted, failed)).isGreaterThanOrEqualTo(
                Duration.ofSeconds(Profiles.Rollouts.CONFIRM_TIMEOUT_SECONDS));
    }

    /**
     * Breaker b20, M2: a rollout whose canary did not confirm while its requests were refused (a wrong
     * PROVISIONER_INTERNAL_TOKEN) names the refusal in its own reason, read from the stored refusals, so the cause
     * survives a restart of every replica; a refusal from a name that is not the run's is not named.
     */
    @Test
    void aRunThatEndsUnconfirmedWhileItsRuntimeIsRefusedNamesTheRefusalInItsReason() throws Exception {
        List<String> names = fourRuntimes();
        long runId = silencedCanarySave(names);
        for (String name : List.of(names.get(0), names.get(0), "not-a-runtime-of-" + runId)) {
            io.restassured.RestAssured.given().auth().oauth2("not-the-runtimes-token")
                    .header("X-Keyhouse-Runtime", name).get("/api/v1/internal/runtime-config").then()
                    .statusCode(401);
        }
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("reason")).as(run.prettify()).contains(names.get(0) + ": not confirmed (report)"
                + " within " + Profiles.Rollouts.CONFIRM_TIMEOUT_SECONDS + " s (ROLLOUT_CONFIRM_TIMEOUT_SECONDS); its"
                + " runtime-config fetches or status reports were refused: 2 since ")
                .contains("(a token that does not match)").doesNotContain("not-a-runtime-of-");
    }

    @Test
    void aRollbackCannotBePausedAndALaterModelOnlySaveSupersedesIt() throws Exception {
        List<String> names = fourRuntimes();
        String good = provider.key(Scenario.GOOD);
        assertThat(api.awaitRun(save(good), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        String bad = provider.key(Scenario.REVOKED);
        fleet.hold(names.get(0));
        long runId = save(bad);
        api.awaitRunState(runId, "results.find { it.runtime == '" + names.get(0) + "' }.state", "restarted");
        provider.hold(good);
        fleet.release();
        api.awaitRunState(runId, "state", "rolling_back");

        assertThatThrownBy(() -> rollouts.pause(runId, "admin@keyhouse.test")).isInstanceOf(Conflict.class)
                .hasMessageContaining("a rollback cannot be paused");
        // while the rollback checks the previous key, an admin changes only the model (h19l point 1): what runtimes
        // receive changed, so that save is rolled out too, superseding the rollback; the runtimes it has not moved
        // stay held at the configuration before the bad key
        long routing = api.saveLlmModel("gpt-4.1-admin-choice").then().statusCode(200).extract().jsonPath()
                .getLong("restartRun");
        assertThat(routing).isNotEqualTo(runId);
        JsonPath superseded = api.awaitRun(runId, RUN_TIMEOUT);
        assertThat(superseded.getString("outcome")).as(superseded.prettify()).isEqualTo("superseded");
        assertThat(superseded.getLong("supersededBy")).isEqualTo(routing);
        provider.release(good);
        JsonPath run = api.awaitRun(routing, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as("the bad key is still in it: its canary fails again, " + run.prettify())
                .isEqualTo("rolled_back");
        assertThat(fleet.key(names.get(0))).as("the canary back on the good key").isEqualTo(good);
    }

    /**
     * Issue 20's breaker: a canary whose restart timed out was counted as never moved and left on the new key when
     * the rollout rolled back. A restart stopped while under way may have taken effect (here the runtime wrote its
     * restart and started on the new configuration before it hung), so it is restarted back with the ones that moved.
     */
    @Test
    void aCanaryWhoseRestartTimedOutIsRestartedBackOnRollback() throws Exception {
        String canary = "a-canary-" + tag;
        Path hang = Files.createTempFile("keyhouse-hang", ".flag");
        Files.delete(hang);
        api.command(canary, List.of("llm"), fleet.command(canary) + "; if [ -e '" + hang + "' ]; then rm -f '" + hang
                + "'; sleep 30; fi", fleet.environmentFile(canary).toString());
        fleet.watch(canary);
        List<String> others = List.of("b-" + tag, "c-" + tag);
        others.forEach(fleet::runtime);
        Rows.update(db, "UPDATE runtime_targets SET canary = (name = ?), confirmation = 'report' WHERE name LIKE ?",
                canary, "%-" + tag);
        String previous = provider.key(Scenario.GOOD);
        assertThat(api.awaitRun(save(previous), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");

        Files.createFile(hang);
        long runId = save(provider.key(Scenario.GOOD));
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("waves[0].runtimes[0].state")).isEqualTo("timed_out");
        assertThat(run.getList("waves.kind")).last().isEqualTo("rollback");
        assertThat(run.getList("waves[-1].runtimes.runtime")).as("the timed-out canary is restarted back")
                .containsExactly(canary);
        assertThat(run.getList("waves[-1].runtimes.state")).containsExactly("restarted");
        assertThat(fleet.key(canary)).as("back on the previous key").isEqualTo(previous);
        for (String other : others) {
            assertThat(fleet.restarts(other)).as(other + " untouched").isEqualTo(1);
        }
        String page = io.restassured.RestAssured.given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE,
                dev.keyhouse.auth.Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                        dev.keyhouse.TestSettings.ADMIN_PASSWORD)).get("/admin/restarts/" + runId).asString();
        assertThat(page).contains("Restarted back onto the previous key").contains("unknown: the restart timed out")
                .doesNotContain("Not restarted back");
    }

    /**
     * Breaker b9 H3: a canary whose command failed after Keyhouse wrote its environment file (the command sources the
     * file, then exits 3) was left on the new key when the rollout rolled back: only restarted runtimes were restarted
     * back. A restart attempted that did not succeed may have applied the change, so it is restarted back too, and
     * its environment file holds the previous key again; its row says why.
     */
    @Test
    void aCanaryWhoseRestartFailedAfterItsEnvironmentFileIsRestartedBackOnRollback() throws Exception {
        String canary = "a-failing-" + tag;
        String previous = provider.key(Scenario.GOOD);
        String next = provider.key(Scenario.GOOD);
        api.command(canary, List.of("llm"), fleet.command(canary) + "; if grep -qF -- '" + next + "' '"
                + fleet.environmentFile(canary) + "'; then exit 3; fi", fleet.environmentFile(canary).toString());
        fleet.watch(canary);
        List<String> others = List.of("b-" + tag, "c-" + tag);
        others.forEach(fleet::runtime);
        Rows.update(db, "UPDATE runtime_targets SET canary = (name = ?), confirmation = 'report' WHERE name LIKE ?",
                canary, "%-" + tag);
        assertThat(api.awaitRun(save(previous), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");

        long runId = save(next);
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("waves[0].runtimes[0].state")).isEqualTo("failed");
        assertThat(run.getList("waves.kind")).last().isEqualTo("rollback");
        assertThat(run.getList("waves[-1].runtimes.runtime")).as("the failed canary is restarted back")
                .containsExactly(canary);
        assertThat(run.getList("waves[-1].runtimes.state")).containsExactly("restarted");
        assertThat(run.getString("waves[-1].runtimes[0].confirmationReason")).isEqualTo("a rollback restart: back"
                + " onto the previous key (its failed restart may have applied the change)");
        assertThat(Files.readString(fleet.environmentFile(canary))).as("back on the previous key").contains(previous)
                .doesNotContain(next);
        assertThat(run.getString("waves[-1].decision")).contains("1 runtime back whose restart did not succeed but"
                + " may have applied the change: " + canary);
        for (String other : others) {
            assertThat(fleet.restarts(other)).as(other + " untouched").isEqualTo(1);
        }
    }

    /**
     * Issue 19 (b19 A): "Restart now" on the canary while its rollout waits for it to confirm carries the change
     * forward (the canary is released from the rollout's pin: it is restarted onto the new key again), so its fetch
     * after that restart, of a version no older than the run's, confirms it. It was decided "not confirmed (fetch)
     * before it was restarted again by run N" at once, and the good key was rolled back.
     */
    @Test
    void aCanaryRestartedNowBeforeItConfirmsIsConfirmedByItsFetchAfterThatRestart() throws Exception {
        List<String> names = fourRuntimes();
        confirmBy("fetch", names);
        assertThat(api.awaitRun(save(provider.key(Scenario.GOOD)), RUN_TIMEOUT).getString("outcome"))
                .isEqualTo("succeeded");
        String canary = names.get(0);
        fleet.hold(canary);
        String key = provider.key(Scenario.GOOD);
        long runId = save(key);
        awaitRestarted(runId, canary);

        long target = targetId(canary);
        long manual = io.restassured.RestAssured.given().auth().oauth2(api.admin())
                .contentType(io.restassured.http.ContentType.JSON).post("/api/v1/runtimes/" + target + "/restart")
                .then().statusCode(202).extract().jsonPath().getLong("id");
        assertThat(api.awaitRun(manual, RUN_TIMEOUT).getString("state")).isEqualTo("succeeded");
        fleet.release(); // the canary fetches now: after its next restart, of a version no older than the run's
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getString("waves[0].runtimes[0].confirmState")).isEqualTo("confirmed");
        assertThat(run.getString("waves[0].runtimes[0].confirmDetail")).startsWith("fetched version ");
        assertThat(run.getString("waves[0].runtimes[0].nextStartedAt")).as("restarted again by run " + manual)
                .isNotNull();
        assertThat(run.getString("rollbackVersion")).isNull();
        for (String name : names) {
            assertThat(fleet.key(name)).as(name).isEqualTo(key);
        }
    }

    /**
     * Issue 19 (b19 A): llm saved, then stt while llm's canary has not confirmed yet (both kinds' targets include the
     * canary): the stt rollout's restart of the canary carries the llm change forward, and the canary's report on the
     * combined configuration confirms both rollouts. The llm rollout was rolled back ("not confirmed (report) before
     * it was restarted again by run N").
     */
    @Test
    void twoRolloutsOfTwoKindsThroughOneCanaryBothConfirmOnTheCombinedConfiguration() throws Exception {
        putStt("stt-rt-preview-" + tag); // a version to change from, before the targets exist
        List<String> names = canaryAndOne(List.of("llm", "stt"));
        String canary = names.get(0);
        fleet.hold(canary);
        String key = provider.key(Scenario.GOOD);
        long llmRun = save(key);
        awaitRestarted(llmRun, canary);
        long sttRun = putStt("stt-rt-v2-" + tag).getLong("restartRun");
        awaitRestarted(sttRun, canary);
        fleet.release();

        JsonPath llm = api.awaitRun(llmRun, RUN_TIMEOUT);
        JsonPath stt = api.awaitRun(sttRun, RUN_TIMEOUT);

        assertThat(llm.getString("outcome")).as(llm.prettify()).isEqualTo("succeeded");
        assertThat(llm.getString("waves[0].runtimes[0].confirmState")).isEqualTo("confirmed");
        assertThat(llm.getString("waves[0].runtimes[0].confirmDetail")).startsWith("reported ok on configuration version ");
        assertThat(llm.getString("waves[0].runtimes[0].nextStartedAt")).as("restarted again by run " + sttRun)
                .isNotNull();
        assertThat(llm.getString("rollbackVersion")).isNull();
        assertThat(stt.getString("outcome")).as(stt.prettify()).isEqualTo("succeeded");
        for (String name : names) {
            assertThat(fleet.key(name)).as(name).isEqualTo(key);
            assertThat(Files.readString(fleet.environmentFile(name))).as(name).contains("STT_MODEL=stt-rt-v2-" + tag);
        }
    }

    /**
     * Issue 19 (b19 A): a shared secret linked to the canary while its rollout waits for it: the shared secret's run
     * restarts the canary onto the new key and the secret; its report then confirms the rollout, which was rolled back.
     */
    @Test
    void aSharedSecretsRunRestartingTheCanaryBeforeItConfirmsLetsItConfirm() throws Exception {
        List<String> names = fourRuntimes();
        String canary = names.get(0);
        fleet.hold(canary);
        String key = provider.key(Scenario.GOOD);
        long runId = save(key);
        awaitRestarted(runId, canary);

        long target = targetId(canary);
        JsonPath created = io.restassured.RestAssured.given().auth().oauth2(api.admin())
                .contentType(io.restassured.http.ContentType.JSON)
                .body(Map.of("name", "conc-" + tag, "variable", "CONC_" + tag.toUpperCase(), "targets", List.of(target)))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath();
        sharedSecret = created.getLong("id");
        long shared = created.getLong("restartRun");
        assertThat(api.awaitRun(shared, RUN_TIMEOUT).getString("state")).isEqualTo("succeeded");
        fleet.release();
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getString("waves[0].runtimes[0].confirmState")).isEqualTo("confirmed");
        assertThat(run.getString("waves[0].runtimes[0].nextStartedAt")).as("restarted again by run " + shared)
                .isNotNull();
        assertThat(run.getString("rollbackVersion")).isNull();
        assertThat(fleet.key(canary)).isEqualTo(key);
    }

    /**
     * A restart onto a configuration without the change ends the window: an admin's rollback supersedes a rollout
     * whose canary has not confirmed, and restarts the canary onto the restored key; the canary's fetch and report
     * after that restart (of a version no older than the superseded run's) confirm nothing of the superseded run.
     */
    @Test
    void aCanaryRestartedOntoAConfigurationWithoutTheChangeIsNotConfirmedByWhatItShowsAfter() throws Exception {
        List<String> names = fourRuntimes();
        assertThat(api.awaitRun(save(provider.key(Scenario.GOOD)), RUN_TIMEOUT).getString("outcome"))
                .isEqualTo("succeeded");
        String canary = names.get(0);
        fleet.hold(canary);
        long runId = save(provider.key(Scenario.GOOD));
        awaitRestarted(runId, canary);
        long envVersion = api.run(runId).getLong("results.find { it.runtime == '" + canary + "' }.envVersion");

        long rollback = io.restassured.RestAssured.given().auth().oauth2(api.admin())
                .header("If-Match", "\"" + api.llmVersion() + "\"").post("/api/v1/settings/llm/rollback").then()
                .statusCode(200).extract().jsonPath().getLong("restartRun");
        awaitRestarted(rollback, canary);
        fleet.release();
        assertThat(api.awaitRun(rollback, RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        JsonPath run = api.run(runId);

        assertThat(fleet.sent()).as("the canary reported ok after the rollback's restart, on a version no older")
                .anyMatch(sent -> sent.runtime().equals(canary) && sent.version() >= envVersion
                        && sent.status().equals("ok"));
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("superseded");
        String result = "results.find { it.runtime == '" + canary + "' }.";
        assertThat(run.getBoolean(result + "confirmed")).isFalse();
        assertThat(run.getString(result + "status")).isEqualTo("restarted");
        assertThat(run.getString(result + "ackedAt")).isNull();
        assertThat(run.getString(result + "nextStartedAt")).isNotNull();
    }

    /**
     * Issue 19 (b19 H): an admin's rollback that supersedes a save restores what the save replaced; when the
     * rollback's canary then fails on it, going back to the save's previous version would write the very contents that
     * just failed ("version 21 restored as version 24", nothing "(back: …)"). The rollout halts instead, saying so.
     */
    @Test
    void aRollbackWhoseCanaryFailsOnWhatItWouldRestoreHaltsInsteadOfRestoringIt() throws Exception {
        List<String> names = fourRuntimes();
        assertThat(api.awaitRun(save(provider.key(Scenario.GOOD)), RUN_TIMEOUT).getString("outcome"))
                .isEqualTo("succeeded");
        long before = api.llmVersion();
        String canary = names.get(0);
        fleet.hold(canary); // it never reports by itself: the test reports for it
        long saved = save(provider.key(Scenario.GOOD));
        awaitRestarted(saved, canary);
        JsonPath rolledBack = io.restassured.RestAssured.given().auth().oauth2(api.admin())
                .header("If-Match", "\"" + api.llmVersion() + "\"").post("/api/v1/settings/llm/rollback").then()
                .statusCode(200).extract().jsonPath();
        long rollback = rolledBack.getLong("restartRun");
        long restored = api.llmVersion();
        awaitRestarted(rollback, canary);
        long envVersion = api.run(rollback).getLong("results.find { it.runtime == '" + canary + "' }.envVersion");

        io.restassured.RestAssured.given().auth().oauth2(dev.keyhouse.TestSettings.RUNTIME_CONFIG_TOKEN)
                .header("X-Keyhouse-Runtime", canary).contentType(io.restassured.http.ContentType.JSON)
                .body(Map.of("version", envVersion, "status", "failing", "detail", "http:500"))
                .post("/api/v1/internal/runtime-status").then().statusCode(204);
        JsonPath run = api.awaitRun(rollback, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("halted");
        assertThat(run.getString("reason")).isEqualTo("wave 1 (canary): " + canary + ": reported failing: http:500 on"
                + " configuration version " + envVersion + "; nothing rolled back: version " + before + " holds what version "
                + restored + " that failed holds, so there is nothing different to go back to — correct the llm"
                + " setting and save it again");
        assertThat(run.getString("rollbackVersion")).isNull();
        assertThat(api.llmVersion()).as("no version written with what just failed").isEqualTo(restored);
    }

    /**
     * Issue 19 (b19 I): a canary whose target is deleted before it confirmed read "not confirmed (report) before it
     * was restarted again", naming no run: nothing restarted it. It now says its target was deleted. Breaker b19 B:
     * it then failed its wave ("tmp1: not confirmed (report) before its target was deleted") and the rollout was
     * rolled back, though a target deleted while a rollout runs is left out of it without failing it (README). It is
     * left out now: its wave, every runtime of which was deleted, passes on, and the next waves confirm.
     */
    @Test
    void aCanaryDeletedBeforeItConfirmsIsLeftOutAndTheRolloutGoesOnWithoutIt() throws Exception {
        List<String> names = fourRuntimes();
        String canary = names.get(0);
        fleet.hold(canary);
        String key = provider.key(Scenario.GOOD);
        long runId = save(key);
        awaitRestarted(runId, canary);
        long target = targetId(canary);
        io.restassured.RestAssured.given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + target).then()
                .statusCode(204);

        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        String row = "results.find { it.runtime == '" + canary + "' }";
        assertThat(run.getString(row + ".confirmDetail")).isEqualTo("not confirmed (report) before its target was"
                + " deleted: left out of its wave, which is judged on the others");
        assertThat(run.getString(row + ".status")).isEqualTo("target deleted before it confirmed");
        assertThat(run.getString("waves[0].decision")).isEqualTo("no runtime left to confirm; 1 left out, its target"
                + " deleted before it confirmed: " + canary);
        assertThat(run.getList("waves[1].runtimes.status")).containsOnly("confirmed");
        assertThat(run.getList("waves[2].runtimes.status")).containsOnly("confirmed");
        for (String name : names.subList(1, 4)) {
            assertThat(fleet.key(name)).as(name + " on the new key").isEqualTo(key);
        }
        assertThat(adminPage("/admin/restarts/" + runId)).contains("restarted 3 of 4, 1 deleted during the run (its"
                + " target deleted by an admin): " + canary + ", confirmed 3 of 3");
    }

    /**
     * Breaker b19 B, as found: two canaries, one deleted after its restart and before it confirmed, the other
     * reporting ok. The deleted one failed the canary wave; now the wave is judged on the other and the rollout goes on.
     */
    @Test
    void aCanaryDeletedBeforeItConfirmsLeavesItsWaveToTheOtherCanary() throws Exception {
        List<String> names = fourUnmarked();
        String deleted = names.get(0);
        fleet.hold(deleted);
        long runId = save(provider.key(Scenario.GOOD));
        awaitRestarted(runId, deleted);
        io.restassured.RestAssured.given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + targetId(deleted))
                .then().statusCode(204);

        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(run.getList("waves[0].runtimes.runtime")).containsExactly(deleted, names.get(1));
        assertThat(run.getList("waves[0].runtimes.status")).containsExactlyInAnyOrder("confirmed",
                "target deleted before it confirmed");
        assertThat(run.getString("waves[0].decision")).isEqualTo("all 1 runtime confirmed (report: 1); 1 left out,"
                + " its target deleted before it confirmed: " + deleted);
        assertThat(run.getList("tally.deleted")).containsExactly(deleted);
    }

    /**
     * Issue 19 (E): a runtime that reports failing on the new version fails its wave whatever its target's
     * confirmation. Confirmed by its fetch (it fetches, then calls the provider, then reports), it used to pass and
     * the bad key went on to every wave; now the rollout rolls back with its report as the cause, so the alert
     * blames the key.
     */
    @Test
    void aRuntimeConfirmedByFetchThatReportsFailingFailsTheRolloutAndTheKeyIsBlamed() throws Exception {
        List<String> names = fourRuntimes();
        confirmBy("fetch", names);
        String good = provider.key(Scenario.GOOD);
        assertThat(api.awaitRun(save(good), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");

        long runId = save(provider.key(Scenario.REVOKED));
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("reason")).contains(": " + names.get(0) + ": reported failing: invalid_key on configuration version");
        assertThat(run.getString("waves[0].runtimes[0].confirmState")).isEqualTo("failing");
        assertThat(Rows.column(db, "SELECT fail_code FROM restart_runs WHERE id = ?", runId))
                .as("the key is blamed, not the target").containsExactly("invalid_key");
        assertThat(fleet.key(names.get(0))).as("the canary back on the good key").isEqualTo(good);
        assertThat(fleet.key(names.get(3))).as("the last wave never reached").isEqualTo(good);
    }

    /**
     * Breaker of issue 19/core, fault 1: a model-only save (the key unchanged) whose canary reports {@code failing}
     * with {@code http:404} (the provider has no such model) is rolled back, and the rollback's live check of the key
     * the change kept is ok; the alert said "enter a working key" all the same. It names the change instead.
     */
    @Test
    void aModelOnlySaveWhoseCanaryFindsNoSuchModelIsRolledBackWithoutBlamingTheKeyItKept() throws Exception {
        List<String> names = fourRuntimes();
        String good = everywhereCallingTheirModel();
        long previous = api.llmVersion();

        long runId = api.saveLlmModel("gpt-missing-" + tag).then().statusCode(200).extract().jsonPath()
                .getLong("restartRun");
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        String reason = "wave 1 (canary): " + names.get(0) + ": reported failing: http:404 on configuration version "
                + run.getLong("waves[0].runtimes[0].envVersion") + "; restored: the key, which this change kept"
                + " (version " + previous + " has the same), checked: ok (HTTP 200); version " + previous
                + " restored as version " + (previous + 2) + " (back: Model)";
        assertThat(run.getString("reason")).isEqualTo(reason);
        assertThat(Rows.column(db, "SELECT fail_code FROM restart_runs WHERE id = ?", runId))
                .containsExactly("http:404");
        String alert = LLM + " rollout (run " + runId + "): " + reason + "; rolled back — the key checks ok; check"
                + " the change (Model) before making it again";
        assertThat(alert()).isEqualTo(alert);
        assertThat(adminPage("/admin/settings/llm")).contains(alert).doesNotContain("working key");
        assertThat(fleet.key(names.get(0))).as("the canary back on the key it kept").isEqualTo(good);
        // breaker J: the rollback's row says what came back — the configuration, the key was never changed
        assertThat(adminPage("/admin/restarts/" + runId)).contains("Restarted back onto the previous configuration")
                .doesNotContain("back onto the previous key");
    }

    /**
     * The same breaker when nothing can be rolled back: a key and model save whose canary reports {@code http:404},
     * the previous key revoked since. The halt blamed both keys ("the new key and the previous key both fail:
     * http:404 / invalid_key — enter a working key") in the run's reason, its log line and its webhook; the new key
     * was never refused. The reason says the previous key fails and the new one stays, the alert names the change.
     */
    @Test
    void aHaltAfterAModelNotFoundDoesNotSayTheNewKeyFailsInTheReasonTheLogOrTheWebhook() throws Exception {
        List<String> names = fourRuntimes();
        provider.key(everywhereCallingTheirModel(), Scenario.REVOKED);

        try (AlertReceiver receiver = new AlertReceiver(Profiles.Rollouts.ALERTS_PORT);
                dev.keyhouse.auth.LogCapture log = dev.keyhouse.auth.LogCapture.installFirst()) {
            long runId = api.saveLlm(Map.of("provider", "openai", "model", "gpt-missing-" + tag, "baseUrl",
                    provider.baseUrl(), "apiKey", provider.key(Scenario.GOOD))).then().statusCode(200).extract()
                    .jsonPath().getLong("restartRun");
            JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

            assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("halted");
            String reason = "wave 1 (canary): " + names.get(0) + ": reported failing: http:404 on configuration version "
                    + run.getLong("waves[0].runtimes[0].envVersion") + "; nothing rolled back: the previous key fails"
                    + " its check (invalid_key), so the new key stays";
            assertThat(run.getString("reason")).isEqualTo(reason);
            // the save changed the key and the model; halted, nothing came back, so the save's own fields name the
            // change (issue 19, low: "(model, URL)" after a model-only change), the key not the suspect of a 404
            assertThat(alert()).isEqualTo(LLM + " rollout (run " + runId + "): " + reason + "; halted — http:404 is"
                    + " not a key refusal; correct the change (Model) and save it again");
            AlertReceiver.Received event = receiver.next(10);
            while (event != null && !event.text().contains("\"run\":" + runId + ",")) {
                event = receiver.next(10); // an earlier test's alert, still being retried
            }
            assertThat(event).as("the webhook of run " + runId).isNotNull();
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(event.body()).get("reason")
                    .asText()).isEqualTo(reason);
            assertThat(log.text().lines()).contains("dev.keyhouse.runtimes.RolloutAlerts ERROR rollout of run " + runId
                    + " (llm version " + run.getLong("settingsVersion") + ") halted: " + reason);
        }
    }

    /**
     * The fleet's runtimes call the model they are given ({@link Fleet#callsItsModel}) from now on, and a good key is
     * rolled out to every one of them; returns that key.
     */
    private String everywhereCallingTheirModel() throws Exception {
        fleet.callsItsModel();
        String key = provider.key(Scenario.GOOD);
        assertThat(api.awaitRun(save(key), RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        return key;
    }

    /**
     * Breaker i20 (1): a model-only save's run page said "every runtime runs the new key" though the key stayed. The
     * run says what it moved its runtimes onto: the new key only when a key changed, else the configuration and what
     * changed in it.
     */
    @Test
    void aRunPageSaysTheNewKeyOnlyWhenTheSaveChangedTheKey() throws Exception {
        fourRuntimes();
        assertThat(api.awaitRun(save(provider.key(Scenario.GOOD)), RUN_TIMEOUT).getString("outcome"))
                .isEqualTo("succeeded");
        long keyRun = save(provider.key(Scenario.GOOD));
        assertThat(api.awaitRun(keyRun, RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        assertThat(adminPage("/admin/restarts/" + keyRun))
                .contains("Every wave was confirmed: every runtime runs the new key.");

        long modelRun = api.saveLlmModel("gpt-other-" + tag).then().statusCode(200).extract().jsonPath()
                .getLong("restartRun");
        JsonPath run = api.awaitRun(modelRun, RUN_TIMEOUT);
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("succeeded");
        assertThat(adminPage("/admin/restarts/" + modelRun))
                .contains("Every wave was confirmed: every runtime runs the new configuration (model changed).")
                .doesNotContain("new key");
    }

    /** The text of the LLM's rollout alert (the banner of the Settings, LLM and Runtimes pages). */
    private String alert() {
        return news.alerts().stream().filter(a -> a.kind().equals("llm"))
                .map(dev.keyhouse.settings.RolloutNews.Alert::text).findFirst().orElseThrow();
    }

    private static String adminPage(String path) {
        return io.restassured.RestAssured.given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE,
                dev.keyhouse.auth.Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                        dev.keyhouse.TestSettings.ADMIN_PASSWORD)).get(path).then().statusCode(200).extract()
                .asString();
    }

    /** Every one of {@code names}' targets confirms by {@code mode}. */
    /**
     * A canary {@code a-canary-<tag>} and {@code b-<tag>}, command targets of {@link #fleet} depending on {@code kinds},
     * confirming by report; returns their names.
     */
    private List<String> canaryAndOne(List<String> kinds) {
        List<String> two = List.of("a-canary-" + tag, "b-" + tag);
        for (String name : two) {
            api.command(name, kinds, fleet.command(name), fleet.environmentFile(name).toString(), "report");
            fleet.watch(name);
        }
        Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name = ?", two.get(0));
        return two;
    }

    /** Saves the stt setting (soniox, a loopback URL nothing answers: the check warns) with model {@code model}. */
    private JsonPath putStt(String model) {
        long version = io.restassured.RestAssured.given().auth().oauth2(api.admin()).get("/api/v1/settings/stt").then()
                .statusCode(200).extract().jsonPath().getLong("version");
        io.restassured.response.Response saved = io.restassured.RestAssured.given().auth().oauth2(api.admin())
                .contentType(io.restassured.http.ContentType.JSON).header("If-Match", "\"" + version + "\"")
                .body(Map.of("provider", "soniox", "model", model, "baseUrl", "http://127.0.0.1:9", "apiKey",
                        "soniox-conc-" + tag))
                .put("/api/v1/settings/stt");
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
        return saved.jsonPath();
    }

    private void confirmBy(String mode, List<String> names) {
        Rows.update(db, "UPDATE runtime_targets SET confirmation = ? WHERE name = ANY(?)", mode,
                names.toArray(String[]::new));
    }

    private static String bearer(String authorization) {
        return authorization == null || !authorization.startsWith("Bearer ") ? null : authorization.substring(7);
    }
}
