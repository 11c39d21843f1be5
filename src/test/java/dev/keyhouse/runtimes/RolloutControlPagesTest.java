package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ConfirmSteps;
import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * A real rollout (ROLLOUT_APPROVAL=manual: it waits after its canary) seen and steered the way an admin does it: the
 * save's REST answer says what happens next, the run page shows the controls its state allows, the REST controls
 * move it or answer 409 for a state that does not allow them, the page's forms do the same without JavaScript, and
 * Abort asks first. Runtimes are a {@link Fleet} of command targets that confirm with their own provider call.
 */
@QuarkusTest
@TestProfile(Profiles.RolloutControls.class)
class RolloutControlPagesTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    @Inject
    DataSource db;

    private RuntimeApi api;
    private OpenAiStandIn provider;
    private Fleet fleet;
    private List<String> names;

    @BeforeEach
    void setUp() throws Exception {
        api = new RuntimeApi();
        provider = new OpenAiStandIn();
        fleet = new Fleet(api, Files.createTempDirectory("keyhouse-rollout-pages"), provider.baseUrl());
        names = fleet.canaryAndThree(db);
    }

    @AfterEach
    void tearDown() {
        fleet.close();
        api.deleteCreated();
        provider.close();
    }

    @Test
    void theSaveAnswerThePageAndTheRestControlsFollowARealRollout() throws Exception {
        JsonPath saved = api.saveLlm(provider.baseUrl(), provider.key(Scenario.GOOD)).then().statusCode(200)
                .extract().jsonPath();
        long run = saved.getLong("restartRun");
        assertThat(saved.getLong("rollout.run")).isEqualTo(run);
        assertThat(saved.getList("rollout.canary", String.class)).containsExactly(names.get(0));
        assertThat(saved.getString("rollout.next")).startsWith("rolling out: canary " + names.get(0))
                .endsWith("; waiting for approval after the canary");
        assertThat(saved.getBoolean("rollout.waitsForApproval")).isTrue();
        awaitOutcome(run, "waiting_approval");

        String admin = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String page = page(admin, "/admin/restarts/" + run);
        assertThat(page).contains("id=\"outcome\">waiting for approval</span>")
                .contains("action=\"/admin/restarts/" + run + "/pause\"")
                .contains("action=\"/admin/restarts/" + run + "/continue\"")
                .contains("action=\"/admin/restarts/" + run + "/abort\"").doesNotContain("/resume\"")
                .contains("Canary (wave 1): <span class=\"state state-confirmed\">confirmed</span>");
        String viewerEmail = Browser.uniqueEmail("rollout-pages-viewer");
        Browser.newUser(viewerEmail, "viewer");
        assertThat(page(Browser.session(viewerEmail, Browser.PASSWORD), "/admin/restarts/" + run))
                .contains("id=\"outcome\">waiting for approval</span>").doesNotContain("id=\"controls\"");

        control(run, "resume").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("is not paused"));
        control(run, "pause").then().statusCode(200).body("outcome", equalTo("paused")).body("paused", equalTo(true));
        control(run, "pause").then().statusCode(409).body("detail", containsString("already paused"));
        String paused = page(admin, "/admin/restarts/" + run);
        assertThat(paused).contains("id=\"outcome\">paused</span>").contains("/resume\"").doesNotContain("/pause\"");

        // Resume restarts the waves still to come: a confirmation step first (issue 20), naming them
        Response ask = Browser.signedInForm(admin).post("/admin/restarts/" + run + "/resume");
        ask.then().statusCode(200);
        ConfirmSteps.assertStep(ask.asString(), "/admin/restarts/" + run + "/resume");
        assertThat(ask.asString()).contains("Resume rollout " + run + "?").contains(names.get(3));
        assertThat(api.run(run).getBoolean("paused")).as("asking changes nothing").isTrue();
        Response resumed = Browser.signedInForm(admin).formParam("confirmed", "yes")
                .post("/admin/restarts/" + run + "/resume");
        resumed.then().statusCode(303);
        assertThat(resumed.header("Location")).isEqualTo("/admin/restarts/" + run);
        assertThat(Browser.followFlash(admin, resumed).asString()).contains("Rollout resumed.")
                .contains("id=\"outcome\">waiting for approval</span>");
        assertThat(page(admin, resumed.header("Location"))).as("a reload does not repeat it")
                .doesNotContain("Rollout resumed.");
        // Continue on the page asks first too, naming the targets its waves restart
        Response approve = Browser.signedInForm(admin).post("/admin/restarts/" + run + "/continue");
        approve.then().statusCode(200);
        ConfirmSteps.assertStep(approve.asString(), "/admin/restarts/" + run + "/continue");
        assertThat(approve.asString()).contains(names.get(1)).contains(names.get(3));
        assertThat(api.run(run).getString("outcome")).as("asking changes nothing").isEqualTo("waiting_approval");
        Browser.signedInForm(admin).formParam("confirmed", "yes").post("/admin/restarts/" + run + "/continue")
                .then().statusCode(303);
        control(run, "continue").then().statusCode(409).body("detail", containsString("not waiting for approval"));

        JsonPath done = api.awaitRun(run, RUN_TIMEOUT);
        assertThat(done.getString("outcome")).as(done.prettify()).isEqualTo("succeeded");
        for (String control : List.of("pause", "resume", "continue", "abort")) {
            control(run, control).then().statusCode(409).body("detail", containsString("has ended (succeeded)"));
        }
        String ended = page(admin, "/admin/restarts/" + run);
        assertThat(ended).contains("id=\"outcome\">succeeded</span>").doesNotContain("id=\"controls\"")
                .doesNotContain("hx-trigger");
        assertThat(ended.substring(ended.indexOf("id=\"wave-1\""), ended.indexOf("id=\"wave-2\"")))
                .contains("data-runtime=\"" + names.get(0) + "\"").contains(">confirmed</span>").contains("report");

        String overview = io.restassured.RestAssured.given().cookie(SessionTokens.SESSION_COOKIE, admin)
                .cookie(dev.keyhouse.web.Flash.COOKIE, "saved.llm.r" + run).get("/admin/settings").asString();
        // the save's notice says the run as it stands (issue 20, breaker h20q 3): ended, never "rolling out" now
        assertThat(overview).contains("id=\"restart-run-link\">Rollout " + run + "</a> ended: <strong class=\"state"
                + " state-succeeded\">succeeded</strong>").doesNotContain("rolling out").doesNotContain("hx-get=\""
                        + "/admin/restarts/" + run + "/status\"");
        String runtimes = page(admin, "/admin/runtimes");
        String row = runtimes.substring(runtimes.indexOf("data-runtime=\"" + names.get(3) + "\""));
        assertThat(row.substring(0, row.indexOf("</tr>"))).contains("(current)")
                .contains(">confirmed</span> in <a href=\"/admin/restarts/" + run + "\">rollout " + run + "</a>");
    }

    @Test
    void abortOnThePageAsksFirstThenStopsTheRollout() throws Exception {
        long run = api.saveLlm(provider.baseUrl(), provider.key(Scenario.GOOD)).then().statusCode(200).extract()
                .jsonPath().getLong("restartRun");
        awaitOutcome(run, "waiting_approval");
        String admin = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String csrf = Browser.csrfOf(admin);

        Response ask = Browser.signedInForm(admin, csrf).post("/admin/restarts/" + run + "/abort");
        ask.then().statusCode(200);
        assertThat(ask.asString()).contains("Abort rollout " + run + "?").contains("name=\"confirmed\" value=\"yes\"");
        assertThat(api.run(run).getString("outcome")).as("asking changes nothing").isEqualTo("waiting_approval");

        Response aborted = Browser.signedInForm(admin, csrf).formParam("confirmed", "yes")
                .post("/admin/restarts/" + run + "/abort");
        aborted.then().statusCode(303);
        assertThat(aborted.header("Location")).isEqualTo("/admin/restarts/" + run);
        assertThat(aborted.getCookie(dev.keyhouse.web.Flash.COOKIE)).isEqualTo("aborted");
        JsonPath done = api.awaitRun(run, RUN_TIMEOUT);
        assertThat(done.getString("outcome")).as(done.prettify()).isEqualTo("aborted");
        assertThat(page(admin, "/admin/restarts/" + run)).contains("id=\"outcome\">aborted</span>")
                .contains("aborted by " + TestSettings.ADMIN_EMAIL).doesNotContain("id=\"controls\"");
        Response again = Browser.signedInForm(admin, csrf).formParam("confirmed", "yes")
                .post("/admin/restarts/" + run + "/abort");
        again.then().statusCode(409);
        assertThat(again.asString()).contains("id=\"refusal\"").contains("has ended (aborted)");
    }

    private Response control(long run, String control) {
        return given().auth().oauth2(api.admin()).post("/api/v1/restarts/" + run + "/" + control);
    }

    private JsonPath awaitOutcome(long run, String outcome) throws InterruptedException {
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        JsonPath report = api.run(run);
        while (!outcome.equals(report.getString("outcome")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            report = api.run(run);
        }
        assertThat(report.getString("outcome")).as(report.prettify()).isEqualTo(outcome);
        return report;
    }

    private static String page(String session, String path) {
        Response response = given().cookie(SessionTokens.SESSION_COOKIE, session).get(path);
        response.then().statusCode(200);
        return response.asString();
    }
}
