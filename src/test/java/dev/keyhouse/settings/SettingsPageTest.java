package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ConfirmSteps;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

@QuarkusTest
class SettingsPageTest {

    private static final String SECRET = "5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d";

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    javax.sql.DataSource db;

    private String session;

    @BeforeEach
    void signIn() {
        session = Clients.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
    }

    @Test
    void adminEditsWithCsrfAndIsRedirectedToTheFlash() {
        Response form = page("/admin/settings/telephony");
        form.then().statusCode(200);
        String html = form.asString();
        assertThat(html).contains("name=\"csrf-token\"").contains("type=\"password\"")
                .contains("name=\"version\"").doesNotContain("style=")
                .as("no inline script: every <script> loads a file").doesNotContainPattern("<script(?![^>]*\\ssrc=)");
        assertThat(html).containsPattern("name=\"authToken\" type=\"password\" autocomplete=\"off\" value=\"\"");

        Map<String, String> fields = new HashMap<>();
        fields.put("provider", "twilio");
        fields.put("accountSid", "AC00000000000000000000000000000abc");
        fields.put("authToken", SECRET);
        fields.put("fromNumber", "+14155550199");
        Response saved = post(form, "/admin/settings/telephony", fields);

        saved.then().statusCode(303);
        // the save's key check cannot reach Twilio from the tests: saved with a warning (SettingsCheckTest)
        assertThat(saved.header("Location")).isEqualTo("/admin/settings");
        String overview = dev.keyhouse.auth.Browser.followFlash(session, saved).asString();
        assertThat(page("/admin/settings").asString()).as("a reload does not repeat the notice")
                .doesNotContain("settings saved");
        assertThat(overview).contains("Telephony (Twilio) settings saved")
                .contains("…" + SECRET.substring(SECRET.length() - 4))
                .contains(fingerprints.of(SECRET))
                .contains("+14155550199")
                .contains("href=\"/admin/settings\">Settings</a>")
                .doesNotContain(SECRET);
        String edit = page("/admin/settings/telephony").asString();
        assertThat(edit).contains("leave empty to keep the current key").doesNotContain(SECRET);
    }

    @Test
    void aFormWithoutTheCsrfTokenIsRefused() {
        long version = Clients.version("tts");
        Response refused = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .formParam("provider", "sarvam").formParam("voice", "meera").formParam("version", version)
                .post("/admin/settings/tts");
        assertThat(refused.statusCode()).isIn(400, 403);
        assertThat(Clients.version("tts")).isEqualTo(version);
    }

    @Test
    void invalidInputIsShownNextToTheFieldKeepingWhatWasTyped() {
        Response form = page("/admin/settings/llm");
        Map<String, String> fields = new HashMap<>();
        fields.put("provider", "custom");
        fields.put("model", "my-local-model");
        fields.put("baseUrl", "not a url");
        fields.put("apiKey", "sk-page-invalid-should-not-echo-123");
        Response rejected = post(form, "/admin/settings/llm", fields);

        rejected.then().statusCode(400);
        assertThat(rejected.header("Cache-Control")).as("the answer carrying the typed key is never cached")
                .isEqualTo("no-store");
        assertThat(rejected.asString()).contains("Base URL: must be a valid http or https URL")
                .contains("value=\"my-local-model\"").contains("value=\"not a url\"")
                .as("the typed key is kept in its field, in this answer only")
                .containsPattern("name=\"apiKey\" type=\"password\" autocomplete=\"off\""
                        + " value=\"sk-page-invalid-should-not-echo-123\"");
        assertThat(page("/admin/settings/llm").asString()).as("the next GET of the page shows it nowhere")
                .doesNotContain("sk-page-invalid-should-not-echo-123");
    }

