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
        addFallback(Map.of("provider", "deepgram", "model", "nova-3", "baseUrl", "http://127.0.0.1:9", "apiKey",
                "deepgram-held-" + tag + "-b2"));
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
