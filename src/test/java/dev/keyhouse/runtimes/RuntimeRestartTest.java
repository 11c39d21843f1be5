package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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

import dev.keyhouse.Management;
import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.runtimes.command.EnvironmentFile;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.ProviderSettings;
import dev.keyhouse.settings.RuntimeConfigServed;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * A saved LLM key restarts every enabled target depending on llm, through real command targets writing real
 * EnvironmentFiles: the run is planned in the save's transaction, each result is stored, acknowledgements show
 * which runtimes came back on the new key.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RuntimeRestartTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
    /** Where the key checks of this class's stt entries go: loopback, where nothing answers. */
    private static final String LOOPBACK = "http://127.0.0.1:9";

    @Inject
    DataSource db;
    @Inject
    RuntimeAcks acks;
    @Inject
    SecretFingerprints fingerprints;
    @Inject
    ProviderSettings settings;
    @Inject
    Scheduler scheduler;

    private RuntimeApi api;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        api = new RuntimeApi();
        dir = Files.createTempDirectory("keyhouse-runtimes");
    }

    @AfterEach
    void deleteTargets() {
        api.deleteCreated();
    }

    @Test
    void savingAnLlmKeyRestartsTheTargetsDependingOnLlmAndLeavesTheOthers() throws Exception {
        String tag = unique();
        Path voiceA = dir.resolve("voice-a.env");
        Path voiceB = dir.resolve("voice-b.env");
        Path speech = dir.resolve("speech.env");
        api.command("voice-a-" + tag, List.of("llm"), "true", voiceA.toString());
        api.command("voice-b-" + tag, List.of("llm", "stt"), "true", voiceB.toString());
        api.command("speech-" + tag, List.of("tts"), "true", speech.toString());
        String key = "sk-restart-test-" + tag + "-4f1a9c";

        Response saved = api.saveLlmKey(key);

        saved.then().statusCode(200);
        long runId = saved.jsonPath().getLong("restartRun");
        assertThat(Rows.column(db, "SELECT count(*) FROM restart_results WHERE run_id = ?", runId))
                .containsExactly("2");
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
        assertThat(run.getString("state")).isEqualTo("succeeded");
        assertThat(run.getString("cause")).isEqualTo("save");
        assertThat(run.getString("kind")).isEqualTo("llm");
        assertThat(run.getList("results.target")).containsExactlyInAnyOrder("voice-a-" + tag, "voice-b-" + tag);
        assertThat(run.getList("results.runtime")).containsExactlyInAnyOrder("voice-a-" + tag, "voice-b-" + tag);
        assertThat(run.getList("results.state")).containsOnly("restarted");
        assertThat(run.getList("results.attempts")).containsOnly(1);
        assertThat(run.getMap("results[0]")).containsKeys("target", "runtime", "state", "error", "ackFingerprint");
        for (Path file : List.of(voiceA, voiceB)) {
            assertThat(Files.readString(file, StandardCharsets.UTF_8)).contains("LLM_API_KEY=" + key + "\n")
                    .contains("OPENAI_API_KEY=" + key + "\n").contains("LLM_PROVIDER=openai\n");
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(EnvironmentFile.OWNER_ONLY);
        }
        assertThat(speech).as("the tts target is left alone").doesNotExist();
        assertThat(saved.asString()).doesNotContain(key);
        assertThat(api.run(runId).prettify()).doesNotContain(key);
        List<String> audit = Rows.column(db, "SELECT action || ' ' || target FROM audit_events WHERE target = ? ORDER BY id",
                "restart run " + runId);
        assertThat(audit).contains("restart.create restart run " + runId, "restart.finish restart run " + runId);
    }

    /**
     * Issue 19: a fleet kind is a dependency like any other. A save of livekit restarts the target that depends on
     * livekit, with LiveKit's variables in its environment, and leaves a target that depends on the four provider
     * kinds alone (what every target made before livekit existed depends on).
     */
    @Test
    void savingLiveKitRestartsOnlyTheTargetsDependingOnLiveKit() throws Exception {
        String tag = unique();
        Path fleet = dir.resolve("fleet.env");
        Path voice = dir.resolve("voice.env");
        api.command("fleet-" + tag, List.of("livekit"), "true", fleet.toString());
        api.command("voice-" + tag, List.of("llm", "stt", "tts", "telephony"), "true", voice.toString());
        String secret = "livekit-restart-secret-" + tag;
        try {
            String etag = io.restassured.RestAssured.given().auth().oauth2(api.admin()).get("/api/v1/settings/livekit")
                    .then().statusCode(200).extract().header("ETag");
            Response saved = io.restassured.RestAssured.given().auth().oauth2(api.admin())
                    .contentType(io.restassured.http.ContentType.JSON).header("If-Match", etag)
                    .body(Map.of("url", "wss://livekit.example.com", "apiKey", "APIrestart" + tag, "apiSecret", secret))
                    .put("/api/v1/settings/livekit");
            saved.then().statusCode(200);
            long runId = saved.jsonPath().getLong("restartRun");
            JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
            assertThat(run.getString("state")).isEqualTo("succeeded");
            assertThat(run.getString("kind")).isEqualTo("livekit");
            assertThat(run.getList("results.target")).containsExactly("fleet-" + tag);
            assertThat(Files.readString(fleet, StandardCharsets.UTF_8)).contains("LIVEKIT_API_SECRET=" + secret + "\n")
                    .contains("LIVEKIT_URL=wss://livekit.example.com\n");
            assertThat(voice).as("the target that does not depend on livekit is left alone").doesNotExist();
            assertThat(api.run(runId).prettify()).doesNotContain(secret);
        } finally {
            dev.keyhouse.settings.FleetKindsTest.reset(db);
        }
    }

    /**
     * Issue 19: two STT entries, Deepgram primary and Soniox fallback. Making Soniox primary is a save of stt: its
     * STT_* names and the ordered list change, both keys stay served, and only the target depending on stt restarts.
     */
    @Test
    void makingTheSttFallbackPrimaryRestartsOnlyTheTargetsDependingOnStt() throws Exception {
        SttTargets stt = sttTargets();
        String deepgram = "dg-primary-restart-" + stt.tag() + "-1a2b3c4d";
        String soniox = "soniox-fallback-restart-" + stt.tag() + "-5e6f";
        try {
            long version = saveDeepgramPrimary(deepgram);
            Response fallback = addFallback(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", LOOPBACK,
                    "apiKey", soniox));
            long id = fallback.jsonPath().getLong("id");

            Response swapped = given().auth().oauth2(api.admin()).header("If-Match", fallback.header("ETag"))
                    .contentType("application/json").body(Map.of("primaryVersion", version))
                    .post("/api/v1/settings/stt/providers/" + id + "/primary");
            swapped.then().statusCode(200);
            assertThat(swapped.jsonPath().getString("provider")).isEqualTo("soniox");
            assertThat(swapped.header("ETag")).isEqualTo("\"" + (version + 1) + "\"");
            long runId = swapped.jsonPath().getLong("restartRun");
            JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
            assertThat(run.getString("state")).isEqualTo("succeeded");
            assertThat(run.getString("kind")).isEqualTo("stt");
            assertThat(run.getList("results.target")).containsExactly("speech-" + stt.tag());
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).contains("STT_PROVIDER=soniox\n",
                    "STT_MODEL=stt-rt-preview\n", "STT_API_KEY=" + soniox + "\n", "SONIOX_API_KEY=" + soniox + "\n",
                    "DEEPGRAM_API_KEY=" + deepgram + "\n", "STT_DEEPGRAM_MODEL=nova-3\n",
                    "STT_PROVIDERS=soniox,deepgram\n");
            assertThat(stt.voice()).as("the target that does not depend on stt is left alone").doesNotExist();
            assertThat(given().auth().oauth2(api.admin()).get("/api/v1/settings/stt/providers").jsonPath()
                    .getList("provider")).containsExactly("soniox", "deepgram");
            assertThat(swapped.asString() + api.run(runId).prettify()).doesNotContain(soniox, deepgram);
            assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.entry.primary'"
                    + " ORDER BY id DESC LIMIT 1")).singleElement().asString()
                    .contains("stt fallback " + id + " (soniox) is now primary").doesNotContain(soniox, deepgram);
        } finally {
            dev.keyhouse.settings.ProviderEntriesTest.removeFallbacks(db);
        }
    }

    /**
     * Issue 19: a fallback's change that alters what runtimes receive (added, disabled, enabled, moved, deleted) is
     * rolled out, as a save of the kind is, to the targets depending on stt only; one they do not receive (a
     * disabled fallback's new key, the same key typed again) restarts nothing.
     */
    @Test
    void changingAnSttFallbackRestartsOnlyTheTargetsDependingOnSttAndOnlyWhenRuntimesReceiveIt() throws Exception {
        SttTargets stt = sttTargets();
        String deepgram = "dg-fallback-restart-" + stt.tag() + "-1a2b3c4d";
        String soniox = "soniox-fallback-change-" + stt.tag() + "-5e6f";
        String custom = "custom-fallback-change-" + stt.tag() + "-7a8b";
        String providers = "/api/v1/settings/stt/providers";
        try {
            long sttVersion = saveDeepgramPrimary(deepgram);
            Files.deleteIfExists(stt.speech());

            Response added = addFallback(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", LOOPBACK,
                    "apiKey", soniox));
            long id = added.jsonPath().getLong("id");
            JsonPath run = api.awaitRun(added.jsonPath().getLong("restartRun"), RUN_TIMEOUT);
            assertThat(run.getString("state")).isEqualTo("succeeded");
            assertThat(run.getString("kind")).isEqualTo("stt");
            assertThat(run.getLong("settingsVersion")).as("the primary's version is unchanged").isEqualTo(sttVersion);
            assertThat(run.getString("cause")).as("its own cause, not a save").isEqualTo("fallback");
            assertThat(run.getString("changeSummary")).isEqualTo("stt fallback " + id + " (soniox) was added");
            assertThat(given().cookie(SessionTokens.SESSION_COOKIE, Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                    dev.keyhouse.TestSettings.ADMIN_PASSWORD)).get("/admin/restarts/" + run.getLong("id"))
                    .asString()).as("the run page says what changed, not that a version was saved")
                    .contains("After stt fallback " + id + " (soniox) was added, by ",
                            "(stt settings version " + sttVersion + " itself unchanged)")
                    .doesNotContain("was saved by");
            assertThat(run.getList("results.target")).containsExactly("speech-" + stt.tag());
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).contains("SONIOX_API_KEY=" + soniox + "\n",
                    "STT_PROVIDERS=deepgram,soniox\n", "STT_API_KEY=" + deepgram + "\n");
            assertThat(stt.voice()).as("the target that does not depend on stt is left alone").doesNotExist();
            assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'restart.create' AND target = ?",
                    "restart run " + run.getLong("id"))).singleElement().asString()
                    .contains("after stt fallback " + id + " (soniox) was added: rolls out to speech-" + stt.tag());

            Response disabled = put(providers + "/" + id, 1, Map.of("enabled", false));
            assertThat(api.awaitRun(disabled.jsonPath().getLong("restartRun"), RUN_TIMEOUT).getString("state"))
                    .isEqualTo("succeeded");
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).doesNotContain("SONIOX_API_KEY",
                    "STT_PROVIDERS");

            String runs = "SELECT count(*) FROM restart_runs WHERE kind = 'stt'";
            List<String> before = Rows.column(db, runs);
            Response hidden = put(providers + "/" + id, 2, Map.of("provider", "soniox", "model", "stt-rt-2",
                    "baseUrl", LOOPBACK, "apiKey", soniox + "-new"));
            assertThat(hidden.jsonPath().getString("restartRun")).as("a disabled fallback's edit reaches no runtime")
                    .isNull();
            assertThat(Rows.column(db, runs)).isEqualTo(before);

            Response enabled = put(providers + "/" + id, 3, Map.of("enabled", true));
            assertThat(api.awaitRun(enabled.jsonPath().getLong("restartRun"), RUN_TIMEOUT).getString("state"))
                    .isEqualTo("succeeded");
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).contains("SONIOX_API_KEY=" + soniox
                    + "-new\n", "STT_SONIOX_MODEL=stt-rt-2\n");

            Response same = put(providers + "/" + id, 4, Map.of("provider", "soniox", "model", "stt-rt-2",
                    "baseUrl", LOOPBACK, "apiKey", soniox + "-new"));
            assertThat(same.jsonPath().getString("restartRun")).as("the same key typed again changes nothing served")
                    .isNull();
            assertThat(same.jsonPath().getBoolean("unchanged")).as("nor makes a version").isTrue();
            assertThat(same.header("ETag")).isEqualTo("\"4\"");

            Response second = addFallback(Map.of("provider", "custom", "model", "stt-" + stt.tag(), "baseUrl",
                    LOOPBACK + "/stt", "apiKey", custom));
            api.awaitRun(second.jsonPath().getLong("restartRun"), RUN_TIMEOUT);
            Response moved = put(providers + "/" + second.jsonPath().getLong("id"), 1, Map.of("position", 1));
            assertThat(api.awaitRun(moved.jsonPath().getLong("restartRun"), RUN_TIMEOUT).getString("state"))
                    .isEqualTo("succeeded");
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).contains("STT_PROVIDERS=deepgram,custom,soniox\n");

            before = Rows.column(db, runs);
            given().auth().oauth2(api.admin()).header("If-Match", "\"4\"").delete(providers + "/" + id).then()
                    .statusCode(200);
            List<String> deleted = Rows.column(db, "SELECT id FROM restart_runs WHERE kind = 'stt' ORDER BY id DESC"
                    + " LIMIT 1");
            assertThat(Rows.column(db, runs)).isNotEqualTo(before);
            assertThat(api.awaitRun(Long.parseLong(deleted.get(0)), RUN_TIMEOUT).getList("results.target"))
                    .containsExactly("speech-" + stt.tag());
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).doesNotContain("SONIOX_API_KEY")
                    .contains("STT_PROVIDERS=deepgram,custom\n");
            assertThat(stt.voice()).as("no fallback change touched the target without stt").doesNotExist();
        } finally {
            dev.keyhouse.settings.ProviderEntriesTest.removeFallbacks(db);
        }
    }

    /**
     * Issue 19 on the page, end to end: the fallback's form and the overview say which targets a change restarts;
     * make-primary goes through its confirmation step (nothing changed by the first), then swaps: the overview, {@code
     * /api/v1/settings/stt} and runtime-config show the new primary, its live check is the primary's last check, and
     * the run it planned restarts the stt target only.
     */
    @Test
    void makingAFallbackPrimaryOnThePageSwapsEverywhereAndRestartsOnlyItsDependents() throws Exception {
        SttTargets stt = sttTargets();
        String deepgram = "dg-page-primary-" + stt.tag() + "-1a2b3c4d";
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            String sonioxKey = soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            saveDeepgramPrimary(deepgram);
            Response added = addFallback(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl",
                    soniox.url(), "apiKey", sonioxKey));
            long id = added.jsonPath().getLong("id");
            api.awaitRun(added.jsonPath().getLong("restartRun"), RUN_TIMEOUT);
            Files.deleteIfExists(stt.speech());

            String session = Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                    dev.keyhouse.TestSettings.ADMIN_PASSWORD);
            String csrf = Browser.csrfOf(session);
            String pages = "/admin/settings/stt/providers/" + id;
            String form = given().cookie(SessionTokens.SESSION_COOKIE, session).get(pages).then().statusCode(200)
                    .extract().asString();
            assertThat(form).as("the fallback's form says what saving it restarts").contains("id=\"save-restarts\"",
                    "restarts: speech-" + stt.tag()).doesNotContain("voice-" + stt.tag(), sonioxKey);
            assertThat(given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/settings").asString())
                    .contains("id=\"fallback-restarts-stt\"", "this fallback restarts: speech-" + stt.tag());

            long primaryVersion = api.setting("stt").getLong("version");
            Response step = Browser.signedInForm(session, csrf).formParam("version", "1")
                    .formParam("primaryVersion", primaryVersion).post(pages + "/primary");
            assertThat(step.statusCode()).isEqualTo(200);
            assertThat(step.asString()).contains("Make stt fallback " + id + " (soniox) the primary?",
                    "name=\"confirmed\" value=\"yes\"");
            assertThat(api.setting("stt").getString("provider")).as("the step changes nothing")
                    .isEqualTo("deepgram");

            soniox.clearReceived();
            java.time.Instant before = java.time.Instant.now();
            Response confirmed = Browser.signedInForm(session, csrf).formParam("version", "1")
                    .formParam("primaryVersion", primaryVersion).formParam("confirmed", "yes")
                    .post(pages + "/primary");
            assertThat(confirmed.statusCode()).as(confirmed.asString()).isEqualTo(303);
            assertThat(confirmed.header("Location")).isEqualTo("/admin/settings");
            String notice = confirmed.getCookie(dev.keyhouse.web.Flash.COOKIE);
            assertThat(notice).matches("saved\\.stt\\.r[0-9]+");
            long runId = Long.parseLong(notice.replaceAll(".*\\.r([0-9]+).*", "$1"));
            assertThat(soniox.received()).as("its key was checked live before the swap").isNotEmpty();

            String overview = Browser.followFlash(session, confirmed).asString();
            assertThat(overview).contains("href=\"/admin/restarts/" + runId + "\"");
            String row = overview.substring(overview.indexOf("id=\"fallback-" + id + "\""));
            assertThat(row.substring(0, row.indexOf("</li>"))).as("the old primary is now the fallback")
                    .contains("class=\"fallback-provider\">deepgram<");

            JsonPath setting = api.setting("stt");
            assertThat(setting.getString("provider")).isEqualTo("soniox");
            assertThat(setting.getString("lastCheck.result")).as("make-primary's check is the primary's last check")
                    .isEqualTo("ok");
            assertThat(java.time.Instant.parse(setting.getString("lastCheck.checkedAt"))).isAfterOrEqualTo(
                    before.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).minusMillis(1));
            Map<String, String> env = given().auth().oauth2(dev.keyhouse.TestSettings.RUNTIME_CONFIG_TOKEN)
                    .get("/api/v1/internal/runtime-config").then().statusCode(200).extract().jsonPath().getMap("env");
            assertThat(env).containsEntry("STT_PROVIDER", "soniox").containsEntry("STT_API_KEY", sonioxKey)
                    .containsEntry("DEEPGRAM_API_KEY", deepgram).containsEntry("STT_PROVIDERS", "soniox,deepgram");

            JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
            assertThat(run.getString("state")).isEqualTo("succeeded");
            assertThat(run.getList("results.target")).containsExactly("speech-" + stt.tag());
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).contains("STT_PROVIDER=soniox\n");
            assertThat(stt.voice()).as("the target that does not depend on stt is left alone").doesNotExist();

            // a fallback's change on the page is rolled out as over REST, and the overview links the run
            Response disabled = Browser.signedInForm(session, csrf).formParam("version", "2")
                    .formParam("enabled", "false").formParam("confirmed", "yes").post(pages + "/enabled");
            assertThat(disabled.statusCode()).as(disabled.asString()).isEqualTo(303);
            assertThat(disabled.header("Location")).isEqualTo("/admin/settings#fallbacks-stt");
            String back = disabled.getCookie(dev.keyhouse.web.Flash.COOKIE);
            assertThat(back).matches("fallback\\.stt\\.r[0-9]+");
            long pageRun = Long.parseLong(back.replaceAll(".*\\.r([0-9]+).*", "$1"));
            assertThat(api.awaitRun(pageRun, RUN_TIMEOUT).getList("results.target"))
                    .containsExactly("speech-" + stt.tag());
            assertThat(Files.readString(stt.speech(), StandardCharsets.UTF_8)).as("the disabled fallback is gone")
                    .doesNotContain("DEEPGRAM_API_KEY", "STT_PROVIDERS");
            assertThat(stt.voice()).doesNotExist();
        } finally {
            dev.keyhouse.settings.ProviderEntriesTest.removeFallbacks(db);
        }
    }

    /** Two command targets and the files they write: speech depends on stt, voice on every other provider kind. */
    private record SttTargets(String tag, Path speech, Path voice) {
    }

    /** Makes the {@link SttTargets} {@code speech-<tag>} and {@code voice-<tag>}. */
    private SttTargets sttTargets() {
        SttTargets targets = new SttTargets(unique(), dir.resolve("speech.env"), dir.resolve("voice.env"));
        api.command("speech-" + targets.tag(), List.of("stt"), "true", targets.speech().toString());
        api.command("voice-" + targets.tag(), List.of("llm", "tts", "telephony", "livekit"), "true",
                targets.voice().toString());
        return targets;
    }

    /** Saves a Deepgram stt primary (its check to loopback) and waits for its rollout; the new stt version. */
    private long saveDeepgramPrimary(String key) throws InterruptedException {
        String etag = given().auth().oauth2(api.admin()).get("/api/v1/settings/stt").then().statusCode(200)
                .extract().header("ETag");
        Response primary = given().auth().oauth2(api.admin()).contentType(io.restassured.http.ContentType.JSON)
                .header("If-Match", etag).body(Map.of("provider", "deepgram", "model", "nova-3", "baseUrl", LOOPBACK,
                        "apiKey", key)).put("/api/v1/settings/stt");
        primary.then().statusCode(200);
        assertThat(api.awaitRun(primary.jsonPath().getLong("restartRun"), RUN_TIMEOUT).getString("state"))
                .isEqualTo("succeeded");
        return primary.jsonPath().getLong("version");
    }

    /** POST of a new stt fallback: 201. */
    private Response addFallback(Map<String, Object> body) {
        Response added = given().auth().oauth2(api.admin()).contentType(io.restassured.http.ContentType.JSON)
                .body(body).post("/api/v1/settings/stt/providers");
        assertThat(added.statusCode()).as(added.asString()).isEqualTo(201);
        return added;
    }

    private Response put(String path, long version, Map<String, Object> body) {
        Response response = given().auth().oauth2(api.admin()).contentType(io.restassured.http.ContentType.JSON)
                .header("If-Match", "\"" + version + "\"").body(body).put(path);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response;
    }

    @Test
    void aSaveThatRollsBackLeavesNoRun() {
        api.command("rolled-back-" + unique(), List.of("llm"), "true", null);
        String runs = Rows.column(db, "SELECT count(*) FROM restart_runs").get(0);
        String results = Rows.column(db, "SELECT count(*) FROM restart_results").get(0);

        QuarkusTransaction.begin();
        try {
            long version = settings.get(ProviderKind.LLM).version();
            Long planned = settings.save(ProviderKind.LLM,
                    Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", "sk-rolled-back-" + unique()),
                    version, "test").restartRun();
            assertThat(planned).as("the save planned a run inside its transaction").isNotNull();
        } finally {
            QuarkusTransaction.rollback();
        }

        assertThat(Rows.column(db, "SELECT count(*) FROM restart_runs").get(0)).isEqualTo(runs);
        assertThat(Rows.column(db, "SELECT count(*) FROM restart_results").get(0)).isEqualTo(results);
        Response stale = given().auth().oauth2(api.admin()).contentType("application/json").header("If-Match", "\"0\"")
                .body(Map.of("provider", "openai", "model", "m", "apiKey", "sk-stale-" + unique()))
                .put("/api/v1/settings/llm");
        stale.then().statusCode(412);
        assertThat(Rows.column(db, "SELECT count(*) FROM restart_runs").get(0)).isEqualTo(runs);
    }

    @Test
    void aFailingASlowAndAHealthyTargetEachGetTheirOwnResultAndTheWaveRollsBack() throws Exception {
        String tag = unique();
        // a previous version to roll back to, saved while no target depends on it
        api.saveLlmKey("sk-before-partial-" + tag + "-5e21c0").then().statusCode(200);
        Path healthyFile = dir.resolve("healthy.env");
        Path failingFile = dir.resolve("failing.env");
        api.command("healthy-" + tag, List.of("llm"), "true", healthyFile.toString());
        // prints the file it was given, key included, then fails: the stored error must mask the key
        api.command("failing-" + tag, List.of("llm"), "cat '" + failingFile + "'; echo giving up; exit 3",
                failingFile.toString());
        api.command("slow-" + tag, List.of("llm"), "sleep 60", null);
        // all three in the canary wave, so each restart runs and fails (or not) on its own
        Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name LIKE ?", "%-" + tag);
        String key = "sk-partial-test-" + tag + "-77d0e2";

        long runId = api.saveLlmKey(key).then().statusCode(200).extract().jsonPath().getLong("restartRun");

        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
        // the previous key cannot be judged here (its provider is not reachable), so it is restored: proof that it
        // is bad would halt instead
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo("rolled_back");
        // the reason names the wave's first failure: the failing target's last retry, or (on a loaded machine, where
        // those retries take longer) the slow one's timeout
        assertThat(run.getString("reason")).matches("(?s)wave 1 \\(canary\\): (failing-" + tag + ": restart failed|slow-"
                + tag + ": restart timed out).*")
                .as("the reason (log, alert, banner) never quotes a program's output").doesNotContain("giving up");
        assertThat(result(run, "healthy-" + tag, "state")).isEqualTo("restarted");
        assertThat(result(run, "healthy-" + tag, "attempts")).isEqualTo(1);
        assertThat(result(run, "failing-" + tag, "state")).isEqualTo("failed");
        assertThat(result(run, "failing-" + tag, "attempts")).as("retried up to RESTART_ATTEMPTS")
                .isEqualTo(Profiles.FastRestarts.ATTEMPTS);
        String error = (String) result(run, "failing-" + tag, "error");
        assertThat(error).contains("exited with code 3").contains("giving up").contains(SecretMask.MASK)
                .doesNotContain(key);
        assertThat(result(run, "slow-" + tag, "state")).isEqualTo("timed_out");
        assertThat(result(run, "slow-" + tag, "attempts")).isEqualTo(1);
        assertThat((String) result(run, "slow-" + tag, "error")).contains("did not finish within 3 s");
        assertThat(Rows.containing(db, key)).as("the key is in no table").isEmpty();
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("keyhouse_restart_results_total{driver=\"command\",outcome=\"timed_out\"}")
                .contains("keyhouse_restart_results_total{driver=\"command\",outcome=\"failed\"}")
                .contains("keyhouse_restart_results_total{driver=\"command\",outcome=\"restarted\"}");
    }

    @Test
    void aKeyAppearingInAnyFormKeyhouseWritesIsMaskedInTheResultThePageAndTheLog() throws Exception {
        String tag = unique();
        Path file = dir.resolve("tts.env");
        // prints the key's line as Keyhouse wrote it (escaped), then the whole file as base64, then fails
        api.command("masked-" + tag, List.of("tts"), "grep '^TTS_API_KEY=' '" + file + "'; base64 -w0 '" + file
                + "'; exit 3",
                file.toString());
        // a quote, an apostrophe and backslashes: the file holds it double-quoted and escaped
        String key = "tts\\key\"" + tag + "\"it's\\\"quoted";
        try (LogCapture log = LogCapture.install()) {
            String etag = given().auth().oauth2(api.admin()).get("/api/v1/settings/tts").then().statusCode(200)
                    .extract().header("ETag");
            long runId = given().auth().oauth2(api.admin()).contentType(io.restassured.http.ContentType.JSON)
                    .header("If-Match", etag).body(Map.of("provider", "elevenlabs", "voice", "Rachel",
                            "model", "eleven_multilingual_v2", "apiKey", key))
                    .put("/api/v1/settings/tts").then().statusCode(200).extract().jsonPath().getLong("restartRun");
            JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

            String error = (String) result(run, "masked-" + tag, "error");
            assertThat(error).as("the command's output is in the result, masked")
                    .contains("TTS_API_KEY=\"" + SecretMask.MASK + "\"").contains("exited with code 3");
            String viewer = Browser.uniqueEmail("masked-viewer");
            Browser.newUser(viewer, "viewer");
            String session = Browser.session(viewer, Browser.PASSWORD);
            String page = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/restarts/" + runId)
                    .then().statusCode(200).extract().asString();
            // the output is the runtime's own text: an admin's run page shows it masked, a viewer's the reason only
            String adminPage = given().auth().oauth2(api.admin()).get("/admin/restarts/" + runId)
                    .then().statusCode(200).extract().asString();
            assertThat(adminPage).as("an admin's run page shows the masked output").contains(SecretMask.MASK);
            assertThat(page).as("a viewer's run page shows the reason only").contains("exited with code 3")
                    .contains("own output is shown to admins").doesNotContain("TTS_API_KEY=");
            String answer = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/api/v1/restarts/" + runId)
                    .then().statusCode(200).extract().asString();
            // the forms a reader could decode: as is, as the file holds it, JSON- and HTML-escaped, and base64 of the
            // key and of the file's escaped line wherever it sits in the base64 of the whole file (three alignments)
            String inFile = key.replace("\\", "\\\\").replace("\"", "\\\"");
            List<String> forms = new java.util.ArrayList<>(List.of(key, inFile, key.replace("\"", "&quot;"),
                    key.replace("\"", "&#34;")));
            for (String text : List.of(key, inFile)) {
                for (int offset = 0; offset < 3; offset++) {
                    forms.add(SecretForms.base64Run(java.util.Base64.getEncoder().withoutPadding(),
                            text.getBytes(StandardCharsets.UTF_8), offset));
                }
            }
            for (String form : forms) {
                assertThat(error).as("the stored result holds " + form).doesNotContain(form);
                assertThat(page).as("the page holds " + form).doesNotContain(form);
                assertThat(adminPage).as("an admin's page holds " + form).doesNotContain(form);
                assertThat(answer).as("the API answer holds " + form).doesNotContain(form);
                assertThat(log.text()).as("the log holds " + form).doesNotContain(form);
            }
            assertThat(log.text()).as("the log saw the failures").contains("masked-" + tag);
        }
    }

    /** Both telephony secrets, the auth token and the API key's secret, are masked in a failed restart's output. */
    @Test
    void everySecretOfAKindWithSeveralIsMaskedInTheResult() throws Exception {
        String tag = unique();
        Path file = dir.resolve("telephony.env");
        api.command("twilio-" + tag, List.of("telephony"), "grep '^TWILIO_' '" + file + "'; exit 3", file.toString());
        String token = "5e4d3c2b1a0f9e8d7c6b5a4938271605";
        String apiSecret = "twilio-api-secret-" + tag + "-0c9d";
        String etag = given().auth().oauth2(api.admin()).get("/api/v1/settings/telephony").then().statusCode(200)
                .extract().header("ETag");
        long runId = given().auth().oauth2(api.admin()).contentType(io.restassured.http.ContentType.JSON)
                .header("If-Match", etag).body(Map.of("accountSid", "AC0123456789abcdef0123456789abcdef",
                        "fromNumber", "+14155550100", "authToken", token,
                        "apiKeySid", "SK0123456789abcdef0123456789abcdef", "apiSecret", apiSecret))
                .put("/api/v1/settings/telephony").then().statusCode(200).extract().jsonPath().getLong("restartRun");

        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);

        String error = (String) result(run, "twilio-" + tag, "error");
        assertThat(error).as("the command printed the lines, each secret masked")
                .contains("TWILIO_AUTH_TOKEN=" + SecretMask.MASK).contains("TWILIO_API_SECRET=" + SecretMask.MASK)
                .contains("TWILIO_API_KEY=").doesNotContain(token).doesNotContain(apiSecret);
    }

    @Test
    void runtimesThatFetchTheirConfigAfterTheRestartAreCountedAsConverged() throws Exception {
        String tag = unique();
        String confirming = "ack-yes-" + tag;
        String silent = "ack-no-" + tag;
        api.command(confirming, List.of("llm"), "true", null);
        api.command(silent, List.of("llm"), "true", null);
        String key = "sk-ack-test-" + tag + "-0b9e55";
        long runId = api.saveLlmKey(key).then().statusCode(200).extract().jsonPath().getLong("restartRun");
        api.awaitRun(runId, RUN_TIMEOUT);

        api.fetchRuntimeConfig(confirming).then().statusCode(200);
        // an over-long name is refused, naming the header, never served as unnamed past its rollout pin
        api.fetchRuntimeConfig("x".repeat(300)).then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("X-Keyhouse-Runtime"));

        JsonPath run = api.run(runId);
        String expected = fingerprints.of(key);
        assertThat(run.getString("convergence.fingerprint")).isEqualTo(expected);
        assertThat(result(run, confirming, "ackFingerprint")).isEqualTo(expected);
        assertThat(result(run, confirming, "confirmed")).isEqualTo(true);
        assertThat(result(run, silent, "ackFingerprint")).isNull();
        assertThat(run.getInt("convergence.restarted")).isEqualTo(2);
        assertThat(run.getInt("convergence.confirmed")).isEqualTo(1);
        // command targets' confirmation is none: the silent one is not asked (counted apart, once), the one that
        // fetched is confirmed by its fetch (issue 20, breaker finding 1)
        assertThat(run.getList("convergence.unconfirmed")).isEmpty();
        assertThat(run.getList("convergence.notAsked")).containsExactly(silent);
        acks.flush(); // fetches are written in batches; write what is pending
        assertThat(Rows.column(db, "SELECT llm_fingerprint FROM runtime_acks WHERE runtime = ?", confirming))
                .containsExactly(expected);
        assertThat(Rows.column(db, "SELECT count(*) FROM runtime_acks WHERE length(runtime) > 200"))
                .as("an over-long name is not recorded").containsExactly("0");
        assertThat(RuntimeConfigServed.runtimeName("bad\u0001name")).isNull();
        assertThat(RuntimeConfigServed.runtimeName("  ")).isNull();
        assertThat(RuntimeConfigServed.runtimeName(" voice-1 ")).isEqualTo("voice-1");
    }

    /**
     * Issue 19 (breaker 19g): an ended run's results stay as they ended. {@code runtime_acks} keeps only a runtime's
     * newest fetch, and a report read it for every earlier run too: a runtime that never fetched after run 1 read
     * "confirmed" there once it fetched after run 2, and one that did read run 2's fetch. Now each runtime's earlier
     * results keep their last fetch before the next restart (V25).
     */
    @Test
    void anEndedRunsResultsKeepTheirFetchWhenTheRuntimeFetchesAfterItsNextRestart() throws Exception {
        String tag = unique();
        String silent = "settled-silent-" + tag;
        String fetching = "settled-fetching-" + tag;
        FirstRestarts first = restartedOnceOneFetching(silent, fetching);
        assertThat(result(api.run(first.fetchingRun()), fetching, "confirmed")).isEqualTo(true);
        assertThat(result(api.run(first.silentRun()), silent, "confirmed")).isEqualTo(false);

        long silentSecond = restartNow(first.silentId());
        long fetchingSecond = restartNow(first.fetchingId());
        Thread.sleep(5); // the second fetch is served measurably later than the first
        api.fetchRuntimeConfig(silent).then().statusCode(200);
        api.fetchRuntimeConfig(fetching).then().statusCode(200);

        JsonPath silentRun2 = api.run(silentSecond);
        assertThat(result(silentRun2, silent, "confirmed")).as("run 2 is confirmed by the fetch after it")
                .isEqualTo(true);
        assertThat(result(silentRun2, silent, "nextStartedAt")).isNull();
        JsonPath silentRun1 = api.run(first.silentRun());
        assertThat(result(silentRun1, silent, "confirmed")).as("run 1 ended without a fetch and stays so: "
                + silentRun1.prettify()).isEqualTo(false);
        assertThat(result(silentRun1, silent, "ackedAt")).isNull();
        assertThat(result(silentRun1, silent, "nextStartedAt")).isNotNull();
        assertThat(given().cookie(SessionTokens.SESSION_COOKIE, Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                dev.keyhouse.TestSettings.ADMIN_PASSWORD)).get("/admin/restarts/" + first.silentRun()).asString())
                .contains("no fetch before its next restart");

        JsonPath fetchingRun1 = api.run(first.fetchingRun());
        assertThat(result(fetchingRun1, fetching, "ackedAt")).as("run 1 keeps its own fetch, not run 2's")
                .isEqualTo(first.fetchedAt());
        assertThat(result(fetchingRun1, fetching, "confirmed")).isEqualTo(true);
        assertThat(result(api.run(fetchingSecond), fetching, "ackedAt")).isNotEqualTo(first.fetchedAt()).isNotNull();
    }

    /**
     * Issue 19 (C1): a command target's runtime is the target whatever it is named. Its run before a rename held the
     * old name, so the restart under the new name did not settle it, and a later fetch by the old name confirmed it.
     */
    @Test
    void aRenamedTargetsEarlierRunIsSettledByItsNextRestart() throws Exception {
        String tag = unique();
        String name = "renamed-" + tag;
        long id = api.command(name, List.of("tts"), "true", null, Confirmations.FETCH);
        long first = restartNow(id);
        given().auth().oauth2(api.admin()).contentType("application/json").body(Map.of("name", "renamed-x-" + tag))
                .put("/api/v1/runtimes/" + id).then().statusCode(200);
        restartNow(id);
        api.fetchRuntimeConfig(name).then().statusCode(200);

        JsonPath run1 = api.run(first);
        assertThat(result(run1, name, "nextStartedAt")).as("settled by the restart under the new name: "
                + run1.prettify()).isNotNull();
        assertThat(result(run1, name, "ackedAt")).isNull();
        assertThat(result(run1, name, "confirmed")).isEqualTo(false);
    }

    /**
     * Issue 19 (C2): a deleted target's results end with it. The delete set their {@code target_id} null, so no
     * restart settled them, and the fetches of a target created again under the same name confirmed them.
     */
    @Test
    void aDeletedTargetsRunsKeepTheirFetchWhenATargetOfTheSameNameFetches() throws Exception {
        assertTheirRunsKeepTheirFetchWhenTheNamesAreTakenAfter("recreated", "deletion", id -> given().auth()
                .oauth2(api.admin()).delete("/api/v1/runtimes/" + id).then().statusCode(204));
    }

    /**
     * A renamed target's results end with its old name, as a deleted target's do: a command target's runtime is named
     * after the target, so until the renamed target's next restart settled them, the fetches of a target created
     * under the old name confirmed its runs. The rename settles them in its own transaction.
     */
    @Test
    void aRenamedTargetsRunsKeepTheirFetchWhenATargetTakingItsOldNameFetches() throws Exception {
        assertTheirRunsKeepTheirFetchWhenTheNamesAreTakenAfter("vacated", "rename", id -> given().auth()
                .oauth2(api.admin()).contentType("application/json").body(Map.of("name", "moved-" + id + "-" + unique()))
                .put("/api/v1/runtimes/" + id).then().statusCode(200));
    }

    /**
     * Two fetch-confirmed command targets restarted once, one fetching ({@link #restartedOnceOneFetching}); then
     * {@code vacate} (a delete, a rename) frees each name, targets created under the names are restarted and fetch:
     * the first targets' runs stay as they were at the {@code what} (settled then, the silent one unconfirmed, the
     * fetching one with its own fetch).
     */
    private void assertTheirRunsKeepTheirFetchWhenTheNamesAreTakenAfter(String prefix, String what,
            java.util.function.LongConsumer vacate) throws Exception {
        String tag = unique();
        String silent = prefix + "-silent-" + tag;
        String fetching = prefix + "-fetching-" + tag;
        FirstRestarts first = restartedOnceOneFetching(silent, fetching);
        vacate.accept(first.silentId());
        vacate.accept(first.fetchingId());
        long silentAgain = api.command(silent, List.of("tts"), "true", null, Confirmations.FETCH);
        long fetchingAgain = api.command(fetching, List.of("tts"), "true", null, Confirmations.FETCH);
        long silentSecond = restartNow(silentAgain);
        restartNow(fetchingAgain);
        Thread.sleep(5); // the second fetch is served measurably later than the first
        api.fetchRuntimeConfig(silent).then().statusCode(200);
        api.fetchRuntimeConfig(fetching).then().statusCode(200);

        assertThat(result(api.run(silentSecond), silent, "confirmed")).isEqualTo(true);
        JsonPath silentRun1 = api.run(first.silentRun());
        assertThat(result(silentRun1, silent, "confirmed")).as("the first target's run is not confirmed by the fetch"
                + " of the target that took its name after its " + what + ": " + silentRun1.prettify()).isEqualTo(false);
        assertThat(result(silentRun1, silent, "nextStartedAt")).as("settled at the " + what).isNotNull();
        assertThat(result(silentRun1, silent, "ackedAt")).isNull();
        assertThat(result(api.run(first.fetchingRun()), fetching, "ackedAt")).as("keeps its fetch before the " + what)
                .isEqualTo(first.fetchedAt());
    }

    /** Two command targets confirmed by fetch, each restarted once by its own run, and what the fetching one fetched. */
    private record FirstRestarts(long silentId, long fetchingId, long silentRun, long fetchingRun, Object fetchedAt) {
    }

    /**
     * Creates command targets {@code silent} and {@code fetching} (confirmation fetch), restarts each once ("Restart
     * now") and fetches as {@code fetching} only; asserts its run saw that fetch.
     */
    private FirstRestarts restartedOnceOneFetching(String silent, String fetching) throws InterruptedException {
        long silentId = api.command(silent, List.of("tts"), "true", null, Confirmations.FETCH);
        long fetchingId = api.command(fetching, List.of("tts"), "true", null, Confirmations.FETCH);
        long silentRun = restartNow(silentId);
        long fetchingRun = restartNow(fetchingId);
        api.fetchRuntimeConfig(fetching).then().statusCode(200);
        acks.flush(); // written: a pending fetch's stamp is computed anew by each read
        Object fetchedAt = result(api.run(fetchingRun), fetching, "ackedAt");
        assertThat(fetchedAt).as("run 1 saw the fetch after its restart").isNotNull();
        return new FirstRestarts(silentId, fetchingId, silentRun, fetchingRun, fetchedAt);
    }

    /** A "Restart now" of target {@code id}, awaited: its run's id. */
    private long restartNow(long id) throws InterruptedException {
        Response started = given().auth().oauth2(api.admin()).contentType("application/json")
                .post("/api/v1/runtimes/" + id + "/restart");
        started.then().statusCode(202);
        long runId = started.jsonPath().getLong("id");
        api.awaitRun(runId, RUN_TIMEOUT);
        return runId;
    }

    @Test
    void restartNowRunsOneTargetAndIsAudited() throws Exception {
        String name = "by-hand-" + unique();
        Path file = dir.resolve("by-hand.env");
        long id = api.command(name, List.of("tts"), "true", file.toString());

        Response started = given().auth().oauth2(api.admin()).contentType("application/json")
                .post("/api/v1/runtimes/" + id + "/restart");

        started.then().statusCode(202);
        long runId = started.jsonPath().getLong("id");
        assertThat(started.header("Location")).endsWith("/api/v1/restarts/" + runId);
        JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
        assertThat(run.getString("state")).isEqualTo("succeeded");
        assertThat(run.getString("cause")).isEqualTo("manual");
        assertThat(run.getList("results.target")).containsExactly(name);
        assertThat(file).exists();
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/restarts?target=" + name).jsonPath()
                .getList("id", Long.class)).containsExactly(runId);
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", name))
                .containsExactly("runtime.create");
        assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'restart.create' AND target = ? ORDER BY id",
                "restart run " + runId)).containsExactly("restart now of " + name);
    }

    /**
     * A retry is claimed once its backoff is over, not at the executor's next poll (every 2 s): with the poll paused,
     * a target that fails its first attempt is tried again after FastRestarts' 100 ms and the run succeeds on the
     * second attempt (before, the retry waited for a poll that never came).
     */
    @Test
    void aRetryIsClaimedWhenItsBackoffEndsWithoutThePoll() throws Exception {
        String name = "retried-" + unique();
        Path attempts = dir.resolve("attempts");
        long id = api.command(name, List.of("tts"), "echo \"$KEYHOUSE_RESTART_ATTEMPT\" >> '" + attempts + "';"
                + " [ \"$KEYHOUSE_RESTART_ATTEMPT\" -ge 2 ]", dir.resolve("retried.env").toString());
        String poll = scheduler.getScheduledJobs().stream()
                .filter(job -> job.getMethodDescription().equals(RestartExecutor.class.getName() + "#poll"))
                .findFirst().orElseThrow().getId();
        scheduler.pause(poll);
        try {
            long runId = given().auth().oauth2(api.admin()).contentType("application/json")
                    .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath()
                    .getLong("id");
            JsonPath run = api.awaitRun(runId, Duration.ofSeconds(30));
            assertThat(run.getString("state")).as(run.prettify()).isEqualTo("succeeded");
            assertThat(Files.readAllLines(attempts)).containsExactly("1", "2");
        } finally {
            scheduler.resume(poll);
        }
    }

    /**
     * A field of the first result of the command target named {@code target} when the run discovered it (a rollback's
     * restart of it comes later): found by its runtime, which holds that name; a result's {@code target} is the
     * target's name now, which a later rename changes.
     */
    private static Object result(JsonPath run, String target, String field) {
        return run.get("results.find { it.runtime == '" + target + "' }." + field);
    }

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