    /**
     * Issue 20, point 7: one submit names every problem: the form's version and override reason with the fields'
     * (a missing provider, a missing model, a bad base URL); the typed key and reason stay in their fields.
     */
    @Test
    void oneSubmitNamesEveryProblem() {
        long version = Clients.version("llm");
        Response form = page("/admin/settings/llm");
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        Response refused = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .contentType("application/x-www-form-urlencoded; charset=UTF-8").cookies(form.getCookies())
                .formParam("csrf-token", csrf).formParam("version", "").formParam("provider", "")
                .formParam("model", "").formParam("baseUrl", "not a url")
                .formParam("apiKey", "sk-page-all-at-once-4c1d9e").formParam("checkOverride", "true")
                .formParam("checkOverrideReason", " ").post("/admin/settings/llm");

        refused.then().statusCode(400);
        assertThat(refused.header("Cache-Control")).isEqualTo("no-store");
        assertThat(refused.asString()).contains("version is missing from the form")
                .contains("Provider: is required").contains("Model: is required")
                .contains("Base URL: must be a valid http or https URL")
                .contains("Reason: is required")
                .contains("value=\"not a url\"").contains("value=\"sk-page-all-at-once-4c1d9e\"")
                .contains("id=\"check-override\" name=\"checkOverride\" value=\"true\" checked");
        assertThat(Clients.version("llm")).isEqualTo(version);
    }

    /**
     * Issue 20, point 5: the edit form says which targets a save of its kind restarts, by the restart planner's own
     * choice (enabled targets depending on the kind), naming the held ones it leaves out; a disabled one is not named.
     */
    @Test
    void theFormSaysWhichTargetsASaveRestarts() {
        assertThat(page("/admin/settings/tracing").asString())
                .contains("No runtime depends on tracing: saving restarts nothing.");
        String admin = Clients.admin();
        String suffix = Long.toString(System.nanoTime(), 36);
        List<Long> ids = new java.util.ArrayList<>();
        try {
            ids.add(target(admin, "restarts-a-" + suffix, true, false));
            ids.add(target(admin, "restarts-held-" + suffix, true, true));
            ids.add(target(admin, "restarts-off-" + suffix, false, false));
            String html = page("/admin/settings/tracing").asString();
            assertThat(html).contains("Saving a change restarts: restarts-a-" + suffix + " (command); held, left out"
                    + " of the rollout: restarts-held-" + suffix + ". A save that changes nothing restarts nothing.")
                    .doesNotContain("restarts-off-" + suffix);
            assertThat(page("/admin/settings/storage").asString()).doesNotContain("restarts-a-" + suffix);
        } finally {
            ids.forEach(id -> given().auth().oauth2(admin).delete("/api/v1/runtimes/" + id).then().statusCode(204));
        }
    }

