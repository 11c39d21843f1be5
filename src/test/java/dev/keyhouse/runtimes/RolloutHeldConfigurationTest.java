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
        Rows.update(db, "UPDATE restart_runs SET state = 'aborted', finished_at = now() WHERE kind = 'stt'"
                + " AND state IN ('running', 'waiting_approval', 'rolling_back')");
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
    }

    /** A fallback edit (a new key) whose canary fails: the fallback back to its previous version's key. */
    @Test
    void aFallbackEditWhoseCanaryFailsIsRolledBackToItsPreviousVersion() throws Exception {
        failingCanary();
        String before = env(null);
        Response edited = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("provider", "deepgram", "model", "nova-3", "baseUrl", "http://127.0.0.1:9", "apiKey",
                        "deepgram-held-" + tag + "-new"))
                .put(STT + "/" + deepgram);
        assertThat(edited.statusCode()).as(edited.asString()).isEqualTo(200);
        JsonPath run = api.awaitRun(edited.jsonPath().getLong("restartRun"), RUN_TIMEOUT);
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("rolled_back");
        assertRestored(before, "the fallback's previous key");
        assertThat(run.getString("reason")).contains("stt fallback " + deepgram + " (deepgram) back to its version 1");
    }

    /** A fallback delete whose canary fails: the fallback re-created from its held version, keys sealed anew. */
    @Test
    void aFallbackDeleteWhoseCanaryFailsReCreatesIt() throws Exception {
        failingCanary();
        String before = env(null);
        given().auth().oauth2(api.admin()).header("If-Match", "\"1\"").delete(STT + "/" + deepgram).then()
                .statusCode(204);
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
        Path dir = Files.createTempDirectory("keyhouse-held-fail");
        canary = "a-canary-fails-" + tag;
        api.command(canary, List.of("stt"), "false", dir.resolve("canary.env").toString(), Confirmations.NONE);
        Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name = ?", canary);
    }

    private Map<String, Object> customFallback() {
        return Map.of("provider", "custom", "model", "m", "baseUrl", "http://127.0.0.1:9", "apiKey",
                "custom-held-" + tag + "-c3");
    }

    /** Two command targets depending on stt, confirmation none: the canary and one its wave leaves waiting. */
    private void targets() throws Exception {
        Path dir = Files.createTempDirectory("keyhouse-held");
        canary = "a-canary-held-" + tag;
        behind = "b-held-" + tag;
        for (String name : List.of(canary, behind)) {
            api.command(name, List.of("stt"), "true", dir.resolve(name + ".env").toString(), Confirmations.NONE);
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
