package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.checks.DeepgramStandIn;
import dev.keyhouse.checks.SonioxStandIn;
import dev.keyhouse.checks.StandIn;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Issue 19 on the settings page, over plain HTTP (no JavaScript): an admin adds stt fallbacks through the form (its
 * key checked live against a loopback stand-in, a bad form answered 400 naming the field), moves one up, disables
 * it, deletes one through the confirmation step, and a form with a stale version is answered 409 with nothing
 * written. The order and state are read back from the REST API, the service the page writes through. Fallbacks
 * made here are deleted after each test ({@link ProviderEntriesTest#removeFallbacks}).
 */
@QuarkusTest
public class ProviderEntriesPageTest {

    private static final String STT = "/api/v1/settings/stt/providers";
    private static final String PAGES = "/admin/settings/stt/providers";

    @Inject
    DataSource db;

    @Inject
    SaveRestarts saveRestarts;

    private String session;
    private String csrf;

    @BeforeEach
    void setUp() {
        ProviderEntriesTest.removeFallbacks(db);
        session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        csrf = Browser.csrfOf(session);
    }

    @AfterEach
    void tearDown() {
        ProviderEntriesTest.removeFallbacks(db);
    }

    /** The overview's row of fallback {@code id}: from its {@code <li>} to its end. */
    private static String row(String overview, long id) {
        int start = overview.indexOf("id=\"fallback-" + id + "\"");
        assertThat(start).as("fallback " + id + " is listed").isNotNegative();
        return overview.substring(start, overview.indexOf("</li>", start));
    }

    /**
     * Issue 19 (low): an enabled fallback swapping places with a disabled one keeps the order runtimes receive, so the
     * move neither asks first (the step said it restarts targets) nor plans a restart run.
     */
    @Test
    void anEnabledFallbackMovingPastADisabledOneMovesAtOnceAndRestartsNothing() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (DeepgramStandIn deepgram = new DeepgramStandIn(); SonioxStandIn soniox = new SonioxStandIn()) {
            Response primary = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                    "nova-3", "baseUrl", deepgram.url(), "apiKey", deepgram.key(StandIn.Scenario.GOOD)));
            assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(200);
            form().formParam("version", addVersion()).formParam("provider", "soniox").formParam("model", "stt-rt-preview")
                    .formParam("baseUrl", soniox.url()).formParam("apiKey", soniox.key(StandIn.Scenario.GOOD))
                    .post(PAGES).then().statusCode(303);
            form().formParam("version", addVersion()).formParam("provider", "custom").formParam("model", "stt-" + tag)
                    .formParam("baseUrl", "http://127.0.0.1:9/stt").formParam("apiKey", "custom-past-" + tag)
                    .post(PAGES).then().statusCode(303);
            long sonioxId = id(list().get(1));
            long customId = id(list().get(2));
            form().formParam("version", "1").formParam("enabled", "false").formParam("confirmed", "yes")
                    .post(PAGES + "/" + sonioxId + "/enabled").then().statusCode(303);
            List<String> runs = dev.keyhouse.auth.Rows.column(db, "SELECT id FROM restart_runs");

            Response moved = form().formParam("version", "1").formParam("direction", "up")
                    .post(PAGES + "/" + customId + "/move");

            assertThat(moved.statusCode()).as("moved at once, no step: " + moved.asString()).isEqualTo(303);
            assertThat(list()).extracting(e -> e.get("provider")).containsExactly("deepgram", "custom", "soniox");
            assertThat(dev.keyhouse.auth.Rows.column(db, "SELECT id FROM restart_runs")).as("no restart planned")
                    .isEqualTo(runs);
        }
    }

    @Test
    void addMoveDisableAndDeleteWithConfirmationOnThePage() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        try (DeepgramStandIn deepgram = new DeepgramStandIn(); SonioxStandIn soniox = new SonioxStandIn()) {
            String primaryKey = deepgram.key(StandIn.Scenario.GOOD);
            String sonioxKey = soniox.key(StandIn.Scenario.GOOD);
            Response primary = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                    "nova-3", "baseUrl", deepgram.url(), "apiKey", primaryKey));
            assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(200);
            assertThat(page("/admin/settings").asString()).contains("id=\"fallbacks-stt\"", "No fallback",
                    "href=\"" + PAGES + "/new\"");

            Response form = page(PAGES + "/new");
            assertThat(form.statusCode()).isEqualTo(200);
            assertThat(form.asString()).contains("action=\"" + PAGES + "\"", "name=\"csrf-token\"");

            Response invalid = form().formParam("version", addVersion()).formParam("provider", "whisper")
                    .formParam("model", "m").formParam("apiKey", sonioxKey).post(PAGES);
            assertThat(invalid.statusCode()).as("a bad provider is refused on the form").isEqualTo(400);
            assertThat(invalid.asString()).contains("class=\"field-error\">Provider:");
            typedBackOnly(invalid, sonioxKey);
            assertThat(list()).hasSize(1);

            String refusedKey = soniox.key(StandIn.Scenario.INVALID);
            Response refused = form().formParam("version", addVersion()).formParam("provider", "soniox")
                    .formParam("model", "stt-rt-preview").formParam("baseUrl", soniox.url())
                    .formParam("apiKey", refusedKey).post(PAGES);
            assertThat(refused.statusCode()).as("a key its check refuses").isEqualTo(422);
            assertThat(refused.asString()).contains("class=\"field-error check-refused\"", "invalid_key");
            typedBackOnly(refused, refusedKey);
            assertThat(list()).hasSize(1);

            soniox.clearReceived();
            Response added = form().formParam("version", addVersion()).formParam("provider", "soniox")
                    .formParam("model", "stt-rt-preview").formParam("baseUrl", soniox.url())
                    .formParam("apiKey", sonioxKey).post(PAGES);
            assertThat(added.statusCode()).as(added.asString()).isEqualTo(303);
            assertThat(added.header("Location")).endsWith("/admin/settings#fallbacks-stt");
            assertThat(soniox.received()).as("the fallback's key was checked live, as a REST POST checks it")
                    .isNotEmpty();
            form().formParam("version", addVersion()).formParam("provider", "custom").formParam("model", "stt-" + tag)
                    .formParam("baseUrl", "http://127.0.0.1:9/stt").formParam("apiKey", "custom-key-" + tag)
                    .post(PAGES).then().statusCode(303);

            List<Map<String, Object>> entries = list();
            assertThat(entries).extracting(e -> e.get("provider")).containsExactly("deepgram", "soniox", "custom");
            long sonioxId = id(entries.get(1));
            long customId = id(entries.get(2));
            String overview = page("/admin/settings").asString();
            assertThat(overview).contains("id=\"fallback-" + sonioxId + "\"", "id=\"fallback-" + customId + "\"")
                    .doesNotContain(sonioxKey, primaryKey, "custom-key-" + tag);
            assertThat(page(PAGES + "/" + sonioxId).asString()).as("the saved key is never in its edit form")
                    .contains("type=\"password\"").doesNotContain(sonioxKey);
            assertThat(overview.indexOf("id=\"fallback-" + sonioxId + "\""))
                    .isLessThan(overview.indexOf("id=\"fallback-" + customId + "\""));
            // issue 19: each fallback's row shows its own last key check, in the primary card's words and colours
            assertThat(row(overview, sonioxId)).as("the check its add ran")
                    .contains("id=\"fallback-" + sonioxId + "-check\"", "class=\"check check-ok\"", ": ok</span>");
            assertThat(page(PAGES + "/" + sonioxId).asString()).as("and its edit page")
                    .contains("id=\"entry-check\">Stored key: <span class=\"check check-ok\">");
            assertThat(row(overview, customId)).contains("id=\"fallback-" + customId + "-check\"")
                    .doesNotContain("check-ok", "not checked yet");

            Response last = form().formParam("version", "1").formParam("direction", "down")
                    .post(PAGES + "/" + customId + "/move");
            assertThat(last.statusCode()).as("the last fallback cannot move down: no step offered").isEqualTo(400);
            assertThat(last.asString()).contains("is already the last of the stt fallbacks: it cannot move down")
                    .doesNotContain("name=\"confirmed\"");
            Response moveStep = form().formParam("version", "1").formParam("direction", "up")
                    .post(PAGES + "/" + customId + "/move");
            assertThat(moveStep.statusCode()).as("moving an enabled fallback restarts: asked first").isEqualTo(200);
            assertThat(moveStep.asString()).contains("name=\"confirmed\" value=\"yes\"",
                    "name=\"direction\" value=\"up\"", "name=\"version\" value=\"1\"",
                    html(saveRestarts.ofFallback("stt", true)));
            assertThat(list()).as("the first step moves nothing").extracting(e -> e.get("provider"))
                    .containsExactly("deepgram", "soniox", "custom");
            form().formParam("version", "1").formParam("direction", "up").formParam("confirmed", "yes")
                    .post(PAGES + "/" + customId + "/move").then().statusCode(303);
            entries = list();
            assertThat(entries).extracting(e -> e.get("provider")).containsExactly("deepgram", "custom", "soniox");
            assertThat(entries.get(1)).containsEntry("position", 1).containsEntry("version", 2);

            Response stale = form().formParam("version", "1").formParam("enabled", "false")
                    .post(PAGES + "/" + customId + "/enabled");
            assertThat(stale.statusCode()).as("a form of version 1, the entry is at 2").isEqualTo(409);
            assertThat(stale.asString()).contains("now version 2", "the page showed version 1", "Nothing was saved");
            assertThat(list().get(1)).containsEntry("enabled", true).containsEntry("version", 2);
            // a version no page showed (ahead of the current one) is no stale page: 400 naming it (breaker 3, point 5)
            Response ahead = form().formParam("version", "7").formParam("enabled", "false")
                    .post(PAGES + "/" + customId + "/enabled");
            assertThat(ahead.statusCode()).isEqualTo(400);
            assertThat(ahead.asString()).contains("version 7 does not exist (current is 2)")
                    .doesNotContain("the page showed version");

            Response disableStep = form().formParam("version", "2").formParam("enabled", "false")
                    .post(PAGES + "/" + customId + "/enabled");
            assertThat(disableStep.statusCode()).as("disabling is asked first").isEqualTo(200);
            assertThat(disableStep.asString()).contains("Disable stt fallback " + customId + " (custom)?",
                    "name=\"confirmed\" value=\"yes\"", "name=\"enabled\" value=\"false\"",
                    "name=\"version\" value=\"2\"", html(saveRestarts.ofFallback("stt", true)));
            assertThat(list().get(1)).as("the first step disables nothing").containsEntry("enabled", true)
                    .containsEntry("version", 2);
            form().formParam("version", "2").formParam("enabled", "false").formParam("confirmed", "yes")
                    .post(PAGES + "/" + customId + "/enabled").then().statusCode(303);
            assertThat(list().get(1)).containsEntry("enabled", false).containsEntry("version", 3);
            assertThat(page("/admin/settings").asString()).contains("class=\"fallback-state\">disabled<");
            // issue 20 (truth 2, point 3): disabling it again changes nothing: a 409 saying so, at the step and at
            // its confirmation, the version and the audit as they were
            long audited = dev.keyhouse.auth.Rows.column(db, "SELECT id FROM audit_events").size();
            for (Response again : List.of(form().formParam("version", "3").formParam("enabled", "false")
                    .post(PAGES + "/" + customId + "/enabled"), form().formParam("version", "3")
                            .formParam("enabled", "false").formParam("confirmed", "yes")
                            .post(PAGES + "/" + customId + "/enabled"))) {
                assertThat(again.statusCode()).isEqualTo(409);
                assertThat(again.asString()).contains("is already disabled: nothing was changed.")
                        .doesNotContain("name=\"confirmed\"");
            }
            assertThat(list().get(1)).containsEntry("enabled", false).containsEntry("version", 3);
            assertThat(dev.keyhouse.auth.Rows.column(db, "SELECT id FROM audit_events")).hasSize((int) audited);

            form().formParam("enabled", "true").post(PAGES + "/" + customId + "/enabled").then()
                    .statusCode(400);
            // b20 L6: enabling serves it again and restarts the fleet, so it is asked first too
            Response enableStep = form().formParam("version", "3").formParam("enabled", "true")
                    .post(PAGES + "/" + customId + "/enabled");
            assertThat(enableStep.statusCode()).as("enabling is asked first").isEqualTo(200);
            assertThat(enableStep.asString()).contains("Enable stt fallback " + customId + " (custom)?",
                    "name=\"confirmed\" value=\"yes\"", "name=\"enabled\" value=\"true\"",
                    "name=\"version\" value=\"3\"", html(saveRestarts.ofFallback("stt", false)));
            assertThat(list().get(1)).as("the first step enables nothing").containsEntry("enabled", false)
                    .containsEntry("version", 3);
            form().formParam("version", "3").formParam("enabled", "true").formParam("confirmed", "yes")
                    .post(PAGES + "/" + customId + "/enabled").then().statusCode(303);
            assertThat(list().get(1)).containsEntry("enabled", true).containsEntry("version", 4);
            form().formParam("version", "4").formParam("enabled", "false").formParam("confirmed", "yes")
                    .post(PAGES + "/" + customId + "/enabled").then().statusCode(303);

            String staleKey = "custom-stale-typed-" + tag;
            Response staleEdit = form().formParam("version", "1").formParam("provider", "custom")
                    .formParam("model", "stt-stale-" + tag).formParam("baseUrl", "http://127.0.0.1:9/stt")
                    .formParam("apiKey", staleKey).formParam("checkOverride", "true")
                    .formParam("checkOverrideReason", "stale reason").post(PAGES + "/" + customId);
            assertThat(staleEdit.statusCode()).as("an edit form of version 1, the entry is at 5").isEqualTo(409);
            // issue 20 point 7: what was typed is kept, the box says who saved when (no field changed since: a move
            // and a disable), and the form carries the current version with it
            assertThat(staleEdit.asString()).contains("id=\"stale-changes\"", "now version 5",
                    "name=\"version\" value=\"5\"", "value=\"stt-stale-" + tag + "\"")
                    .doesNotContain("value=\"stt-" + tag + "\"", "class=\"stale-changed\"");
            // h19i point 2: every refusal keeps what the POST typed (key only in this no-store answer), box, reason
            assertThat(staleEdit.asString()).containsPattern("id=\"check-override\"[^>]*checked")
                    .contains("value=\"stale reason\"");
            typedBackOnly(staleEdit, staleKey);
            assertThat(list().get(1)).containsEntry("model", "stt-" + tag).containsEntry("version", 5);

            Response step = form().formParam("version", "1").post(PAGES + "/" + sonioxId + "/delete");
            assertThat(step.statusCode()).isEqualTo(200);
            assertThat(step.asString()).contains("Delete stt fallback " + sonioxId + " (soniox)?",
                    "name=\"confirmed\" value=\"yes\"", "name=\"version\" value=\"1\"",
                    "action=\"" + PAGES + "/" + sonioxId + "/delete\"");
            assertThat(list()).as("the first step deletes nothing").hasSize(3);
            form().formParam("version", "1").formParam("confirmed", "yes")
                    .post(PAGES + "/" + sonioxId + "/delete").then().statusCode(303);
            assertThat(list()).extracting(e -> e.get("provider")).containsExactly("deepgram", "custom");

            Response primaryStep = form().formParam("version", "5").post(PAGES + "/" + customId + "/primary");
            assertThat(primaryStep.statusCode()).as("a disabled fallback is refused before the step").isEqualTo(409);
            assertThat(primaryStep.asString()).contains("stt fallback " + customId + " (custom) is disabled: enable it"
                    + " before making it primary", "Nothing was changed").doesNotContain("name=\"confirmed\"");
            assertThat(list().get(0)).as("the refusal changes nothing").containsEntry("provider", "deepgram");

            // the writes' own entries (each new key's first check is audited too, by system: setting.check.changed)
            List<String> audit = Rows.column(db, "SELECT action || ' ' || actor FROM audit_events WHERE action LIKE"
                    + " 'setting.entry.%' AND (target LIKE 'stt fallback " + sonioxId + " %' OR target LIKE"
                    + " 'stt fallback " + customId + " %') ORDER BY id");
            assertThat(audit).as("the service audits every page write, by the signed-in admin").containsExactly(
                    "setting.entry.create " + TestSettings.ADMIN_EMAIL,
                    "setting.entry.create " + TestSettings.ADMIN_EMAIL,
                    "setting.entry.move " + TestSettings.ADMIN_EMAIL,
                    "setting.entry.disable " + TestSettings.ADMIN_EMAIL,
                    "setting.entry.enable " + TestSettings.ADMIN_EMAIL,
                    "setting.entry.disable " + TestSettings.ADMIN_EMAIL,
                    "setting.entry.delete " + TestSettings.ADMIN_EMAIL);

            // a fallback's history rolls back on the page too, behind its step: the fields of its last other version
            form().formParam("version", "5").formParam("provider", "custom").formParam("model", "stt-next-" + tag)
                    .formParam("baseUrl", "http://127.0.0.1:9/stt").post(PAGES + "/" + customId).then()
                    .statusCode(303);
            assertThat(list().get(1)).containsEntry("model", "stt-next-" + tag).containsEntry("version", 6);
            assertThat(page(PAGES + "/" + customId).asString()).contains("action=\"" + PAGES + "/" + customId
                    + "/rollback\"", "id=\"rollback-button\"");
            Response rollbackStep = form().formParam("version", "6").post(PAGES + "/" + customId + "/rollback");
            assertThat(rollbackStep.statusCode()).isEqualTo(200);
            assertThat(rollbackStep.asString()).contains("Roll stt fallback " + customId + " (custom) back?",
                    "name=\"confirmed\" value=\"yes\"");
            assertThat(list().get(1)).as("the step changes nothing").containsEntry("version", 6);
            form().formParam("version", "6").formParam("confirmed", "yes")
                    .post(PAGES + "/" + customId + "/rollback").then().statusCode(303);
            assertThat(list().get(1)).containsEntry("model", "stt-" + tag).containsEntry("version", 7)
                    .containsEntry("enabled", false);
        }
    }

    /**
     * Issue 20 breaker, point 3: {@code /admin/settings/{kind}/providers} has a page, as its API path has an answer: a
     * 303 to the settings page's section listing the kind's fallbacks with their forms, for admins and viewers; 404
     * for a kind without fallbacks and an unknown kind, as the API answers.
     */
    @Test
    void theProvidersPathShowsTheKindsFallbacks() {
        String viewer = Browser.session(Clients.newViewer(), Clients.VIEWER_PASSWORD);
        for (String who : List.of(session, viewer)) {
            Response moved = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, who)
                    .get("/admin/settings/stt/providers");
            assertThat(moved.statusCode()).isEqualTo(303);
            assertThat(moved.header("Location")).isEqualTo("/admin/settings#fallbacks-stt");
            // the fragment is the browser's: the page is /admin/settings, scrolled to the section
            String page = given().cookie(SessionTokens.SESSION_COOKIE, who).get("/admin/settings").then()
                    .statusCode(200).extract().asString();
            assertThat(page).contains("id=\"fallbacks-stt\"");
            for (String none : List.of("livekit", "not-a-kind")) {
                given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, who)
                        .get("/admin/settings/" + none + "/providers").then().statusCode(404);
                given().auth().oauth2(Browser.adminBearer()).get("/api/v1/settings/" + none + "/providers").then()
                        .statusCode(404);
            }
        }
    }

    /** Issue 20, point 7: a bad override box is not reported alone; the fields' problems come in the same answer. */
    @Test
    void aBadOverrideBoxIsRefusedWithEveryFieldsProblem() {
        Response primary = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                "nova-3", "baseUrl", "http://127.0.0.1:9", "apiKey", "dg-page-key-0a1b2c3d4e5f"));
        assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(200);
        String key = "sx-override-all-at-once-6f2b9d0e";
        Response refused = form().formParam("version", addVersion()).formParam("provider", "whisper").formParam("model", "m")
                .formParam("apiKey", key).formParam("checkOverride", "maybe").post(PAGES);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.asString()).as("labelled as every other error (issue 20, breaker point 3)")
                .contains("<p class=\"field-error\">Save although the key check fails: must be true when ticked,"
                        + " or left out").contains("class=\"field-error\">Provider:");
        typedBackOnly(refused, key);
        assertThat(list()).hasSize(1);
    }

    /**
     * Issue 20 (breaker, point 1): a refused fallback form keeps the override box ticked and its reason as typed,
     * an over-long reason too (it is no secret), as the primary's settings form does.
     */
    @Test
    void aRefusedFallbackFormKeepsTheOverrideBoxAndItsReason() {
        int before = list().size();
        Response refused = form().formParam("version", addVersion()).formParam("provider", "soniox").formParam("model", "")
                .formParam("apiKey", "sx-override-kept-4e1d").formParam("checkOverride", "true")
                .formParam("checkOverrideReason", "the provider's status page is down").post(PAGES);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.asString()).contains("class=\"field-error\">Model:")
                .containsPattern("id=\"check-override\"[^>]*checked")
                .contains("value=\"the provider&#39;s status page is down\"");

        String long600 = "r".repeat(600);
        Response tooLong = form().formParam("version", addVersion()).formParam("provider", "soniox").formParam("model", "m")
                .formParam("apiKey", "sx-override-kept-4e1d").formParam("checkOverride", "true")
                .formParam("checkOverrideReason", long600).post(PAGES);
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.asString()).contains("Reason: must be at most 500 characters")
                .contains("value=\"" + long600 + "\"").containsPattern("id=\"check-override\"[^>]*checked");
        assertThat(list()).as("nothing was added").hasSize(before);
    }

    @Test
    void aFormWithoutTheSessionsTokenOrByAViewerChangesNothing() {
        Response primary = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                "nova-3", "baseUrl", "http://127.0.0.1:9", "apiKey", "dg-page-key-0a1b2c3d4e5f"));
        assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(200);
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .contentType("application/x-www-form-urlencoded").formParam("version", "0")
                .formParam("provider", "soniox").formParam("model", "m").post(PAGES).then().statusCode(403);
        String viewer = Browser.session(Clients.newViewer(), Clients.VIEWER_PASSWORD);
        Browser.signedInForm(viewer).formParam("version", "0").formParam("provider", "soniox")
                .formParam("model", "m").post(PAGES).then().statusCode(403);
        assertThat(given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/admin/settings").asString())
                .contains("id=\"fallbacks-stt\"").doesNotContain(PAGES + "/new");
        assertThat(list()).hasSize(1);
    }

    /**
     * Issue 19's breaker: two admins load the settings page and make different fallbacks primary. The first swap
     * wins; the second admin's form (it carries the primary's version it was rendered with) is answered 409 naming
     * the primary as it is now, at the step and at the confirmation, and nothing it would have moved moves.
     */
    @Test
    void twoAdminsMakingDifferentFallbacksPrimaryCannotUndoEachOther() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long primaryVersion = savePrimary("dg-race-page-" + tag + "-0a1b2c3d");
        long soniox = addFallback("soniox", "http://127.0.0.1:9", "soniox-race-page-" + tag);
        long custom = addFallback("custom", "http://127.0.0.1:9/stt", "custom-race-page-" + tag);
        String overview = page("/admin/settings").asString();
        assertThat(overview).as("each make-primary form carries the primary's version")
                .contains("name=\"primaryVersion\" value=\"" + primaryVersion + "\"");

        Response secondStep = form().formParam("version", "1").formParam("primaryVersion", primaryVersion)
                .post(PAGES + "/" + custom + "/primary");
        assertThat(secondStep.statusCode()).isEqualTo(200);
        assertThat(secondStep.asString()).contains("name=\"primaryVersion\" value=\"" + primaryVersion + "\"",
                "the current primary (deepgram)");
        // issue 19 (h19e point 4): an entry is named by its id everywhere, its place only as "position N"
        assertThat(secondStep.asString()).contains("Make stt fallback " + custom + " (custom) the primary?",
                "takes its place at position 2, as stt fallback " + custom + ".");
        assertThat(page(PAGES + "/" + custom).asString()).contains("<h1>Speech to text: fallback " + custom
                + " (position 2, version 1, enabled)</h1>");
        form().formParam("version", "1").formParam("primaryVersion", primaryVersion).formParam("confirmed", "yes")
                .post(PAGES + "/" + soniox + "/primary").then().statusCode(303);

        Response second = form().formParam("version", "1").formParam("primaryVersion", primaryVersion)
                .formParam("confirmed", "yes").post(PAGES + "/" + custom + "/primary");
        assertThat(second.statusCode()).as("the confirmation made against the old primary").isEqualTo(409);
        assertThat(second.asString()).contains("stt primary (soniox) changed meanwhile",
                "the page showed version " + primaryVersion, "Nothing was saved");
        Response again = form().formParam("version", "1").formParam("primaryVersion", primaryVersion)
                .post(PAGES + "/" + custom + "/primary");
        assertThat(again.statusCode()).as("the step too").isEqualTo(409);
        assertThat(list()).as("the first swap stands; the second moved nothing").extracting(e -> e.get("provider"))
                .containsExactly("soniox", "deepgram", "custom");
        Response ahead = form().formParam("version", "1").formParam("primaryVersion", primaryVersion + 1000)
                .post(PAGES + "/" + custom + "/primary");
        assertThat(ahead.statusCode()).as("a primary version no page showed").isEqualTo(400);
        assertThat(ahead.asString()).contains((primaryVersion + 1000) + " does not exist (current is");
        assertThat(ahead.asString()).as("named as the field it is").containsIgnoringCase("primaryVersion")
                .doesNotContain("name=\"confirmed\"");
        Response missing = form().formParam("version", "1").post(PAGES + "/" + custom + "/primary");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.asString()).contains("primaryVersion");
    }

    /**
     * Issue 20 (h20i point 2): make-primary's confirmation step names the targets it restarts, as the disable, delete
     * and rollback steps do (one source, {@link SaveRestarts}), held ones said to be left out; a disabled target is
     * not named.
     */
    @Test
    void makePrimarysStepNamesTheTargetsItRestarts() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long primaryVersion = savePrimary("dg-primary-step-" + tag + "-0a1b2c3d");
        long soniox = addFallback("soniox", "http://127.0.0.1:9", "soniox-primary-step-" + tag);
        List<Long> targets = new java.util.ArrayList<>();
        try {
            targets.add(sttTarget("primary-a-" + tag, true, false));
            targets.add(sttTarget("primary-held-" + tag, true, true));
            targets.add(sttTarget("primary-off-" + tag, false, false));
            Response step = form().formParam("version", "1").formParam("primaryVersion", primaryVersion)
                    .post(PAGES + "/" + soniox + "/primary");
            assertThat(step.statusCode()).isEqualTo(200);
            assertThat(step.asString()).contains("Make stt fallback " + soniox + " (soniox) the primary?",
                    "Making it primary restarts: ", "primary-a-" + tag + " (command)",
                    "held, left out of the rollout: primary-held-" + tag)
                    .doesNotContain("every runtime that depends on").doesNotContain("primary-off-" + tag)
                    .contains(html(saveRestarts.ofPrimary("stt")));
        } finally {
            for (long target : targets) {
                given().auth().oauth2(Clients.admin()).delete("/api/v1/runtimes/" + target);
            }
        }
    }

    /**
     * h19i point 2 (issue 20 item 7): a fallback form whose provider is the primary's was answered 409 with the key,
     * the override box and its reason gone, and with an empty model named only the model (the clash came on the next
     * submit). One answer names every problem with the clash now, and every refusal keeps what was typed (the key
     * only in that answer, no-store).
     */
    @Test
    void aClashingFallbackFormNamesEveryProblemAndKeepsWhatWasTyped() {
        savePrimary("dg-clash-page-" + UUID.randomUUID().toString().substring(0, 8) + "-0a1b2c3d");
        int before = list().size();
        String key = "dg-clash-typed-7c8d9e0f1a2b";
        Response clash = form().formParam("version", addVersion()).formParam("provider", "deepgram")
                .formParam("model", "nova-3").formParam("apiKey", key).formParam("checkOverride", "true")
                .formParam("checkOverrideReason", "rr").post(PAGES);
        assertThat(clash.statusCode()).isEqualTo(409);
        assertThat(clash.asString()).contains("would both write DEEPGRAM_API_KEY", "stt primary (deepgram)")
                .containsPattern("id=\"check-override\"[^>]*checked").contains("value=\"rr\"");
        typedBackOnly(clash, key);

        Response both = form().formParam("version", addVersion()).formParam("provider", "deepgram").formParam("model", "")
                .formParam("apiKey", key).formParam("checkOverride", "true").formParam("checkOverrideReason", "rr")
                .post(PAGES);
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(both.asString()).contains("class=\"field-error\">Model:", "class=\"field-error\">Provider:",
                "would both write DEEPGRAM_API_KEY").containsPattern("id=\"check-override\"[^>]*checked")
                .contains("value=\"rr\"");
        typedBackOnly(both, key);
        assertThat(list()).as("nothing was added").hasSize(before);
    }

    /**
     * h19i points 1 and 2 on the kind's own settings form: a save whose provider is a fallback's is refused before its
     * key is sent (the stand-in hears nothing), and the 409 keeps the typed key (no-store), the box and its reason.
     */
    @Test
    void theSettingsFormRefusesAFallbacksProviderBeforeTheCheckAndKeepsWhatWasTyped() {
        try (SonioxStandIn soniox = new SonioxStandIn()) {
            long version = savePrimary("dg-form-clash-" + UUID.randomUUID().toString().substring(0, 8) + "-0a1b");
            addFallback("soniox", "http://127.0.0.1:9", "sx-form-clash-fallback-1c2d");
            String key = soniox.key(StandIn.Scenario.GOOD);
            Response clash = form().formParam("version", String.valueOf(version)).formParam("provider", "soniox")
                    .formParam("model", "stt-rt-preview").formParam("baseUrl", soniox.url()).formParam("apiKey", key)
                    .formParam("checkOverride", "true").formParam("checkOverrideReason", "rr")
                    .post("/admin/settings/stt");
            assertThat(clash.statusCode()).isEqualTo(409);
            assertThat(clash.asString()).contains("stt primary (soniox)", "SONIOX_API_KEY")
                    .containsPattern("id=\"check-override\"[^>]*checked").contains("value=\"rr\"")
                    .containsPattern("type=\"password\"[^>]*value=\"" + java.util.regex.Pattern.quote(key) + "\"");
            assertThat(clash.header("Cache-Control")).isEqualTo("no-store");
            assertThat(soniox.received()).as("refused before the check").isEmpty();
            assertThat(page("/admin/settings/stt").asString()).doesNotContain(key);
            assertThat(Clients.version("stt")).isEqualTo(version);
        }
    }

    /**
     * h19i points 4 and 5: a disabled fallback is offered no "Make primary…"; a make-primary refused by the key check
     * says (one full stop) to give the fallback a working key on its edit page first, and links it.
     */
    @Test
    void makePrimaryIsOfferedOnlyForAnEnabledFallbackAndItsRefusalLinksTheEditPage() {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            long primaryVersion = savePrimary("dg-primary-fix-" + UUID.randomUUID().toString().substring(0, 8)
                    + "-0a1b2c3d");
            long id = given().auth().oauth2(Clients.admin()).contentType("application/json").body(Map.of("provider",
                    "soniox", "model", "stt-model-1", "baseUrl", soniox.url(), "apiKey",
                    soniox.key(dev.keyhouse.checks.StandIn.Scenario.INVALID), "checkOverride",
                    Map.of("reason", "renewed tonight"))).post(STT).then().statusCode(201).extract().jsonPath()
                    .getLong("id");
            assertThat(row(page("/admin/settings").asString(), id)).contains("id=\"fallback-" + id + "-primary\"");

            Response refused = form().formParam("version", "1").formParam("primaryVersion", primaryVersion)
                    .formParam("confirmed", "yes").post(PAGES + "/" + id + "/primary");
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(refused.asString()).contains("not made primary: the key check found invalid_key",
                    html("give the fallback a working key on its edit page first"),
                    "href=\"/admin/settings/stt/providers/" + id + "\" id=\"fix-key\"").doesNotContain("..",
                    "save with a reason");

            given().auth().oauth2(Clients.admin()).contentType("application/json").header("If-Match", "\"1\"")
                    .body(Map.of("enabled", false)).put(STT + "/" + id).then().statusCode(200);
            assertThat(row(page("/admin/settings").asString(), id)).as("a disabled fallback cannot be made primary")
                    .doesNotContain("fallback-" + id + "-primary", "Make primary");
        }
    }

    /** Saves the stt primary (deepgram) with {@code key}; its new settings version. */
    private static long savePrimary(String key) {
        Response saved = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                "nova-3", "baseUrl", "http://127.0.0.1:9", "apiKey", key));
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
        return saved.jsonPath().getLong("version");
    }

    private static long sttTarget(String name, boolean enabled, boolean held) {
        return given().auth().oauth2(Clients.admin()).contentType("application/json")
                .body(Map.of("name", name, "driver", "command", "dependsOn", List.of("stt"), "enabled", enabled,
                        "held", held, "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    private long addFallback(String provider, String baseUrl, String key) {
        return given().auth().oauth2(Clients.admin()).contentType("application/json").body(Map.of("provider",
                provider, "model", "stt-model-1", "baseUrl", baseUrl, "apiKey", key)).post(STT).then()
                .statusCode(201).extract().jsonPath().getLong("id");
    }

    /**
     * A refused fallback form (400, 422) shows the key its POST typed back in the password field, {@code no-store};
     * the next GET of the form and the overview do not.
     */
    private void typedBackOnly(Response refused, String key) {
        assertThat(refused.asString()).as("the typed key is back in its field")
                .containsPattern("type=\"password\"[^>]*value=\"" + java.util.regex.Pattern.quote(key) + "\"");
        assertThat(refused.header("Cache-Control")).isEqualTo("no-store");
        assertThat(page(PAGES + "/new").asString()).contains("type=\"password\"").doesNotContain(key);
        assertThat(page("/admin/settings").asString()).doesNotContain(key);
    }

    /** {@code text} as Qute escapes it in a page. */
    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    private List<Map<String, Object>> list() {
        return given().auth().oauth2(Clients.admin()).get(STT).then().statusCode(200).extract().jsonPath().getList("");
    }

    private static long id(Map<String, Object> entry) {
        return ((Number) entry.get("id")).longValue();
    }

    private Response page(String path) {
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get(path);
    }

    private RequestSpecification form() {
        return Browser.signedInForm(session, csrf);
    }

    /** The {@code version} the add form carries now: the kind's fallbacks version. */
    private String addVersion() {
        java.util.regex.Matcher version = java.util.regex.Pattern.compile("name=\"version\" value=\"([0-9]+)\"")
                .matcher(page(PAGES + "/new").asString());
        assertThat(version.find()).as("the add form's version").isTrue();
        return version.group(1);
    }

    /**
     * h20m point 5: an add form read before another change of the kind's fallbacks is a 409 naming that change,
     * nothing added, the typed values kept (the key too, sent no-store); the form then carries the current version
     * and adds. A version ahead of the current one is a 400 naming {@code version}; a missing one too.
     */
    @Test
    void aStaleAddFormIsA409NamingWhatChangedAndKeepsWhatWasTyped() {
        String tag = Long.toString(System.nanoTime(), 36);
        String read = addVersion();
        form().formParam("version", read).formParam("provider", "custom").formParam("model", "stt-other-" + tag)
                .formParam("baseUrl", "http://127.0.0.1:9/other").formParam("apiKey", "other-key-" + tag)
                .post(PAGES).then().statusCode(303);
        long other = ((Number) list().stream().filter(e -> ("stt-other-" + tag).equals(e.get("model"))).findFirst()
                .orElseThrow().get("id")).longValue();
        int before = list().size();
        String typedKey = "typed-key-" + tag;
        Response stale = form().formParam("version", read).formParam("provider", "custom")
                .formParam("model", "stt-mine-" + tag).formParam("baseUrl", "http://127.0.0.1:9/mine")
                .formParam("apiKey", typedKey).post(PAGES);
        assertThat(stale.statusCode()).as(stale.asString()).isEqualTo(409);
        assertThat(stale.getHeader("Cache-Control")).isEqualTo("no-store");
        assertThat(stale.asString()).contains("The Speech to text fallbacks changed while you were adding one"
                + " (fallback " + other + " create by ").contains("Nothing was added.")
                .contains("value=\"stt-mine-" + tag + "\"").contains("value=\"http://127.0.0.1:9/mine\"")
                .contains("value=\"" + typedKey + "\"").contains("name=\"version\" value=\"" + addVersion() + "\"");
        assertThat(list()).hasSize(before);

        form().formParam("version", Long.parseLong(addVersion()) + 5).formParam("provider", "custom")
                .formParam("model", "m").post(PAGES).then().statusCode(400)
                .body(org.hamcrest.Matchers.containsString("does not exist"));
        form().formParam("provider", "custom").formParam("model", "m").post(PAGES).then().statusCode(400)
                .body(org.hamcrest.Matchers.containsString("version"));
        // the other custom one deleted (two fallbacks may not both be custom): a form read now adds
        given().auth().oauth2(Clients.admin()).header("If-Match", "\"1\"").delete(STT + "/" + other).then()
                .statusCode(200);
        before--;
        form().formParam("version", addVersion()).formParam("provider", "custom").formParam("model", "stt-mine-" + tag)
                .formParam("baseUrl", "http://127.0.0.1:9/mine").formParam("apiKey", typedKey).post(PAGES).then()
                .statusCode(303);
        assertThat(list()).hasSize(before + 1);
    }

    /**
     * Issue 20, point 7: a fallback's edit form read before another admin saved it is a 409 that keeps what was typed
     * (the key only in this no-store answer) and shows each field they changed with its value now (their key by
     * fingerprint, never its value) and who saved when; the form carries the current version with that box, so a
     * second Save is a deliberate overwrite.
     */
    @Test
    void aStaleEditFormKeepsWhatWasTypedAndShowsWhatTheOtherAdminChangedNow() {
        String tag = Long.toString(System.nanoTime(), 36);
        savePrimary("dg-stale-edit-" + tag); // a primary that is not custom, so a custom fallback can be added
        Response added = form().formParam("version", addVersion()).formParam("provider", "custom")
                .formParam("model", "stt-one-" + tag).formParam("baseUrl", "http://127.0.0.1:9/one")
                .formParam("apiKey", "one-key-" + tag).post(PAGES);
        assertThat(added.statusCode()).as(added.asString()).isEqualTo(303);
        long id = id(list().stream().filter(e -> ("stt-one-" + tag).equals(e.get("model"))).findFirst()
                .orElseThrow());
        String theirs = "their-key-" + tag;
        String fingerprint = given().auth().oauth2(Clients.admin()).contentType(io.restassured.http.ContentType.JSON)
                .header("If-Match", "\"1\"").body(Map.of("provider", "custom", "model", "stt-theirs-" + tag,
                        "baseUrl", "http://127.0.0.1:9/one", "apiKey", theirs))
                .put(STT + "/" + id).then().statusCode(200).extract().jsonPath().getString("apiKey.fingerprint");
        assertThat(fingerprint).isNotBlank();

        String mine = "my-key-" + tag;
        Response stale = form().formParam("version", "1").formParam("provider", "custom")
                .formParam("model", "stt-mine-" + tag).formParam("baseUrl", "http://127.0.0.1:9/one")
                .formParam("apiKey", mine).post(PAGES + "/" + id);
        assertThat(stale.statusCode()).as(stale.asString()).isEqualTo(409);
        String box = dev.keyhouse.StaleBoxes.box(stale.asString());
        assertThat(box).contains("Speech to text fallback " + id + " changed while you were editing: saved by "
                + TestSettings.ADMIN_EMAIL + " at ").contains("(now version 2). Nothing was saved.")
                .contains(dev.keyhouse.StaleBoxes.line("Model", "stt-theirs-" + tag))
                .contains(dev.keyhouse.StaleBoxes.line("API key", "fingerprint " + fingerprint))
                .doesNotContain("Base URL");
        assertThat(stale.asString()).contains("value=\"stt-mine-" + tag + "\"", "name=\"version\" value=\"2\"")
                .doesNotContain("value=\"stt-theirs-" + tag + "\"").as("their key is never shown")
                .doesNotContain(theirs);
        typedBackOnly(stale, mine);
        assertThat(list().stream().filter(e -> e.get("id") != null && id(e) == id).findFirst().orElseThrow())
                .containsEntry("model", "stt-theirs-" + tag).containsEntry("version", 2);

        // the form as the 409 left it (version 2, shown with the box) saves: a deliberate overwrite
        form().formParam("version", "2").formParam("provider", "custom").formParam("model", "stt-mine-" + tag)
                .formParam("baseUrl", "http://127.0.0.1:9/one").formParam("apiKey", mine).post(PAGES + "/" + id)
                .then().statusCode(303);
        assertThat(list().stream().filter(e -> e.get("id") != null && id(e) == id).findFirst().orElseThrow())
                .containsEntry("model", "stt-mine-" + tag).containsEntry("version", 3);
    }

    /**
     * Issue 20 (breaker b20, findings 3 and 4, on a fallback): bob changes the fallback's model and language on its
     * page while alice edits the same version, leaving the model as loaded, changing the language and typing a bad
     * base URL. Her 409 form shows the model as bob stored it (saving it as offered must not undo his change), her
     * language and base URL as typed, and the base URL's error with the box (it came only on the next save before);
     * saving it with the base URL corrected keeps bob's model.
     */
    @Test
    void aStaleEditFormShowsTheOtherAdminsValuesInTheFieldsLeftAloneAndEveryFieldError() {
        String tag = Long.toString(System.nanoTime(), 36);
        savePrimary("dg-stale-merge-" + tag);
        Response added = form().formParam("version", addVersion()).formParam("provider", "custom")
                .formParam("model", "stt-one-" + tag).formParam("language", "en")
                .formParam("baseUrl", "http://127.0.0.1:9/one").formParam("apiKey", "one-key-" + tag).post(PAGES);
        assertThat(added.statusCode()).as(added.asString()).isEqualTo(303);
        long id = id(list().stream().filter(e -> ("stt-one-" + tag).equals(e.get("model"))).findFirst()
                .orElseThrow());
        String bob = Browser.newSession("stale-fallback-bob", "admin");
        Response bobs = Browser.signedInForm(bob).formParam("version", "1").formParam("provider", "custom")
                .formParam("model", "stt-bob-" + tag).formParam("language", "de")
                .formParam("baseUrl", "http://127.0.0.1:9/one").formParam("apiKey", "").post(PAGES + "/" + id);
        assertThat(bobs.statusCode()).as(bobs.asString()).isEqualTo(303);

        Response stale = form().formParam("version", "1").formParam("provider", "custom")
                .formParam("model", "stt-one-" + tag).formParam("language", "fr").formParam("baseUrl", "not a url")
                .formParam("apiKey", "").post(PAGES + "/" + id);

        assertThat(stale.statusCode()).as(stale.asString()).isEqualTo(409);
        assertThat(dev.keyhouse.StaleBoxes.box(stale.asString()))
                .contains(dev.keyhouse.StaleBoxes.line("Model", "stt-bob-" + tag),
                        dev.keyhouse.StaleBoxes.line("Language", "de"));
        assertThat(stale.asString()).as("the model alice left alone is as bob stored it; her fields as typed")
                .contains("name=\"model\" type=\"text\" value=\"stt-bob-" + tag + "\"",
                        "name=\"language\" type=\"text\" value=\"fr\"",
                        "name=\"baseUrl\" type=\"text\" value=\"not a url\"", "name=\"version\" value=\"2\"")
                .doesNotContain("value=\"stt-one-" + tag + "\"")
                .as("every field error comes with the box").contains("Base URL: must be a valid http or https URL");

        Response done = form().formParam("version", "2").formParam("provider", "custom")
                .formParam("model", "stt-bob-" + tag).formParam("language", "fr")
                .formParam("baseUrl", "http://127.0.0.1:9/one").formParam("apiKey", "").post(PAGES + "/" + id);
        assertThat(done.statusCode()).as(done.asString()).isEqualTo(303);
        assertThat(list().stream().filter(e -> e.get("id") != null && id(e) == id).findFirst().orElseThrow())
                .containsEntry("model", "stt-bob-" + tag).containsEntry("language", "fr");
    }
}