    private static long target(String admin, String name, boolean enabled, boolean held) {
        return given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", name, "driver", "command", "dependsOn", List.of("tracing"), "enabled", enabled,
                        "held", held, "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    /**
     * The form cleans by the same rules as REST: the pasted key (a zero-width space) is refused next to the
     * field by position and code point without being shown, and nothing is saved; the underscore base URL
     * is saved in canonical form.
     */
    @Test
    void pastedValuesAreCleanedAsInRest() {
        String key = "sk-proj-012\u200B3456789abcdef";
        long version = Clients.version("llm");
        Response form = page("/admin/settings/llm");
        Map<String, String> fields = new HashMap<>();
        fields.put("provider", "custom");
        fields.put("model", "llama3.1:8b");
        fields.put("baseUrl", "HTTP://Local_LLM:11434/v1");
        fields.put("apiKey", key);
        Response refused = post(form, "/admin/settings/llm", fields);

        refused.then().statusCode(400);
        assertThat(refused.asString())
                .contains("API key: invisible character U+200B (zero width space) at position 12")
                .doesNotContain("sk-proj-012").doesNotContain("3456789abcdef");
        assertThat(Clients.version("llm")).isEqualTo(version);

        fields.put("apiKey", " sk-proj-0123456789abcdef\n");
        Response saved = post(page("/admin/settings/llm"), "/admin/settings/llm", fields);

        saved.then().statusCode(303);
        Response read = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm");
        assertThat(read.jsonPath().getString("baseUrl")).isEqualTo("http://local_llm:11434/v1");
        assertThat(read.jsonPath().getString("apiKey.fingerprint")).isEqualTo(fingerprints.of("sk-proj-0123456789abcdef"));
        assertThat(read.jsonPath().getLong("version")).isEqualTo(version + 1);
        assertThat(page("/admin/settings/llm").asString()).contains("value=\"http://local_llm:11434/v1\"");
    }

    /** The form refuses to move a stored key to a new host without it, next to the key's field, as REST does. */
    @Test
    void theFormRefusesToSendAStoredKeyToANewHost() {
        Map<String, String> fields = new HashMap<>();
        fields.put("provider", "openai");
        fields.put("model", "gpt-4o-mini");
        fields.put("apiKey", "sk-page-destination-0123456789");
        post(page("/admin/settings/llm"), "/admin/settings/llm", fields).then().statusCode(303);
        long version = Clients.version("llm");
        String fingerprint = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").jsonPath()
                .getString("apiKey.fingerprint");

        fields.put("provider", "custom");
        fields.put("baseUrl", "https://collector.attacker.example/v1");
        fields.put("apiKey", "");
        Response refused = post(page("/admin/settings/llm"), "/admin/settings/llm", fields);

        refused.then().statusCode(400);
        assertThat(refused.asString()).contains("API key: enter the API key again: the provider and base URL host changed")
                .contains("value=\"https://collector.attacker.example/v1\"");
        assertThat(Clients.version("llm")).isEqualTo(version);
        assertThat(given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").jsonPath()
                .getString("apiKey.fingerprint")).isEqualTo(fingerprint);
    }

    /**
     * Issue 20, point 7: a stale save keeps what was typed (the typed key too, in this no-store answer only) and shows,
     * beside it, each field the other admin changed with its value now (their key by fingerprint, never its value)
     * and who saved when; the form then carries the current version, so Save again is a deliberate overwrite.
     */
    @Test
    void aStaleVersionKeepsWhatWasTypedAndShowsWhoChangedWhatNow() {
        // a known state first (classes before this one in the profile leave stt as they like): deepgram, no base URL
        Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model", "nova-2",
                "apiKey", "dg-page-before-0123456789abcdef")).then().statusCode(200);
        Response form = page("/admin/settings/stt");
        long version = Clients.version("stt");
        String theirs = "dg-page-meanwhile-0123456789abcdef";
        Clients.put("stt", version, Map.of("provider", "deepgram", "model", "nova-2-meanwhile",
                "apiKey", theirs)).then().statusCode(200);

        Map<String, String> fields = new HashMap<>();
        fields.put("provider", "deepgram");
        fields.put("model", "nova-3-mine");
        fields.put("apiKey", "dg-page-mine-fedcba9876543210");
        Response conflict = post(form, "/admin/settings/stt", fields);

        conflict.then().statusCode(409);
        assertThat(conflict.getHeader("Cache-Control")).isEqualTo("no-store");
        String box = dev.keyhouse.StaleBoxes.box(conflict.asString());
        assertThat(box).contains("Speech to text settings changed while you were editing: saved by "
                + TestSettings.ADMIN_EMAIL + " at ").contains(" (now version " + (version + 1) + "). Nothing was saved.")
                // each changed field by its form label, with its value now: the other admin's key by fingerprint
                .contains(dev.keyhouse.StaleBoxes.line("Model", "nova-2-meanwhile"))
                .contains(dev.keyhouse.StaleBoxes.line("API key", "fingerprint " + fingerprints.of(theirs)))
                .doesNotContain("Provider</strong>");
        assertThat(conflict.asString()).as("the form keeps what was typed, the typed key included")
                .contains("value=\"nova-3-mine\"").contains("value=\"dg-page-mine-fedcba9876543210\"")
                .doesNotContain("value=\"nova-2-meanwhile\"")
                .as("the hidden version is the current one, shown with the box")
                .contains("name=\"version\" value=\"" + (version + 1) + "\"")
                .as("the other admin's key is never shown").doesNotContain(theirs)
                .doesNotContain("id=\"stored-changed\"");
        assertThat(Clients.version("stt")).isEqualTo(version + 1);

