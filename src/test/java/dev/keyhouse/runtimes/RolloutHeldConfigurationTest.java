package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.settings.ProviderEntriesTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Issue 19 (h19h point 1): a runtime a rollout holds back gets the kind's whole previous configuration, its primary
 * AND its fallbacks as they were, never the old primary with the new fallback list. STT primary soniox, fallbacks
 * deepgram and custom; two command targets depending on stt (the first the canary, both confirmation none), under
 * manual approval, so the rollout stops after the canary with the other runtime waiting: the waiting runtime's
 * {@code ?format=env} answer is byte for byte the one before the change, the canary's the new one, and after the
 * rollout both are the new one. The same for a fallback's change (an added fallback) and a make-primary that
 * supersedes its rollout.
 */
@QuarkusTest
@TestProfile(Profiles.RolloutControls.class)
class RolloutHeldConfigurationTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);
    private static final String STT = "/api/v1/settings/stt/providers";

    @Inject
    DataSource db;
    @Inject
    Rollouts rollouts;

    private RuntimeApi api;
    private String tag;
    private String canary;
    private String behind;
    /** The deepgram fallback setUp adds (position 1, version 1). */
    private long deepgram;

    @BeforeEach
    void setUp() {
        api = new RuntimeApi();
        tag = UUID.randomUUID().toString().substring(0, 8);
        ProviderEntriesTest.removeFallbacks(db);
        Response primary = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .header("If-Match", "\"" + sttVersion() + "\"").body(Map.of("provider", "soniox", "model",
                        "stt-rt-preview", "baseUrl", "http://127.0.0.1:9", "apiKey", "soniox-held-" + tag + "-a1"))
                .put("/api/v1/settings/stt");
        assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(200);
        deepgram = addFallback(Map.of("provider", "deepgram", "model", "nova-3", "baseUrl", "http://127.0.0.1:9",
                "apiKey", "deepgram-held-" + tag + "-b2"));
    }

    @AfterEach
    void tearDown() {
        Rows.update(db, "UPDATE restart_runs SET state = 'aborted', finished_at = now() WHERE kind IN ('stt', 'llm',"
                + " 'livekit') AND state IN ('running', 'waiting_approval', 'rolling_back')");
        api.deleteCreated();
        ProviderEntriesTest.removeFallbacks(db);
    }

    @Test
    void aMakePrimaryHoldsTheRuntimesNotMovedYetAtTheWholePreviousConfiguration() throws Exception {
        long custom = addFallback(customFallback());
        targets();
        String before = env(behind);
        assertThat(env(canary)).isEqualTo(before);
        assertThat(before).contains("STT_PROVIDER=soniox\n", "STT_PROVIDERS=soniox,deepgram,custom\n",
                "STT_CUSTOM_API_KEY=custom-held-" + tag + "-c3\n");

        long run = makePrimary(custom);
        awaitOutcome(run, "waiting_approval");

        String now = env(null);
        assertThat(now).contains("STT_PROVIDER=custom\n", "STT_PROVIDERS=custom,deepgram,soniox\n");
        assertThat(env(behind)).as("held back: the whole previous stt configuration, byte for byte")
                .isEqualTo(before);
        assertThat(env(canary)).as("the canary moved: the new one").isEqualTo(now);

        rollouts.approve(run, "admin@keyhouse.test");
        assertThat(api.awaitRun(run, RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        assertThat(env(behind)).isEqualTo(now);
        assertThat(env(canary)).isEqualTo(now);
    }

    @Test
    void anAddedFallbackAndAMakePrimarySupersedingItsRolloutHoldThePreviousConfigurationToo() throws Exception {
        targets();
        String before = env(behind);
        assertThat(before).contains("STT_PROVIDERS=soniox,deepgram\n").doesNotContain("STT_CUSTOM_API_KEY");

        Response added = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body(customFallback())
                .post(STT);
        assertThat(added.statusCode()).as(added.asString()).isEqualTo(201);
        long custom = added.jsonPath().getLong("id");
        long first = added.jsonPath().getLong("restartRun");
        awaitOutcome(first, "waiting_approval");
        String added1 = env(null);
        assertThat(added1).contains("STT_PROVIDERS=soniox,deepgram,custom\n");
        assertThat(env(behind)).as("a fallback's change holds it back as well").isEqualTo(before);
        assertThat(env(canary)).isEqualTo(added1);

        // the make-primary supersedes that rollout: the runtime it never moved stays on what it ran before both
        long second = makePrimary(custom);
        assertThat(second).isNotEqualTo(first);
        awaitOutcome(second, "waiting_approval");
        String now = env(null);
        assertThat(now).contains("STT_PROVIDER=custom\n", "STT_PROVIDERS=custom,deepgram,soniox\n");
        assertThat(env(behind)).isEqualTo(before);
        assertThat(env(canary)).isEqualTo(now);

        rollouts.approve(second, "admin@keyhouse.test");
        assertThat(api.awaitRun(second, RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        assertThat(env(behind)).isEqualTo(now);
        assertThat(env(canary)).isEqualTo(now);
    }

    /**
     * Issue 19 (h19l point 1): a save of the llm primary that changes only its model (no key typed) is rolled out as a
     * key is: the canary is served the new model at once, the runtime its wave has not reached the old one, byte for
     * byte, until the rollout moves it.
     */
    @Test
    void aModelOnlySaveOfThePrimaryRollsOutCanaryFirst() throws Exception {
        Map<String, Object> llm = Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl",
                "http://127.0.0.1:9", "apiKey", "sk-held-" + tag + "-d4");
        put("llm", llm);
        targets("llm");
        String before = env(behind);
        assertThat(before).contains("LLM_MODEL=gpt-4o-mini\n");

        Map<String, Object> modelOnly = new java.util.HashMap<>(llm);
        modelOnly.remove("apiKey");
        modelOnly.put("model", "gpt-4.1");
        assertRolledOutCanaryFirst(put("llm", modelOnly), before, "LLM_MODEL=gpt-4.1\n");
    }

    /**
     * Issue 19 (h19A): a run that is not the rollout restarts a runtime the rollout holds onto what runtime-config
     * serves it by name: the kind's held configuration and the new shared secret, never the rollout's change ahead of
     * its wave, and its result's version is the one served, so its fetch confirms it. A shared secret's run (its new
     * value generated) and a "Restart now", each while the rollout of an llm model waits after its canary.
     */
    @Test
    void aRunThatIsNotTheRolloutRestartsAHeldRuntimeOntoItsHeldConfiguration() throws Exception {
        put("llm", Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl", "http://127.0.0.1:9", "apiKey",
                "sk-held-" + tag + "-e5"));
        Path dir = Files.createTempDirectory("keyhouse-held-run");
        canary = "a-canary-held-" + tag;
        behind = "b-held-" + tag;
        api.command(canary, List.of("llm"), "true", dir.resolve(canary + ".env").toString(), Confirmations.NONE);
        Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name = ?", canary);
        Path file = dir.resolve(behind + ".env");
        long held = api.command(behind, List.of("llm"), "true", file.toString(), Confirmations.FETCH);
        String variable = "HELD_SHARED_" + tag.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        JsonPath secret = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "held-" + tag, "variable", variable, "targets", List.of(held)))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath();
        long secretId = secret.getLong("id");
        try {
            if (secret.get("restartRun") != null) {
                api.awaitRun(secret.getLong("restartRun"), RUN_TIMEOUT);
            }
            String before = env(behind);
            assertThat(before).contains("LLM_MODEL=gpt-4o-mini\n", variable + "=");

            long rollout = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl",
                    "http://127.0.0.1:9")).getLong("restartRun");
            awaitOutcome(rollout, "waiting_approval");
            assertThat(env(null)).contains("LLM_MODEL=gpt-4.1\n");
            assertThat(env(behind)).as("held").contains("LLM_MODEL=gpt-4o-mini\n");

            // (1) a new shared-secret value: its run restarts the held runtime
            String etag = given().auth().oauth2(api.admin()).get("/api/v1/shared-secrets/" + secretId).header("ETag");
            long generated = given().auth().oauth2(api.admin()).header("If-Match", etag)
                    .post("/api/v1/shared-secrets/" + secretId + "/generate").then().statusCode(200).extract()
                    .jsonPath().getLong("restartRun");
            String servedAfterGenerate = assertRestartedOntoServed(generated, file, variable, before);

            // (2) Restart now of it, the rollout still waiting
            long restartNow = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                    .post("/api/v1/runtimes/" + held + "/restart").then().statusCode(202).extract().jsonPath()
                    .getLong("id");
            assertThat(assertRestartedOntoServed(restartNow, file, variable, before)).isEqualTo(servedAfterGenerate);
            assertThat(api.run(rollout).getString("outcome")).as("the rollout still waits").isEqualTo(
                    "waiting_approval");
        } finally {
            api.deleteSharedSecret(secretId);
        }
    }

    /**
     * Awaits run {@code run} and asserts that it wrote {@code file} with what runtime-config serves {@link #behind}
     * by name, line for line (the held llm model, the shared secret's new value), that its result's version is the
     * served one, and that the runtime's fetch confirms it; returns the served env answer.
     */
    private String assertRestartedOntoServed(long run, Path file, String variable, String before) throws Exception {
        JsonPath finished = api.awaitRun(run, RUN_TIMEOUT);
        assertThat(finished.getString("results[0].state")).as(finished.prettify()).isEqualTo("restarted");
        String served = env(behind);
        assertThat(served).contains("LLM_MODEL=gpt-4o-mini\n").doesNotContain("gpt-4.1");
        String sharedLine = served.lines().filter(l -> l.startsWith(variable + "=")).findFirst().orElseThrow();
        assertThat(before).doesNotContain(sharedLine);
        String written = Files.readString(file);
        assertThat(variableLines(written)).as("the file is what runtime-config serves it by name")
                .isEqualTo(variableLines(served));
        // a held configuration is named as its ETag names it: its bare number another configuration's can equal
        String etag = fetch(behind).header("ETag").replace("\"", "");
        String configuration = etag.replaceFirst("-s[0-9a-f]+$", "");
        assertThat(configuration).as(etag).isEqualTo(configurationVersion(served) + "-h"
                + configuration.substring(configuration.indexOf("-h") + 2)).matches("[0-9]+-h[0-9a-f]{8}");
        assertThat(written).contains("configuration version " + configuration + ". Do not edit")
                .doesNotContain("gpt-4.1");
        assertThat(finished.getLong("results[0].envVersion")).isEqualTo(configurationVersion(served));
        api.awaitRunState(run, "results[0].confirmed", "true");
        return served;
    }

    /**
     * b19 A: two kinds' rollouts overlap on a target depending on both. The stt rollout waits after its canary, holding
     * the target at the previous stt; the llm rollout that follows restarts it (onto the current configuration, as
     * every rollout restart writes), and runtime-config serves it by name the held configuration: the new llm model,
     * the previous stt one. Its ok report on that held configuration's version confirms the llm change, since what
     * Keyhouse served it (its fetch, held back on stt alone) carries llm current: the llm rollout succeeds, nothing
     * is rolled back, and the run page and the runtimes list say on which configuration it confirmed.
     */
    @Test
    void aReportOnAHeldConfigurationCarryingTheChangeConfirmsTheRolloutOfAnotherKind() throws Exception {
        canaryAndBehind("both", "f6", "stt", List.of("llm", "stt"), Confirmations.REPORT);
        assertThat(env(behind)).contains("STT_MODEL=stt-rt-preview\n", "LLM_MODEL=gpt-4o-mini\n");

        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        awaitOutcome(stt, "waiting_approval");
        assertThat(env(behind)).as("held at the previous stt").contains("STT_MODEL=stt-rt-preview\n");

        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        String result = "results.find { it.target == '" + behind + "' }.";
        api.awaitRunState(llm, result + "state", "restarted");
        Response fetched = fetch(behind);
        String served = fetched.asString();
        assertThat(served).as("the llm change, the stt one still held")
                .contains("LLM_MODEL=gpt-4.1\n", "STT_MODEL=stt-rt-preview\n");
        long version = configurationVersion(served);
        String held = version + "-h";
        assertThat(fetched.header("ETag")).startsWith("\"" + held);
        assertThat(api.run(llm).getLong(result + "envVersion")).as("restarted onto the current configuration")
                .isEqualTo(configurationVersion(env(null))).isGreaterThan(version);

        reportOk(behind, version);
        api.awaitRunState(llm, result + "confirmed", "true");
        JsonPath finished = api.awaitRun(llm, RUN_TIMEOUT);
        assertThat(finished.getString("outcome")).as(finished.prettify()).isEqualTo("succeeded");
        assertThat(finished.getString(result + "confirmDetail")).startsWith("reported ok on held configuration "
                + held).contains("(stt held back by another rollout; this change in it)");
        assertThat(finished.getString(result + "ackHeld")).startsWith("held configuration " + held);
        assertThat(env(null)).as("nothing rolled back").contains("LLM_MODEL=gpt-4.1\n");
        assertThat(runPage(llm)).contains("reported ok on held configuration " + held);
        assertThat(page("/admin/runtimes")).contains("1 of 1 confirmed (" + behind + " on held configuration " + held);
        assertThat(api.run(stt).getString("outcome")).as("the stt rollout still waits").isEqualTo(
                "waiting_approval");
    }

    /**
     * b19 A, the other side: a signal on a configuration without the row's change never confirms it. Another open
     * llm rollout (made up in the rows, as no save leaves two open) holds the runtime at the previous llm version,
     * so runtime-config serves it a held configuration lacking this llm change; its ok report on that version (and
     * its fetch) confirm nothing, and the row is unconfirmed when its time runs out.
     */
    @Test
    void aSignalOnAHeldConfigurationWithoutTheChangeNeverConfirmsIt() throws Exception {
        canaryAndBehind("without", "g7", "llm", List.of("llm"), Confirmations.REPORT);
        long before = api.llmVersion();

        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        awaitOutcome(llm, "waiting_approval");
        long other = Long.parseLong(Rows.column(db, "INSERT INTO restart_runs (state, cause, kind, settings_version,"
                + " created_by, rollout, current_wave, wave_count, previous_version, held_version) VALUES"
                + " ('waiting_approval', 'save', 'llm', ?, 'held-test', true, 1, 2, ?, ?) RETURNING id", before,
                before, before).get(0));
        Rows.update(db, "INSERT INTO restart_results (run_id, target_name, driver, runtime, state, wave) VALUES (?, ?,"
                + " 'command', ?, 'waiting', 2)", other, behind, behind);

        rollouts.approve(llm, "admin@keyhouse.test");
        String result = "results.find { it.target == '" + behind + "' }.";
        api.awaitRunState(llm, result + "state", "restarted");
        Response fetched = fetch(behind);
        String served = fetched.asString();
        assertThat(served).as("llm held back by the other rollout").contains("LLM_MODEL=gpt-4o-mini\n")
                .doesNotContain("gpt-4.1");
        long version = configurationVersion(served);
        assertThat(fetched.header("ETag")).startsWith("\"" + version + "-h");
        reportOk(behind, version);

        String row = "SELECT coalesce(confirm_state, '') || ': ' || coalesce(confirm_detail, '') FROM restart_results"
                + " WHERE run_id = ? AND runtime = ? ORDER BY id LIMIT 1";
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (Rows.column(db, row, llm, behind).get(0).startsWith(": ") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(Rows.column(db, row, llm, behind).get(0)).as("its report and fetch lack this change")
                .isEqualTo("unconfirmed: not confirmed (report) within 20 s (ROLLOUT_CONFIRM_TIMEOUT_SECONDS)");
        JsonPath run = api.run(llm);
        assertThat(run.getBoolean(result + "confirmed")).isFalse();
        assertThat(run.getString(result + "ackHeld")).isNull();
        assertThat(runPage(llm)).doesNotContain("on held configuration");
    }

    /**
     * Breaker b9 H1: a rollout of one kind restarts a target depending on two onto the current configuration, which
     * carries the other kind's change its own rollout has not brought there yet. When that other rollout is rolled
     * back, the target is restarted back too (its environment file ends on the restored stt and the llm change kept),
     * its row naming the run that gave it the change; a target that depends on llm alone, restarted by the same llm
     * run, is not.
     */
    @Test
    void aRollbackRestartsBackATargetAnotherKindsRolloutRestartedOntoItsChange() throws Exception {
        Path dir = canaryAndBehind("carried", "h8", "stt", List.of("llm", "stt"), Confirmations.NONE);
        Path file = dir.resolve(behind + ".env");
        String llmOnly = "c-llm-only-" + tag;
        api.command(llmOnly, List.of("llm"), "true", dir.resolve(llmOnly + ".env").toString(), Confirmations.NONE);
        // b11 N3: a command target without an environment file: its runtime fetches by name (the held stt)
        String fetching = "d-fetching-" + tag;
        api.command(fetching, List.of("llm", "stt"), "true", null, Confirmations.NONE);

        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        awaitOutcome(stt, "waiting_approval");
        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        // three targets: manual approval after the llm canary wave
        awaitOutcome(llm, "waiting_approval");
        rollouts.approve(llm, "admin@keyhouse.test");
        JsonPath rolledOut = api.awaitRun(llm, RUN_TIMEOUT);
        assertThat(rolledOut.getString("state")).as(rolledOut.prettify()).isEqualTo("succeeded");
        assertThat(Files.readString(file)).as("the llm rollout wrote the current configuration: the stt change too")
                .contains("STT_MODEL=stt-async-preview", "LLM_MODEL=gpt-4.1");
        long llmOnlyRestarts = restartsOf(llmOnly);
        long fetchingRestarts = restartsOf(fetching);
        assertThat(rolledOut.getList("results.findAll { it.target == '" + fetching + "' }")).as("restarted by llm")
                .isNotEmpty();

        rollouts.abort(stt, "admin@keyhouse.test");
        JsonPath aborted = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(aborted.getString("state")).as(aborted.prettify()).isEqualTo("aborted");
        int rollbackWave = aborted.getInt("waves.find { it.kind == 'rollback' }.number");
        String back = "results.find { it.target == '" + behind + "' && it.wave == " + rollbackWave + " }.";
        assertThat(aborted.getString(back + "state")).as(aborted.prettify()).isEqualTo("restarted");
        assertThat(aborted.getString(back + "confirmDetail")).contains("(run " + llm
                + " restarted it onto the change since it was saved)");
        assertThat(aborted.getString("waves.find { it.kind == 'rollback' }.decision"))
                .contains("back that another run restarted onto the change: " + behind + " (run " + llm + ")");
        assertThat(Files.readString(file)).as("restarted back: the stt restored, the llm change kept")
                .contains("STT_MODEL=stt-rt-preview", "LLM_MODEL=gpt-4.1").doesNotContain("stt-async-preview");
        assertThat(restartsOf(llmOnly)).as("a target of llm alone carries no stt change").isEqualTo(llmOnlyRestarts);
        assertThat(aborted.getList("results.findAll { it.target == '" + llmOnly + "' }")).isEmpty();
        assertThat(aborted.getList("results.findAll { it.target == '" + fetching + "' && it.wave == " + rollbackWave
                + " }")).as("its restart wrote nothing: it fetched the held stt").isEmpty();
        assertThat(restartsOf(fetching)).isEqualTo(fetchingRestarts);
        // b10 M2: its own row (its wave never came) counts as restarted back, never as not reached
        String own = "results.find { it.target == '" + behind + "' && it.wave < " + rollbackWave + " }.";
        assertThat(aborted.getString(own + "state")).isEqualTo("cancelled");
        assertThat(aborted.getString(own + "status")).isEqualTo("rolled back");
        assertThat(aborted.getLong(own + "changedBy")).isEqualTo(llm);
        assertThat(aborted.getList("tally.rolledBack", String.class)).contains(behind);
        assertThat(aborted.getList("convergence.rolledBack", String.class)).contains(behind);
        assertThat(aborted.getList("tally.notReached", String.class)).doesNotContain(behind);
        assertThat(aborted.getList("tally.leftOutNames", String.class)).doesNotContain(behind);
        assertThat(runPage(stt)).contains("not restarted: its wave never came; run " + llm + " gave it the change,"
                + " restarted back in the rollback")
                .contains("1 not reached (the rollout was aborted before their wave): " + fetching + ", rolled back");
        assertThat(aborted.getList("tally.notReached", String.class)).as("never restarted by anyone")
                .contains(fetching);
    }

    /**
     * Breaker b10 M2: a rolled-back run whose rollback restart of a runtime another run gave the change failed says
     * so, and never that the runtime was never touched: the run page's headline, its row, the API's tally; and the
     * runtimes list's "latest run" of that target is the rollback's failed restart, though an older run's (M1).
     */
    @Test
    void aFailedRollbackRestartOfARuntimeAnotherRunGaveTheChangeIsNeverCalledNeverTouched() throws Exception {
        // once the marker exists its restart fails: the rollback cannot restart it back
        Path marker = Files.createTempDirectory("keyhouse-held-marker").resolve("fail-now");
        canaryAndBehind("told", "j1", "stt", Confirmations.REPORT, List.of("llm", "stt"),
                "test ! -e '" + marker + "'", Confirmations.NONE);
        long target = Long.parseLong(Rows.column(db, "SELECT id FROM runtime_targets WHERE name = ?", behind).get(0));

        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        String canaryRow = "results.find { it.target == '" + canary + "' }.";
        api.awaitRunState(stt, canaryRow + "state", "restarted");
        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        JsonPath rolledOut = api.awaitRun(llm, RUN_TIMEOUT);
        assertThat(rolledOut.getString("state")).as(rolledOut.prettify()).isEqualTo("succeeded");
        Files.writeString(marker, "");
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", canary)
                .contentType(ContentType.JSON).body(Map.of("version", api.run(stt).getLong(canaryRow + "envVersion"),
                        "status", "failing", "detail", "invalid_key"))
                .post("/api/v1/internal/runtime-status").then().statusCode(204);

        JsonPath rolledBack = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(rolledBack.getString("state")).as(rolledBack.prettify()).isEqualTo("rolled_back");
        int rollbackWave = rolledBack.getInt("waves.find { it.kind == 'rollback' }.number");
        String back = "results.find { it.target == '" + behind + "' && it.wave == " + rollbackWave + " }.";
        assertThat(rolledBack.getString(back + "state")).as(rolledBack.prettify()).isEqualTo("failed");
        String own = "results.find { it.target == '" + behind + "' && it.wave < " + rollbackWave + " }.";
        assertThat(rolledBack.getString(own + "status")).isEqualTo("rollback restart failed");
        assertThat(rolledBack.getList("tally.backFailed", String.class)).containsExactly(behind);
        assertThat(rolledBack.getList("tally.notReached", String.class)).doesNotContain(behind);
        assertThat(rolledBack.getList("tally.leftOutNames", String.class)).doesNotContain(behind);
        String page = runPage(stt);
        assertThat(page).contains("The rollback restart of " + behind + " failed",
                "run " + llm + " gave it the change, its rollback restart failed: it may still run the change")
                .doesNotContain("Never touched").doesNotContain("not reached");

        // M1: the target's latest run is the one whose restart of it began last, the stt run's rollback
        String latest = "href=\"/admin/restarts/" + stt + "\">rollout " + stt + "</a>";
        assertThat(page("/admin/runtimes/" + target)).contains(latest, "rollback restart failed: " + behind
                + " (may still run the change)");
        assertThat(page("/admin/runtimes")).contains(latest);
    }

    /**
     * Breaker b12 (b11 N5): a runtime its own wave restarted whose rollback restart failed is counted so in every
     * summary — the API tally's {@code backFailed}, its row's status — never as restarted and not yet confirmed, as
     * the run page's "The rollback restart of … failed" says.
     */
    @Test
    void aRuntimeItsWaveRestartedWhoseRollbackRestartFailedIsCountedSo() throws Exception {
        Path marker = Files.createTempDirectory("keyhouse-held-marker").resolve("fail-now");
        canaryAndBehind("backfail", "k5", "stt", Confirmations.REPORT, List.of("stt"), "true", Confirmations.NONE);
        Rows.update(db, "UPDATE runtime_targets SET config = jsonb_set(config, '{command}', to_jsonb(?::text))"
                + " WHERE name = ?", "test ! -e '" + marker + "'", canary);
        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        String canaryRow = "results.find { it.target == '" + canary + "' && it.wave == 1 }.";
        api.awaitRunState(stt, canaryRow + "state", "restarted");
        Files.writeString(marker, "");
        report(canary, api.run(stt).getLong(canaryRow + "envVersion"), "invalid_key", null);

        JsonPath rolledBack = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(rolledBack.getString("state")).as(rolledBack.prettify()).isEqualTo("rolled_back");
        int rollbackWave = rolledBack.getInt("waves.find { it.kind == 'rollback' }.number");
        assertThat(rolledBack.getString("results.find { it.target == '" + canary + "' && it.wave == " + rollbackWave
                + " }.state")).as(rolledBack.prettify()).isEqualTo("failed");
        assertThat(rolledBack.getString(canaryRow + "status")).isEqualTo("rollback restart failed");
        assertThat(rolledBack.getList("tally.backFailed", String.class)).containsExactly(canary);
        assertThat(rolledBack.getList("tally.notConfirmed", String.class)).doesNotContain(canary);
        assertThat(rolledBack.getList("tally.rolledBack", String.class)).doesNotContain(canary);
        assertThat(runPage(stt)).contains("The rollback restart of " + canary + " failed");
    }

    /**
     * Breaker b10 low 2, the other side of b9 H1: a runtime the llm rollout restarted onto the stt change, then
     * restarted by "Restart now" onto what it is served by name (the stt rollout still holds it: the previous stt), is
     * on the held configuration again: the stt rollout's rollback leaves it alone.
     */
    @Test
    void aRollbackLeavesAloneARuntimeRestartedOntoItsHeldConfigurationSinceAnotherRunGaveItTheChange()
            throws Exception {
        Path file = canaryAndBehind("reheld", "i9", "stt", List.of("llm", "stt"), Confirmations.NONE)
                .resolve(behind + ".env");
        long behindId = Long.parseLong(Rows.column(db, "SELECT id FROM runtime_targets WHERE name = ?", behind)
                .get(0));
        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        awaitOutcome(stt, "waiting_approval");
        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        api.awaitRun(llm, RUN_TIMEOUT);
        assertThat(Files.readString(file)).contains("STT_MODEL=stt-async-preview");
        long restartNow = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + behindId + "/restart").then().statusCode(202).extract().jsonPath()
                .getLong("id");
        api.awaitRun(restartNow, RUN_TIMEOUT);
        assertThat(Files.readString(file)).as("restarted onto the held configuration")
                .contains("STT_MODEL=stt-rt-preview", "LLM_MODEL=gpt-4.1").doesNotContain("stt-async-preview");
        long restarts = restartsOf(behind);

        rollouts.abort(stt, "admin@keyhouse.test");
        JsonPath aborted = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(aborted.getString("state")).as(aborted.prettify()).isEqualTo("aborted");
        int rollbackWave = aborted.getInt("waves.find { it.kind == 'rollback' }.number");
        assertThat(aborted.getList("results.findAll { it.target == '" + behind + "' && it.wave == " + rollbackWave
                + " }")).as(aborted.prettify()).isEmpty();
        assertThat(restartsOf(behind)).isEqualTo(restarts);
        assertThat(Files.readString(file)).contains("STT_MODEL=stt-rt-preview", "LLM_MODEL=gpt-4.1");
    }

    /**
     * Breaker b10 M3: an llm model change's rollout restarts a runtime of llm and stt onto the stt change saved just
     * before (the stt rollout's canary not confirmed yet, this runtime in its second wave); the runtime reports failing
     * naming stt as the kind whose provider call failed. The stt rollout fails on it and rolls back (its rollback
     * restarts the runtime back onto the previous stt, the llm change kept); the llm rollout is not blamed, and
     * succeeds once the runtime reports ok on what that restart wrote.
     */
    @Test
    void aFailingReportNamingAKindFailsThatKindsRolloutNotTheOneWhoseRestartCarriedIt() throws Exception {
        Path file = canaryAndBehind("named", "k1", "stt", Confirmations.REPORT, List.of("llm", "stt"), "true",
                Confirmations.REPORT).resolve(behind + ".env");
        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        // the stt canary waits for its report (never sent here): the stt rollout stays in its canary wave
        api.awaitRunState(stt, "results.find { it.target == '" + canary + "' }.state", "restarted");
        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        String row = "results.find { it.target == '" + behind + "' }.";
        api.awaitRunState(llm, row + "state", "restarted");
        assertThat(Files.readString(file)).as("the llm rollout wrote the stt change too")
                .contains("STT_MODEL=stt-async-preview", "LLM_MODEL=gpt-4.1");
        long version = api.run(llm).getLong(row + "envVersion");
        report(behind, version, "invalid_key", "stt");

        JsonPath rolledBack = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(rolledBack.getString("state")).as(rolledBack.prettify()).isEqualTo("rolled_back");
        assertThat(rolledBack.getString("reason")).contains(behind + ", which run " + llm + " restarted onto this"
                + " change, reported failing: invalid_key (stt) on configuration version " + version);
        int rollbackWave = rolledBack.getInt("waves.find { it.kind == 'rollback' }.number");
        String back = "results.find { it.target == '" + behind + "' && it.wave == " + rollbackWave + " }.";
        assertThat(rolledBack.getString(back + "state")).as(rolledBack.prettify()).isEqualTo("restarted");
        assertThat(Files.readString(file)).as("restarted back: the stt restored, the llm change kept")
                .contains("STT_MODEL=stt-rt-preview", "LLM_MODEL=gpt-4.1");
        JsonPath meanwhile = api.run(llm);
        assertThat(meanwhile.getString("state")).as("not blamed for stt's key: " + meanwhile.prettify())
                .isEqualTo("running");
        assertThat(meanwhile.getString(row + "confirmState")).as("a report naming stt is not this run's")
                .isNull();

        reportOk(behind, rolledBack.getLong(back + "envVersion"));
        JsonPath done = api.awaitRun(llm, RUN_TIMEOUT);
        assertThat(done.getString("state")).as(done.prettify()).isEqualTo("succeeded");
        assertThat(done.getString(row + "confirmState")).isEqualTo("confirmed");
    }

    /**
     * Breaker b10 low 5: a target the rollout restarted, then deleted, and a new target made under its name that a
     * "Restart now" put onto the change: the rollback restarts the new target back, and the deleted target's row never
     * reads "rolled back" — it is counted with the deleted.
     */
    @Test
    void aDeletedTargetsRowIsNotRolledBackByTheRollbackOfANewTargetOfItsName() throws Exception {
        Path dir = canaryAndBehind("reborn", "k4", "llm", List.of("llm"), Confirmations.NONE);
        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        awaitOutcome(llm, "waiting_approval");
        long old = Long.parseLong(Rows.column(db, "SELECT id FROM runtime_targets WHERE name = ?", canary).get(0));
        given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + old).then().statusCode(204);
        long reborn = api.command(canary, List.of("llm"), "true", dir.resolve(canary + "-2.env").toString(),
                Confirmations.NONE);
        long restartNow = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + reborn + "/restart").then().statusCode(202).extract().jsonPath()
                .getLong("id");
        api.awaitRun(restartNow, RUN_TIMEOUT);

        rollouts.abort(llm, "admin@keyhouse.test");
        JsonPath aborted = api.awaitRun(llm, RUN_TIMEOUT);
        assertThat(aborted.getString("state")).as(aborted.prettify()).isEqualTo("aborted");
        int rollbackWave = aborted.getInt("waves.find { it.kind == 'rollback' }.number");
        assertThat(aborted.getString("results.find { it.target == '" + canary + "' && it.wave == " + rollbackWave
                + " }.state")).as("the new target, put onto the change by restart now, is restarted back")
                .isEqualTo("restarted");
        String own = "results.find { it.target == '" + canary + "' && it.wave == 1 }.";
        assertThat(aborted.getString(own + "status")).as(aborted.prettify()).isNotEqualTo("rolled back");
        assertThat(aborted.getList("tally.rolledBack", String.class)).doesNotContain(canary);
        assertThat(aborted.getList("tally.deleted", String.class)).contains(canary);
    }

    /**
     * The same with a report naming no kind: it cannot tell the two changes apart, so both rollouts fail on it — the
     * stt one too, though its own wave never restarted the runtime (fail closed: the stt change spreads no further),
     * and though it waits for an admin's approval after its canary (b11 N4: it still weighs what its change does).
     */
    @Test
    void aFailingReportNamingNoKindFailsEveryRolloutWhoseChangeTheRuntimeRuns() throws Exception {
        Path file = canaryAndBehind("unnamed", "k2", "stt", Confirmations.NONE, List.of("llm", "stt"), "true",
                Confirmations.REPORT).resolve(behind + ".env");
        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        awaitOutcome(stt, "waiting_approval");
        long llm = put("llm", Map.of("provider", "openai", "model", "gpt-4.1", "baseUrl", "http://127.0.0.1:9"))
                .getLong("restartRun");
        String row = "results.find { it.target == '" + behind + "' }.";
        api.awaitRunState(llm, row + "state", "restarted");
        long version = api.run(llm).getLong(row + "envVersion");
        report(behind, version, "invalid_key", null);

        JsonPath llmBack = api.awaitRun(llm, RUN_TIMEOUT);
        assertThat(llmBack.getString("state")).as(llmBack.prettify()).isEqualTo("rolled_back");
        assertThat(llmBack.getString("reason")).contains(behind + ": reported failing: invalid_key on configuration"
                + " version " + version);
        JsonPath sttBack = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(sttBack.getString("state")).as(sttBack.prettify()).isEqualTo("rolled_back");
        assertThat(sttBack.getString("reason")).contains(behind + ", which run " + llm + " restarted onto this"
                + " change, reported failing: invalid_key on configuration version " + version);
        assertThat(Files.readString(file)).as("both changes undone")
                .contains("STT_MODEL=stt-rt-preview", "LLM_MODEL=gpt-4o-mini");
    }

    /**
     * Runtime {@code runtime}'s failing report on configuration version {@code version}, naming {@code kind} (none
     * when null).
     */
    private static void report(String runtime, long version, String detail, String kind) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("version", version, "status", "failing", "detail",
                detail));
        if (kind != null) {
            body.put("kind", kind);
        }
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", runtime)
                .contentType(ContentType.JSON).body(body)
                .post("/api/v1/internal/runtime-status").then().statusCode(204);
    }

    /**
     * Breaker b11 N4: a paused rollout's gate weighs nothing, but no summary says confirmed beside a failing report.
     * The canary (confirmation report) fetched, then reported failing while the rollout was paused: the API's result
     * reads failing and its tally does not count it confirmed, the run page never says "confirmed 1 of 1", the
     * runtimes list says it is not weighed while paused; Resume rolls back at once.
     */
    @Test
    void aPausedRolloutsCanaryThatReportsFailingIsNeverCalledConfirmed() throws Exception {
        long stt = reportingCanaryRestarted("paused", "k2");
        String canaryRow = "results.find { it.target == '" + canary + "' }.";
        rollouts.pause(stt, "admin@keyhouse.test");
        long version = configurationVersion(fetch(canary).asString());
        assertThat(api.run(stt).getString(canaryRow + "status")).as("fetched, undecided").isEqualTo("fetched");
        assertThat(version).isGreaterThanOrEqualTo(api.run(stt).getLong(canaryRow + "envVersion"));
        reportFailing(canary, version);
        Thread.sleep(1500);

        JsonPath paused = api.run(stt);
        assertThat(paused.getString("outcome")).as(paused.prettify()).isEqualTo("paused");
        assertThat(paused.getString(canaryRow + "confirmState")).as(paused.prettify()).isEqualTo("failing");
        assertThat(paused.getString(canaryRow + "status")).isEqualTo("failing");
        assertThat(paused.getBoolean(canaryRow + "confirmed")).isFalse();
        assertThat(paused.getString(canaryRow + "confirmDetail")).contains("reported failing: invalid_key",
                "not weighed while the rollout is paused");
        assertThat(paused.getInt("tally.confirmed")).as("never counted confirmed").isZero();
        assertThat(paused.getList("tally.notConfirmed", String.class)).contains(canary);
        assertThat(runPage(stt)).doesNotContain("confirmed 1 of 1").contains("confirmed 0 of 1",
                "reported failing: invalid_key");
        assertThat(page("/admin/runtimes")).contains("not weighed while the rollout is paused");

        rollouts.resume(stt, "admin@keyhouse.test");
        JsonPath rolledBack = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(rolledBack.getString("state")).as(rolledBack.prettify()).isEqualTo("rolled_back");
        assertThat(rolledBack.getString("reason")).contains(canary, "reported failing: invalid_key");
    }

    /**
     * Breaker b11 N4: under manual approval the canary confirmed, then reports failing while the rollout waits for an
     * admin's Continue: the rollout fails and rolls back on its own, its reason naming the runtime and its report.
     */
    @Test
    void aCanaryThatReportsFailingWhileTheRolloutWaitsForApprovalRollsItBack() throws Exception {
        long stt = reportingCanaryRestarted("approval", "l3");
        String canaryRow = "results.find { it.target == '" + canary + "' }.";
        long version = api.run(stt).getLong(canaryRow + "envVersion");
        reportOk(canary, version);
        JsonPath waiting = awaitOutcome(stt, "waiting_approval");
        assertThat(waiting.getString(canaryRow + "confirmState")).isEqualTo("confirmed");

        reportFailing(canary, version);
        JsonPath rolledBack = api.awaitRun(stt, Duration.ofSeconds(30));
        assertThat(rolledBack.getString("state")).as(rolledBack.prettify()).isEqualTo("rolled_back");
        assertThat(rolledBack.getString("reason")).contains("wave 1 (canary)", canary,
                "reported failing: invalid_key on configuration version " + version + " after it was confirmed");
        assertThat(rolledBack.getString(canaryRow + "confirmState")).isEqualTo("failing");
        assertThat(rolledBack.getInt("tally.confirmed")).isZero();
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", "restart run "
                + stt)).contains("restart.rollout.fail").doesNotContain("restart.approve");
    }

    /**
     * Breaker b12 M1: a canary confirmed by report that fetched its configuration but has not reported is not
     * confirmed — not in its row, not in the tally, not on the run page — while the gate waits for its report.
     */
    @Test
    void aFetchDoesNotConfirmARuntimeWaitingForItsReport() throws Exception {
        long stt = reportingCanaryRestarted("fetchonly", "k6");
        String canaryRow = "results.find { it.target == '" + canary + "' }.";
        fetch(canary);
        api.awaitRunState(stt, canaryRow + "status", "fetched");
        JsonPath waiting = api.run(stt);
        assertThat(waiting.getString("state")).as(waiting.prettify()).isEqualTo("running");
        assertThat(waiting.getBoolean(canaryRow + "confirmed")).isFalse();
        assertThat(waiting.getInt("tally.confirmed")).isZero();
        assertThat(waiting.getList("tally.notConfirmed", String.class)).contains(canary);
        assertThat(runPage(stt)).doesNotContain("1 of 1 restarted runtimes confirmed");
    }

    /**
     * Breaker b13, 1 (high): a rollout waiting for approval, paused, whose canary then reported failing. Continue is
     * refused (409: resume it first) and the paused page offers no Continue; nothing past the canary is restarted; on
     * Resume the failing report is weighed and the rollout rolls back — the behind target never got the change.
     */
    @Test
    void continueOnAPausedRolloutIsRefusedAndNothingPastAFailingCanaryIsRestarted() throws Exception {
        long stt = reportingCanaryRestarted("nocontinue", "k7");
        String canaryRow = "results.find { it.target == '" + canary + "' }.";
        long version = api.run(stt).getLong(canaryRow + "envVersion");
        reportOk(canary, version);
        awaitOutcome(stt, "waiting_approval");
        rollouts.pause(stt, "admin@keyhouse.test");
        reportFailing(canary, version);
        long behindRestarts = restartsOf(behind);

        assertThat(runPage(stt)).contains("/restarts/" + stt + "/resume").doesNotContain("Continue…")
                .doesNotContain("all 1 runtime confirmed");
        // b13, 2: no summary says confirmed, nor "not yet", beside the failing report it has not weighed
        JsonPath paused = api.run(stt);
        assertThat(paused.getString("reason")).as("b14 M1: never 'the canary is confirmed' beside its failing report")
                .isEqualTo("paused; " + canary + " reported failing since its wave was confirmed: not weighed while"
                        + " the rollout is paused: Resume or Abort rolls it back");
        assertThat(paused.getString("waves[0].decision")).as(paused.prettify())
                .startsWith("passed, then failing: " + canary + " — reported failing: invalid_key");
        long canaryId = Long.parseLong(Rows.column(db, "SELECT id FROM runtime_targets WHERE name = ?", canary)
                .get(0));
        assertThat(page("/admin/runtimes/" + canaryId)).contains("failing: " + canary + " (reported failing")
                .doesNotContain("not yet: " + canary);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> rollouts.approve(stt, "admin@keyhouse.test"))
                .isInstanceOf(dev.keyhouse.web.Conflict.class).hasMessageContaining("is paused; resume it first");
        given().auth().oauth2(api.admin()).post("/api/v1/restarts/" + stt + "/continue").then().statusCode(409);
        assertThat(api.run(stt).getString("state")).isEqualTo("waiting_approval");

        rollouts.resume(stt, "admin@keyhouse.test");
        JsonPath rolledBack = api.awaitRun(stt, RUN_TIMEOUT);
        assertThat(rolledBack.getString("state")).as(rolledBack.prettify()).isEqualTo("rolled_back");
        assertThat(rolledBack.getString("reason")).contains("wave 1 (canary): " + canary + ": reported failing");
        assertThat(restartsOf(behind)).as("nothing past the canary was restarted").isEqualTo(behindRestarts);
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", "restart run "
                + stt)).doesNotContain("restart.approve");
    }

    /**
     * {@link #canaryAndBehind} with the canary confirmed by report and {@link #behind} depending on stt (none), then
     * an stt model save; returns its rollout once the canary restarted (undecided: it has not reported).
     */
    private long reportingCanaryRestarted(String label, String keySuffix) throws Exception {
        canaryAndBehind(label, keySuffix, "stt", Confirmations.REPORT, List.of("stt"), "true", Confirmations.NONE);
        long stt = put("stt", Map.of("provider", "soniox", "model", "stt-async-preview", "baseUrl",
                "http://127.0.0.1:9")).getLong("restartRun");
        api.awaitRunState(stt, "results.find { it.target == '" + canary + "' }.state", "restarted");
        return stt;
    }

    /** Runtime {@code runtime}'s status report: failing ({@code invalid_key}) on configuration {@code version}. */
    private static void reportFailing(String runtime, long version) {
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", runtime)
                .contentType(ContentType.JSON).body(Map.of("version", version, "status", "failing", "detail",
                        "invalid_key"))
                .post("/api/v1/internal/runtime-status").then().statusCode(204);
    }

    /** How many restarts target {@code name} has had, by any run. */
    private long restartsOf(String name) {
        return Long.parseLong(Rows.column(db, "SELECT count(*) FROM restart_results r JOIN runtime_targets t"
                + " ON t.id = r.target_id WHERE t.name = ? AND r.attempts > 0", name).get(0));
    }

    /**
     * The llm primary at gpt-4o-mini (its key ending {@code keySuffix}); command target {@link #canary}
     * ({@code a-canary-<label>-<tag>}, the canary, confirmation none) depending on {@code canaryKind}, and
     * {@link #behind} ({@code b-<label>-<tag>}) depending on {@code kinds}, confirmed by {@code confirmation}; returns
     * the directory of their environment files ({@code <name>.env}).
     */
    private Path canaryAndBehind(String label, String keySuffix, String canaryKind, List<String> kinds,
            String confirmation) throws Exception {
        return canaryAndBehind(label, keySuffix, canaryKind, Confirmations.NONE, kinds, "true", confirmation);
    }

    /**
     * {@link #canaryAndBehind} with the canary confirmed by {@code canaryConfirmation} and {@link #behind} running
     * {@code command}.
     */
    private Path canaryAndBehind(String label, String keySuffix, String canaryKind, String canaryConfirmation,
            List<String> kinds, String command, String confirmation) throws Exception {
        put("llm", Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl", "http://127.0.0.1:9", "apiKey",
                "sk-held-" + tag + "-" + keySuffix));
        Path dir = Files.createTempDirectory("keyhouse-held-" + label);
        canary = "a-canary-" + label + "-" + tag;
        behind = "b-" + label + "-" + tag;
        api.command(canary, List.of(canaryKind), "true", dir.resolve(canary + ".env").toString(), canaryConfirmation);
        Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name = ?", canary);
        api.command(behind, kinds, command, dir.resolve(behind + ".env").toString(), confirmation);
        return dir;
    }

    /** Runtime {@code runtime}'s status report: ok on configuration version {@code version}. */
    private static void reportOk(String runtime, long version) {
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", runtime)
                .contentType(ContentType.JSON).body(Map.of("version", version, "status", "ok"))
                .post("/api/v1/internal/runtime-status").then().statusCode(204);
    }

    /** Runtime {@code runtime}'s fetch by name in the env format (its ETag names the configuration). */
    private static Response fetch(String runtime) {
        Response answer = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).queryParam("format", "env")
                .header("X-Keyhouse-Runtime", runtime).get("/api/v1/internal/runtime-config");
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer;
    }

    /** An env answer's or file's variable lines, sorted (the file is written sorted, the answer in its order). */
    private static List<String> variableLines(String env) {
        return env.lines().filter(l -> !l.startsWith("#")).sorted().toList();
    }

    /** The same for a single kind: a save of livekit that changes only its URL. */
    @Test
    void aUrlOnlySaveOfASingleKindRollsOutCanaryFirst() throws Exception {
        Map<String, Object> livekit = Map.of("provider", "livekit", "url", "wss://held-" + tag + ".example.com",
                "apiKey", "APIheld" + tag, "apiSecret", "livekit-held-secret-" + tag);
        put("livekit", livekit);
        targets("livekit");
        String before = env(behind);
        assertThat(before).contains("LIVEKIT_URL=wss://held-" + tag + ".example.com\n");

        // the same host (a new one needs the keys again: they never follow a URL elsewhere), another path
        Map<String, Object> urlOnly = Map.of("provider", "livekit", "url", "wss://held-" + tag + ".example.com/b");
        assertRolledOutCanaryFirst(put("livekit", urlOnly), before, "LIVEKIT_URL=wss://held-" + tag
                + ".example.com/b\n");
    }

    /** An admin's rollback that restores only another model (the key stays) is rolled out the same way. */
    @Test
    void aModelOnlyRollbackRollsOutCanaryFirst() throws Exception {
        put("stt", Map.of("provider", "soniox", "model", "stt-rt-v2", "baseUrl", "http://127.0.0.1:9"));
        targets();
        String before = env(behind);
        assertThat(before).contains("STT_MODEL=stt-rt-v2\n");

        Response rolledBack = given().auth().oauth2(api.admin()).header("If-Match", "\"" + sttVersion() + "\"")
                .post("/api/v1/settings/stt/rollback");
        assertThat(rolledBack.statusCode()).as(rolledBack.asString()).isEqualTo(200);
        assertRolledOutCanaryFirst(rolledBack.jsonPath(), before, "STT_MODEL=stt-rt-preview\n");
    }

    /**
     * A routing-only change's answer {@code saved} planned a rollout that, under manual approval, stops after the
     * canary: the canary is served {@code line}, the other runtime {@code before} byte for byte; after the approval
     * both the new configuration.
     */
    private void assertRolledOutCanaryFirst(JsonPath saved, String before, String line) throws Exception {
        assertThat(saved.getString("restartRun")).as("a routing-only change is rolled out").isNotNull();
        long run = saved.getLong("restartRun");
        awaitOutcome(run, "waiting_approval");
        String now = env(null);
        assertThat(now).contains(line);
        assertThat(env(canary)).as("the canary moved: the new value").isEqualTo(now);
        assertThat(env(behind)).as("held back at the old value until its wave").isEqualTo(before)
                .doesNotContain(line);

        rollouts.approve(run, "admin@keyhouse.test");
        assertThat(api.awaitRun(run, RUN_TIMEOUT).getString("outcome")).isEqualTo("succeeded");
        assertThat(env(behind)).isEqualTo(now);
    }

    /** PUT /api/v1/settings/{kind} over its current version; the 200 answer. */
    private JsonPath put(String kind, Map<String, Object> body) {
        long version = given().auth().oauth2(api.admin()).get("/api/v1/settings/" + kind).then().statusCode(200)
                .extract().jsonPath().getLong("version");
        Response saved = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .header("If-Match", "\"" + version + "\"").body(body).put("/api/v1/settings/" + kind);
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
        return saved.jsonPath();
    }

    /**
     * Issue 19 (h19j point 2): a fallback add whose canary fails is rolled back whole: the added fallback is disabled
     * again, so runtime-config is byte for byte what it was before the add, and the run's reason says so.
     */
    @Test
    void aFallbackAddWhoseCanaryFailsIsRolledBackToTheWholePreviousConfiguration() throws Exception {
        failingCanary();
        String before = env(null);
        Response added = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body(customFallback())
                .post(STT);
        assertThat(added.statusCode()).as(added.asString()).isEqualTo(201);
        long custom = added.jsonPath().getLong("id");
        JsonPath run = api.awaitRun(added.jsonPath().getLong("restartRun"), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "the added fallback disabled again");
        assertThat(run.getString("reason")).contains("restored: the stt primary stays version",
                "stt fallback " + custom + " (custom) disabled");
        assertThat(run.getString("waves[-1].decision")).contains("stt fallback " + custom + " (custom) disabled");
        assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.entry.rollback'"
                + " AND target LIKE ?", "stt fallback " + custom + " version %")).singleElement().asString()
                .startsWith("automatic rollback of run " + run.getLong("id") + ": ");
    }

    /**
     * Issue 19 (h19j point 2): a make-primary whose canary fails is rolled back whole, the primary and the fallback it
     * swapped: runtime-config byte for byte what it was before.
     */
    @Test
    void aMakePrimaryWhoseCanaryFailsIsRolledBackToTheWholePreviousConfiguration() throws Exception {
        long custom = addFallback(customFallback());
        failingCanary();
        String before = env(null);
        JsonPath run = api.awaitRun(makePrimary(custom), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "primary and fallbacks as before the make-primary");
        assertThat(run.getString("reason")).contains("restored: the previous key", "stt fallback " + custom
                + " (custom) back to its version");
        // h19l point 2: the run says what it swapped, as a fallback change's does, and its rollback what it did with
        // the previous key: its live check ran (PROVIDER_CHECK_MODE enforce), so "checked" is true here
        assertThat(run.getString("changeSummary")).isEqualTo("stt fallback " + custom + " (custom) is now primary;"
                + " the primary (soniox) is now fallback " + custom + " at position 2");
        assertThat(run.getString("reason")).containsPattern("the previous key \\(version \\d+\\), checked: ")
                .contains("(back: Provider, Model, API key)");
        assertThat(runPage(run.getLong("id"))).contains("After stt fallback " + custom + " (custom) is now primary;");
    }

    /**
     * Issue 19 (breaker 19g): a make-primary between two entries holding the same key changes the provider and model,
     * never the key; its rollback checks that key and says it is the one the change kept, never "the previous key".
     */
    @Test
    void aMakePrimaryBetweenEntriesWithOneKeySaysItsRollbackCheckedTheKeyItKept() throws Exception {
        long custom = addFallback(Map.of("provider", "custom", "model", "m", "baseUrl", "http://127.0.0.1:9",
                "apiKey", "soniox-held-" + tag + "-a1"));
        failingCanary();
        String before = env(null);
        long previous = sttVersion();
        JsonPath run = api.awaitRun(makePrimary(custom), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "primary and fallbacks as before the make-primary");
        assertThat(run.getString("reason")).contains("restored: the key, which this change kept (version " + previous
                + " has the same), checked: ", "(back: Provider, Model)").doesNotContain("previous key");
    }

    /**
     * Issue 19 (breaker 19g): the live check an automatic rollback sends of the previous key is that key's last check
     * once it is restored (its own time and duration), not the check from when it was saved before the rollout.
     */
    @Test
    void anAutomaticRollbacksCheckOfThePreviousKeyIsItsLastCheck() throws Exception {
        failingCanary();
        java.time.Instant savedCheck = java.time.Instant.parse(given().auth().oauth2(api.admin())
                .get("/api/v1/settings/stt").then().statusCode(200).extract().jsonPath()
                .getString("lastCheck.checkedAt"));
        JsonPath saved = put("stt", Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl",
                "http://127.0.0.1:9", "apiKey", "soniox-held-" + tag + "-checked-again"));
        JsonPath run = api.awaitRun(saved.getLong("restartRun"), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("waves[-1].decision")).as(run.prettify())
                .containsPattern("the previous key \\(version \\d+\\), checked: ");
        JsonPath restored = given().auth().oauth2(api.admin()).get("/api/v1/settings/stt").then().statusCode(200)
                .extract().jsonPath();
        java.time.Instant lastCheck = java.time.Instant.parse(restored.getString("lastCheck.checkedAt"));
        assertThat(lastCheck).as("the restored key's last check is the rollback's, made after the rollout began")
                .isAfter(java.time.Instant.parse(run.getString("createdAt"))).isAfter(savedCheck);
        assertThat(Rows.column(db, "SELECT count(*) FROM provider_check_history WHERE kind = 'stt' AND checked_at = ?",
                java.sql.Timestamp.from(lastCheck))).containsExactly("1");
    }

    /**
     * Restshape: the live check an automatic rollback sends of the key it restores changes what that key shows (here
     * ok → rate_limited), so it is audited as any check that changes a key's shown result: {@code
     * setting.check.changed} for that key (its fingerprint old and new), target the version it comes from. The new
     * key's own first check, at its save, is audited with no result before it, never as a change from the previous
     * key's.
     */
    @Test
    void anAutomaticRollbacksCheckThatChangesTheRestoredKeysResultIsAudited() throws Exception {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            String previousKey = soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            JsonPath previous = put("stt", Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl",
                    soniox.url(), "apiKey", previousKey));
            assertThat(previous.getString("lastCheck.result")).isEqualTo("ok");
            String previousFingerprint = previous.getString("apiKey.fingerprint");
            long previousVersion = previous.getLong("version");
            failingCanary();
            soniox.key(previousKey, dev.keyhouse.checks.StandIn.Scenario.RATE_LIMITED);
            long before = Long.parseLong(Rows.column(db, "SELECT coalesce(max(id), 0) FROM audit_events").get(0));

            JsonPath saved = put("stt", Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl",
                    soniox.url(), "apiKey", soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD)));
            JsonPath run = api.awaitRun(saved.getLong("restartRun"), RUN_TIMEOUT);
            assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
            JsonPath restored = given().auth().oauth2(api.admin()).get("/api/v1/settings/stt").then()
                    .statusCode(200).extract().jsonPath();
            assertThat(restored.getString("apiKey.fingerprint")).isEqualTo(previousFingerprint);
            assertThat(restored.getString("lastCheck.result")).as("the rollback's check is shown")
                    .isEqualTo("rate_limited");

            assertThat(Rows.column(db, "SELECT kind || ' | ' || target || ' | ' || detail || ' | '"
                    + " || coalesce(old_fingerprint, '-') || ' | ' || coalesce(new_fingerprint, '-') FROM audit_events"
                    + " WHERE action = 'setting.check.changed' AND id > ? ORDER BY id", before))
                    .as("kind | target | detail | old | new").containsExactly(
                            "stt | stt soniox | not checked yet → ok (HTTP 200) | - | "
                                    + saved.getString("apiKey.fingerprint"),
                            "stt | stt version " + previousVersion + " soniox | ok → rate_limited (HTTP 429,"
                                    + " limit_exceeded) | " + previousFingerprint + " | " + previousFingerprint);
        }
    }

    /** A fallback edit (a new key) whose canary fails: the fallback back to its previous version's key. */
    @Test
    void aFallbackEditWhoseCanaryFailsIsRolledBackToItsPreviousVersion() throws Exception {
        failingCanary();
        String before = env(null);
        JsonPath run = api.awaitRun(editFallback(deepgram, 1, Map.of("provider", "deepgram", "model", "nova-3",
                "baseUrl", "http://127.0.0.1:9", "apiKey", "deepgram-held-" + tag + "-new")), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "the fallback's previous key");
        assertThat(run.getString("reason")).contains("stt fallback " + deepgram + " (deepgram) back to its version 1");
    }

    /**
     * Issue 19 (b19 E): a fallback edit whose canary fails brings the fallback's previous key back into service, and
     * its rollback restored that key without a live check and without saying so (a previous primary key is checked
     * and said). It is checked now, its result said in the reason; a previous fallback key the provider refuses by
     * then halts the rollback, restoring nothing, as a refused previous primary key does.
     */
    @Test
    void aFallbackEditsRollbackChecksTheKeyItBringsBackAndHaltsWhenTheProviderRefusesIt() throws Exception {
        try (dev.keyhouse.checks.DeepgramStandIn provider = new dev.keyhouse.checks.DeepgramStandIn()) {
            String previousKey = provider.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            editDeepgram(1, provider.url(), previousKey);
            failingCanary();

            JsonPath run = api.awaitRun(editDeepgram(2, provider.url(),
                    provider.key(dev.keyhouse.checks.StandIn.Scenario.GOOD)), RUN_TIMEOUT);
            assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
            assertThat(run.getString("reason")).contains("; key brought back: stt fallback " + deepgram
                    + " (deepgram) version 2, checked: ok (HTTP 200)");
            assertThat(env(null)).contains("=" + previousKey + "\n");

            // the restored key (the fallback's version 4 now) is revoked at the provider before the next edit
            provider.key(previousKey, dev.keyhouse.checks.StandIn.Scenario.REVOKED);
            String newKey = provider.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            JsonPath halted = api.awaitRun(editDeepgram(4, provider.url(), newKey), RUN_TIMEOUT);
            assertThat(halted.getString("state")).as(halted.prettify()).isEqualTo("halted");
            assertThat(halted.getString("reason")).contains("; nothing rolled back: the key of stt fallback "
                    + deepgram + " (deepgram) version 4 it would bring back fails its check (invalid_key), so the"
                    + " change stays — enter a working key for it or correct the stt fallbacks");
            assertThat(env(null)).as("nothing restored").contains("=" + newKey + "\n")
                    .doesNotContain(previousKey);
        }
    }

    /**
     * Breaker b19 F: with a disabled fallback before an enabled one (deepgram disabled at 1, custom at 2), the rollback
     * of a change to custom's key read "back to its version N (apiKey), moved from position 2 to 1" and left custom
     * before deepgram: nothing had asked for a move. Each entry keeps its place; only the key comes back.
     */
    @Test
    void aFallbackRollbackKeepsADisabledFallbackInItsPlace() throws Exception {
        long custom = addFallback(customFallback());
        given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("enabled", false)).put(STT + "/" + deepgram).then().statusCode(200);
        failingCanary();
        long edited = editFallback(custom, 1, Map.of("provider", "custom", "model", "m", "baseUrl",
                "http://127.0.0.1:9", "apiKey", "custom-held-" + tag + "-changed"));

        JsonPath run = api.awaitRun(edited, RUN_TIMEOUT);

        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getString("reason")).contains("stt fallback " + custom + " (custom) back to its version 1")
                .doesNotContain("moved from position");
        JsonPath list = given().auth().oauth2(api.admin()).get(STT).then().statusCode(200).extract().jsonPath();
        assertThat(list.getList("id", Long.class)).as(list.prettify()).containsExactly(null, deepgram, custom);
        assertThat(list.getBoolean("find { it.id == " + deepgram + " }.enabled")).isFalse();
        assertThat(env(null)).contains("STT_PROVIDERS=soniox,custom\n", "custom-held-" + tag + "-c3");
    }

    /**
     * Breaker b13, finding 4 (a): a fallback disable rolled back on a key refusal sent the operator to the fallback
     * the rollback brought back, a key the failing configuration did not have. The Settings page's alert, from the
     * run's own change summary, says the change brought no key in and names the keys the runtimes still use. (The
     * canary's restart fails; its code is set to invalid_key as a runtime's report would leave it.)
     */
    @Test
    void aFallbackDisableRolledBackOnAKeyRefusalDoesNotAskForTheDisabledFallbacksKey() throws Exception {
        failingCanary();
        Response disabled = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("enabled", false)).put(STT + "/" + deepgram);
        assertThat(disabled.statusCode()).as(disabled.asString()).isEqualTo(200);
        long runId = disabled.jsonPath().getLong("restartRun");
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        Rows.update(db, "UPDATE restart_runs SET fail_code = 'invalid_key' WHERE id = ?", runId);
        assertThat(settingsPage("stt")).contains("rolled back — invalid_key refuses a key this change did not bring in"
                + " (stt fallback " + deepgram + " (deepgram) changed (disabled)); check the keys the runtimes still"
                + " use: the stt primary").doesNotContain("enter a working key for stt fallback " + deepgram);
    }

    /** PUTs the deepgram fallback at {@code version} with a new key; the run it planned (null: none). */
    private Long editDeepgram(long version, String baseUrl, String key) {
        return editFallback(deepgram, version, Map.of("provider", "deepgram", "model", "nova-3", "baseUrl", baseUrl,
                "apiKey", key));
    }

    /** PUTs fallback {@code id} at {@code version} with {@code body} (200 asserted); the run it planned (null: none). */
    private Long editFallback(long id, long version, Map<String, Object> body) {
        Response edited = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .header("If-Match", "\"" + version + "\"").body(body).put(STT + "/" + id);
        assertThat(edited.statusCode()).as(edited.asString()).isEqualTo(200);
        return edited.jsonPath().getObject("restartRun", Long.class);
    }

    /** A fallback delete whose canary fails: the fallback re-created from its held version, keys sealed anew. */
    @Test
    void aFallbackDeleteWhoseCanaryFailsReCreatesIt() throws Exception {
        failingCanary();
        String before = env(null);
        given().auth().oauth2(api.admin()).header("If-Match", "\"1\"").delete(STT + "/" + deepgram).then()
                .statusCode(200);
        long runId = Long.parseLong(Rows.column(db, "SELECT max(id) FROM restart_runs WHERE kind = 'stt'"
                + " AND cause = 'fallback'").get(0));
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
        assertThat(run.getString("changeSummary")).contains("fallback " + deepgram);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "the deleted fallback back");
        assertThat(run.getString("reason")).contains("stt fallback " + deepgram + " (deepgram), deleted, re-created"
                + " as stt fallback ");
    }

    /** A primary key save whose canary fails still rolls back as before fallbacks were pinned: the primary alone. */
    @Test
    void aKeySaveWhoseCanaryFailsStillRollsBackThePrimary() throws Exception {
        failingCanary();
        String before = env(null);
        Response saved = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .header("If-Match", "\"" + sttVersion() + "\"").body(Map.of("provider", "soniox", "model",
                        "stt-rt-preview", "baseUrl", "http://127.0.0.1:9", "apiKey", "soniox-held-" + tag + "-new"))
                .put("/api/v1/settings/stt");
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
        long version = saved.jsonPath().getLong("version");
        JsonPath run = api.awaitRun(saved.jsonPath().getLong("restartRun"), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertThat(run.getLong("rollbackVersion")).isEqualTo(version + 1);
        assertRestored(before, "the primary restored");
        assertThat(run.getString("reason")).as("nothing of the fallbacks to tell").doesNotContain("fallback");
    }

    /**
     * h19l point 3: a save of the primary's model AND key whose canary fails says what came back, both fields by
     * their form labels, on the run and in the settings page's alert, never "the previous key is back" alone.
     */
    @Test
    void aModelAndKeySaveWhoseCanaryFailsSaysBothCameBack() throws Exception {
        failingCanary();
        String before = env(null);
        long previous = sttVersion();
        JsonPath saved = put("stt", Map.of("provider", "soniox", "model", "stt-rt-v3", "baseUrl", "http://127.0.0.1:9",
                "apiKey", "soniox-held-" + tag + "-both"));
        JsonPath run = api.awaitRun(saved.getLong("restartRun"), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "the model and the key back");
        assertThat(run.getString("reason")).contains("restored: the previous key (version " + previous
                + "), checked: ", "version " + previous + " restored as version " + (previous + 2)
                + " (back: Model, API key)");
        assertThat(settingsPage("stt")).contains("(back: Model, API key)").doesNotContain("previous key is back");
    }

    /**
     * The same for a single kind (livekit: a URL and its secret), whose rollback sends no live check: it says so
     * rather than "checked" (h19l point 2), and names what came back.
     */
    @Test
    void aUrlAndKeySaveOfASingleKindWhoseCanaryFailsSaysWhatCameBackUnchecked() throws Exception {
        put("livekit", Map.of("provider", "livekit", "url", "wss://held-" + tag + ".example.com", "apiKey",
                "APIheld" + tag, "apiSecret", "livekit-held-secret-" + tag));
        failingCanary("livekit");
        String before = env(null);
        long previous = given().auth().oauth2(api.admin()).get("/api/v1/settings/livekit").then().statusCode(200)
                .extract().jsonPath().getLong("version");
        JsonPath saved = put("livekit", Map.of("provider", "livekit", "url", "wss://held-" + tag + ".example.com/c",
                "apiSecret", "livekit-held-secret-" + tag + "-new"));
        JsonPath run = api.awaitRun(saved.getLong("restartRun"), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "the URL and the secret back");
        assertThat(run.getString("reason")).contains("restored: the previous key (version " + previous
                + "), not checked (no live check for livekit), as it was in use before", " (back: URL, API key secret)")
                .doesNotContain("), checked");
        assertThat(settingsPage("livekit")).contains("(back: URL, API key secret)")
                .doesNotContain("previous key is back");
    }

    private static String settingsPage(String kind) {
        return page("/admin/settings/" + kind);
    }

    private static String runPage(long run) {
        return page("/admin/restarts/" + run);
    }

    private static String page(String path) {
        return given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, dev.keyhouse.auth.Browser.session(
                TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD)).get(path).then().statusCode(200).extract()
                .asString();
    }

    /**
     * The current env answer is {@code before} byte for byte after its first line, the comment naming the configuration
     * version: a rollback is a new version (runtimes confirm by fetching it or later), so that number alone grew.
     */
    private static void assertRestored(String before, String what) {
        String now = env(null);
        assertThat(now.substring(now.indexOf('\n'))).as(what).isEqualTo(before.substring(before.indexOf('\n')));
        assertThat(configurationVersion(now)).as("a rollback is a new configuration version")
                .isGreaterThan(configurationVersion(before));
    }

    private static long configurationVersion(String env) {
        String first = env.substring(0, env.indexOf('\n'));
        assertThat(first).startsWith("# Keyhouse runtime config, configuration version ");
        return Long.parseLong(first.substring(first.lastIndexOf(' ') + 1));
    }

    /** One command target depending on stt, marked canary, whose restart fails (its command exits 1). */
    private void failingCanary() throws Exception {
        failingCanary("stt");
    }

    /** {@link #failingCanary()} depending on {@code kind}. */
    private void failingCanary(String kind) throws Exception {
        Path dir = Files.createTempDirectory("keyhouse-held-fail");
        canary = "a-canary-fails-" + tag;
        api.command(canary, List.of(kind), "false", dir.resolve("canary.env").toString(), Confirmations.NONE);
        Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name = ?", canary);
    }

    private Map<String, Object> customFallback() {
        return Map.of("provider", "custom", "model", "m", "baseUrl", "http://127.0.0.1:9", "apiKey",
                "custom-held-" + tag + "-c3");
    }

    /** Two command targets depending on stt, confirmation none: the canary and one its wave leaves waiting. */
    private void targets() throws Exception {
        targets("stt");
    }

    /** {@link #targets()} depending on {@code kind}. */
    private void targets(String kind) throws Exception {
        Path dir = Files.createTempDirectory("keyhouse-held");
        canary = "a-canary-held-" + tag;
        behind = "b-held-" + tag;
        for (String name : List.of(canary, behind)) {
            api.command(name, List.of(kind), "true", dir.resolve(name + ".env").toString(), Confirmations.NONE);
        }
        Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name = ?", canary);
    }

    private long addFallback(Map<String, Object> body) {
        Response created = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body(body).post(STT);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        return created.jsonPath().getLong("id");
    }

    /** Makes fallback {@code id} primary over the current versions; returns the rollout's run. */
    private long makePrimary(long id) {
        String etag = given().auth().oauth2(api.admin()).get(STT + "/" + id).then().statusCode(200).extract()
                .header("ETag");
        Response swapped = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("primaryVersion", sttVersion())).post(STT + "/" + id + "/primary");
        assertThat(swapped.statusCode()).as(swapped.asString()).isEqualTo(200);
        return swapped.jsonPath().getLong("restartRun");
    }

    private long sttVersion() {
        return given().auth().oauth2(api.admin()).get("/api/v1/settings/stt").then().statusCode(200).extract()
                .jsonPath().getLong("version");
    }

    /** What runtime {@code runtime} (null: unnamed, the current configuration) is served in the env format. */
    private static String env(String runtime) {
        var request = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).queryParam("format", "env");
        if (runtime != null) {
            request = request.header("X-Keyhouse-Runtime", runtime);
        }
        return request.get("/api/v1/internal/runtime-config").then().statusCode(200).extract().asString();
    }

    private JsonPath awaitOutcome(long runId, String outcome) throws InterruptedException {
        return api.awaitOutcome(runId, outcome, RUN_TIMEOUT);
    }
}