        // a second Save of that form is a deliberate overwrite of what the box showed
        post(conflict, "/admin/settings/stt", fields).then().statusCode(303);
        assertThat(Clients.version("stt")).isEqualTo(version + 2);
        assertThat(given().auth().oauth2(Clients.admin()).get("/api/v1/settings/stt").jsonPath()
                .getString("model")).isEqualTo("nova-3-mine");
    }

    /**
     * Issue 20 (breaker b20, findings 3 and 4, on the settings form): bob, in his own session, changes the model and
     * the language on the page while alice edits the same version, leaving the model as loaded, changing the
     * language and typing a bad base URL. Her 409 form shows the model as bob stored it (saving it as offered must not
     * undo his change), her language and base URL as typed, and the base URL's error with the box (it came only on
     * the next save before); saving it with the base URL corrected keeps bob's model.
     */
    @Test
    void aStaleFormShowsTheOtherAdminsValuesInTheFieldsLeftAloneAndEveryFieldError() {
        String tag = Long.toString(System.nanoTime(), 36);
        Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model", "nova-2-" + tag,
                "language", "en", "apiKey", "dg-page-merge-0123456789abcdef")).then().statusCode(200);
        long version = Clients.version("stt");
        Response mine = page("/admin/settings/stt");
        String bob = Browser.newSession("stale-settings-bob", "admin");
        Response his = page(bob, "/admin/settings/stt");
        post(bob, his, "/admin/settings/stt", Map.of("provider", "deepgram", "model", "nova-3-bob-" + tag,
                "language", "de", "baseUrl", "", "apiKey", "")).then().statusCode(303);

        Map<String, String> fields = new HashMap<>(Map.of("provider", "deepgram", "model", "nova-2-" + tag,
                "language", "fr", "baseUrl", "not a url", "apiKey", ""));
        Response stale = post(mine, "/admin/settings/stt", fields);

        stale.then().statusCode(409);
        assertThat(dev.keyhouse.StaleBoxes.box(stale.asString())).contains(
                dev.keyhouse.StaleBoxes.line("Model", "nova-3-bob-" + tag),
                dev.keyhouse.StaleBoxes.line("Language", "de"));
        assertThat(stale.asString()).as("the model alice left alone is as bob stored it; her fields as typed")
                .contains("name=\"model\" type=\"text\" value=\"nova-3-bob-" + tag + "\"",
                        "name=\"language\" type=\"text\" value=\"fr\"",
                        "name=\"baseUrl\" type=\"text\" value=\"not a url\"",
                        "name=\"version\" value=\"" + (version + 1) + "\"")
                .doesNotContain("value=\"nova-2-" + tag + "\"")
                .as("every field error comes with the box").contains("Base URL: must be a valid http or https URL");
        assertThat(Clients.version("stt")).isEqualTo(version + 1);

        fields.put("model", "nova-3-bob-" + tag);
        fields.put("baseUrl", "");
        post(stale, "/admin/settings/stt", fields).then().statusCode(303);
        io.restassured.path.json.JsonPath saved = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/stt")
                .jsonPath();
        assertThat(saved.getString("model")).isEqualTo("nova-3-bob-" + tag);
        assertThat(saved.getString("language")).isEqualTo("fr");
    }

    /** The same for every kind's form, the fleet kinds included (livekit, storage, tracing: secrets only). */
    @Test
    void aStaleSaveOfEachFleetKindKeepsWhatWasTypedAndShowsTheirSecretsByFingerprint() {
        try {
            for (ProviderKind kind : List.of(ProviderKind.LIVEKIT, ProviderKind.STORAGE, ProviderKind.TRACING)) {
                String tag = Long.toString(System.nanoTime(), 36);
                Response form = page("/admin/settings/" + kind.id());
                long version = Clients.version(kind.id());
                Map<String, String> theirs = FleetKindsTest.valid(kind, "theirs" + tag);
                Clients.put(kind.id(), version, theirs).then().statusCode(200);
                Map<String, String> mine = FleetKindsTest.valid(kind, "mine" + tag);
                Response conflict = post(form, "/admin/settings/" + kind.id(), new HashMap<>(mine));

                conflict.then().statusCode(409);
                assertThat(conflict.getHeader("Cache-Control")).isEqualTo("no-store");
                String html = conflict.asString();
                String box = dev.keyhouse.StaleBoxes.box(html);
                assertThat(html).contains("name=\"version\" value=\"" + (version + 1) + "\"");
                for (SettingField field : kind.secretFields()) {
                    String their = theirs.get(field.json());
                    if (their == null) {
                        continue;
                    }
                    assertThat(box).as(kind.id() + " " + field.json()).contains(dev.keyhouse.StaleBoxes
                            .line(field.label(), "fingerprint " + fingerprints.of(their)));
                    assertThat(html).as(kind.id() + " " + field.json()).doesNotContain(their)
                            .contains("value=\"" + mine.get(field.json()) + "\"");
                }
                assertThat(Clients.version(kind.id())).isEqualTo(version + 1);
            }
        } finally {
            FleetKindsTest.reset(db);
        }
    }

    /**
     * Roll back on the page is two steps (issue 20): the first POST answers the confirmation step, naming the version
     * it restores and the targets it restarts (as the edit form does for a save), and changes nothing; its
     * {@code confirmed=yes} rolls back.
     */
    @Test
    void rollbackFromThePage() {
        long version = twoTtsVersions("sv-page-rollback-one-0011223344556677");
        String targetName = "sv-rollback-" + System.nanoTime();
        long target = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body(Map.of("name", targetName, "driver", "command", "dependsOn", List.of("tts"), "enabled", true,
                        "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        Response form = page("/admin/settings/tts");
        assertThat(form.asString()).contains("action=\"/admin/settings/tts/rollback\"");
        Response step;
        try {
            step = post(form, "/admin/settings/tts/rollback", new HashMap<>());
        } finally {
            // deleted before the rollback is confirmed, so that it plans no restart of it
            given().auth().oauth2(Browser.adminBearer()).delete("/api/v1/runtimes/" + target).then().statusCode(204);
        }
        step.then().statusCode(200);
        ConfirmSteps.assertStep(step.asString(), "/admin/settings/tts/rollback");
        assertThat(step.asString()).contains("Roll back Text to speech settings to version " + (version + 1) + "?")
                .contains("Rolling back to the previous version restarts: " + targetName + " (command)")
                .contains("<input type=\"hidden\" name=\"version\" value=\"" + (version + 2) + "\">");
        assertThat(Clients.version("tts")).as("the step changes nothing").isEqualTo(version + 2);

        Map<String, String> fields = new HashMap<>();
        fields.put("confirmed", "yes");
        Response rolledBack = post(form, "/admin/settings/tts/rollback", fields);

        rolledBack.then().statusCode(303);
        assertThat(rolledBack.header("Location")).isEqualTo("/admin/settings");
        assertThat(dev.keyhouse.auth.Browser.followFlash(session, rolledBack).asString())
                .contains("Text to speech settings rolled back.")
                .contains("meera");
        assertThat(Clients.version("tts")).isEqualTo(version + 3);
    }

    /**
     * The page's rollback form says the version it was rendered for: 400 naming it without it, 409 with the form when it is
     * stale (as a stale save; REST keeps 412), 400 naming it when it is ahead of the current one.
     */
    @Test
    void rollbackFromThePageChecksTheVersionItWasRenderedFor() {
        long version = twoTtsVersions("sv-page-ifmatch-one-0011223344556677");
        Response form = page("/admin/settings/tts");
        String csrf = Browser.tokenIn(form.asString());

        // a page form without its version is a form no page rendered: 400 naming version (was a bare 428), with the
        // way back to the page the form was on (breaker b20, 8)
        Response missing = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .header("Referer", io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                        + "/admin/settings/tts")
                .contentType(ContentType.URLENC).formParam("csrf-token", csrf).post("/admin/settings/tts/rollback");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.contentType()).startsWith("text/html");
        assertThat(missing.asString()).contains("version: is missing from the form; reload the page")
                .contains("<a href=\"/admin/settings/tts\" id=\"came-from\">Back to the page you came from</a>");
        // b20 L3: posted from the confirmation step the same path rendered, there is no page to go back to (a GET of
        // that path answers 405): no such link, only the way home
        Response fromStep = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .header("Referer", io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                        + "/admin/settings/tts/rollback")
                .contentType(ContentType.URLENC).formParam("csrf-token", csrf).post("/admin/settings/tts/rollback");
        assertThat(fromStep.statusCode()).isEqualTo(400);
        assertThat(fromStep.asString()).doesNotContain("id=\"came-from\"").contains("Back to Keyhouse");

        // someone saved after the page was rendered: the form's version is stale
        Clients.put("tts", version + 2, Map.of("provider", "sarvam", "voice", "anushka")).then().statusCode(200);
        Response stale = post(form, "/admin/settings/tts/rollback", new HashMap<>());
        assertThat(stale.statusCode()).as("a page answers a stale version 409, as a stale save").isEqualTo(409);
        assertThat(stale.asString()).contains("Nothing was saved").contains("value=\"" + (version + 3) + "\"");
        Map<String, String> confirmed = new HashMap<>();
        confirmed.put("confirmed", "yes");
        assertThat(post(form, "/admin/settings/tts/rollback", confirmed).statusCode()).isEqualTo(409);
        assertThat(Clients.version("tts")).as("nothing was rolled back").isEqualTo(version + 3);

        // a version no page ever showed (ahead of the current one) is no stale page: 400 naming version, saying so
        long ahead = version + 9;
        for (String path : List.of("/admin/settings/tts/rollback", "/admin/settings/tts")) {
            Response answer = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                    .contentType(ContentType.URLENC).formParam("csrf-token", csrf).formParam("version", ahead)
                    .formParam("provider", "sarvam").formParam("voice", "meera").post(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(400);
            assertThat(answer.asString()).as(path).contains("version " + ahead + " does not exist (current is "
                    + (version + 3) + ")").doesNotContain("while you were editing");
        }
        assertThat(Clients.version("tts")).as("nothing was rolled back or saved").isEqualTo(version + 3);
    }

    /** A version that is blank or is not one (a word, a sign, a fraction, too big) is a 400 naming it, not a 428. */
    @Test
    void rollbackAndSaveWithAMalformedVersionAnswer400NamingIt() {
        long version = twoTtsVersions("sv-page-badversion-0011223344556677");
        Response form = page("/admin/settings/tts");
        String csrf = Browser.tokenIn(form.asString());
        for (String bad : List.of("abc", "-1", "1.5", "0x10", "99999999999999999999", "3abc", "\u0663")) {
            for (String path : List.of("/admin/settings/tts/rollback", "/admin/settings/tts")) {
                Response answer = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                        .contentType(ContentType.URLENC).formParam("csrf-token", csrf).formParam("version", bad)
                        .post(path);
                assertThat(answer.statusCode()).as(path + " version=" + bad).isEqualTo(400);
                assertThat(answer.asString()).as(path + " version=" + bad).contains("version")
                        .contains("must be the whole number");
            }
        }
        for (String blank : List.of("", "  ")) {
            Response answer = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                    .contentType(ContentType.URLENC).formParam("csrf-token", csrf).formParam("version", blank)
                    .post("/admin/settings/tts/rollback");
            // a page form without its version: 400 naming it, as every page form's (a 428 is REST's If-Match answer)
            assertThat(answer.statusCode()).as("blank version is missing").isEqualTo(400);
            assertThat(answer.asString()).contains("version: is missing from the form; reload the page");
        }
        assertThat(Clients.version("tts")).as("nothing was rolled back or saved").isEqualTo(version + 2);
    }

    /**
     * Breaker 3, point 2: a page open while the stored version changes behind it (here a rollback over REST, as a
     * rollout's automatic rollback saves one) is brought up to date by what it polls, without a reload: the overview's
     * region is swapped whole with the restored key's fingerprint and version; the edit page's region says the version
     * changed and swaps the stored key's summary in the form out of band, while the form keeps its version.
     */
    @Test
    void anOpenPageFollowsAVersionSavedBehindIt() {
        String first = "sv-page-behind-one-0011223344556677";
        String second = "sv-page-behind-two-8899aabbccddeeff";
        long open = Clients.twoTtsKeys(first, second);
        String overview = page("/admin/settings").asString();
        assertThat(overview).contains("id=\"settings-state\" hx-get=\"/admin/settings/state\"")
                .contains(fingerprints.of(second));
        String edit = page("/admin/settings/tts").asString();
        assertThat(edit).contains("hx-get=\"/admin/settings/tts/state?version=" + open + "\"")
                .contains("id=\"stored-apiKey\"").contains(fingerprints.of(second)).doesNotContain("stored-changed");
        String unchanged = page("/admin/settings/tts/state?version=" + open).asString();
        assertThat(unchanged.strip()).startsWith("<div id=\"setting-state\"").doesNotContain("stored-changed")
                .doesNotContain("id=\"stored-apiKey\" hx-swap-oob");

        Clients.rollBackTts(open);

        String region = page("/admin/settings/state").asString();
        assertThat(region.strip()).startsWith("<div id=\"settings-state\"").doesNotContain("<html")
                .contains(fingerprints.of(first)).doesNotContain(fingerprints.of(second))
                .contains("settings version " + (open + 1));
        String state = page("/admin/settings/tts/state?version=" + open).asString();
        assertThat(state).doesNotContain("<html").contains("id=\"stored-changed\"")
                .contains("Settings version " + (open + 1) + " was saved while this page was open")
                .contains("this form edits version " + open)
                .containsPattern("id=\"stored-apiKey\" hx-swap-oob=\"true\">Stored: [^\n]*" + fingerprints.of(first))
                .doesNotContain(fingerprints.of(second))
                .doesNotContain("name=\"version\"");
    }

    @Test
    void viewerSeesReadOnlyAndCannotPost() {
        String viewer = Clients.session(Clients.newViewer(), Clients.VIEWER_PASSWORD);
        String html = given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/admin/settings/llm")
                .then().statusCode(200).extract().asString();
        assertThat(html).doesNotContain("action=\"/admin/settings/llm\"").doesNotContain("type=\"password\"");
        given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/admin/settings").then().statusCode(200);
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, viewer)
                .get("/admin").then().statusCode(303)
                .header("Location", org.hamcrest.Matchers.endsWith("/admin/settings"));
        Response form = given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/admin/settings/llm");
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, viewer).cookies(form.getCookies())
                .formParam("csrf-token", csrf).formParam("provider", "openai").formParam("model", "x")
                .formParam("version", "1").post("/admin/settings/llm").then().statusCode(403);
        given().redirects().follow(false).get("/admin/settings").then().statusCode(303);
    }

    @Test
    void unknownKindIsANotFoundPage() {
        given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/settings/email").then().statusCode(404);
    }

    /** Saves tts twice (voice meera with {@code key}, then arvind); returns the version before the first save. */
    private static long twoTtsVersions(String key) {
        long version = Clients.version("tts");
        Clients.put("tts", version, Map.of("provider", "sarvam", "voice", "meera", "apiKey", key))
                .then().statusCode(200);
        Clients.put("tts", version + 1, Map.of("provider", "sarvam", "voice", "arvind")).then().statusCode(200);
        return version;
    }

    private Response page(String path) {
        return page(session, path);
    }

    private static Response page(String session, String path) {
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get(path);
    }

    /** Posts a form the way a browser does after loading {@code form}: its CSRF cookie and token, and its version. */
    private Response post(Response form, String action, Map<String, String> fields) {
        return post(session, form, action, fields);
    }

    /** {@link #post(Response, String, Map)} in {@code session} (another admin's). */
    private static Response post(String session, Response form, String action, Map<String, String> fields) {
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        String version = form.htmlPath().getString("**.find { it.@name == 'version' }.@value");
        // UTF-8, as a browser sends a page served in UTF-8 (RestAssured would otherwise use ISO-8859-1)
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .contentType("application/x-www-form-urlencoded; charset=UTF-8")
                .cookies(form.getCookies()).formParam("csrf-token", csrf).formParam("version", version)
                .formParams(fields).post(action);
    }
}
