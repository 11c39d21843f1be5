package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ConfirmSteps;
import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * The runtimes page and the run page: a target added through the driver's generated form, a key saved on the
 * settings page linking to its run, the run page polling until the run is finished, convergence after an ack.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RuntimePagesTest {

    private static final Pattern RUN_LINK = Pattern.compile("href=\"/admin/restarts/(\\d+)\"");

    @Inject
    SecretFingerprints fingerprints;
    @Inject
    EntityManager em;
    @Inject
    javax.sql.DataSource db;

    private final RuntimeApi api = new RuntimeApi();
    private String session;

    @BeforeEach
    void signIn() {
        session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
    }

    @AfterEach
    void deleteTargets() {
        api.deleteCreated();
        for (Object id : given().auth().oauth2(api.admin()).get("/api/v1/runtimes").jsonPath()
                .getList("findAll { it.name.startsWith('page-') }.id")) {
            given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + id);
        }
    }

    @Test
    void aTargetAddedOnThePageIsRestartedByASaveOnTheSettingsPageAndConverges() throws Exception {
        String name = "page-" + RuntimeRestartTest.unique();
        Response form = page("/admin/runtimes?driver=command");
        String html = form.asString();
        assertThat(html).contains("name=\"config.command\"").contains("name=\"config.environmentFile\"")
                .contains("name=\"csrf-token\"").contains("value=\"llm\"").doesNotContain("style=")
                .doesNotContainPattern("<script(?![^>]*\\ssrc=)");

        Response invalid = post(form, "/admin/runtimes", Map.of("name", "", "driver", "command", "dependsOn", "llm"));
        invalid.then().statusCode(400);
        assertThat(invalid.asString()).contains("Name: is required").contains("Command: is required");

        Response added = post(form, "/admin/runtimes", Map.of("name", name, "driver", "command", "dependsOn", "llm",
                "enabled", "true", "config.command", "true"));
        added.then().statusCode(303);
        assertThat(added.header("Location")).isEqualTo("/admin/runtimes");
        assertThat(Browser.followFlash(session, added).asString()).contains("Runtime target added.").contains(name);
        assertThat(page("/admin/runtimes").asString()).as("a reload does not repeat it").contains(name)
                .doesNotContain("Runtime target added.");

        String key = "sk-page-test-" + RuntimeRestartTest.unique() + "-9d2c41";
        Response settingsForm = page("/admin/settings/llm");
        Response saved = post(settingsForm, "/admin/settings/llm",
                Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", key));
        saved.then().statusCode(303);
        assertThat(saved.header("Location")).isEqualTo("/admin/settings");
        assertThat(saved.getCookie(dev.keyhouse.web.Flash.COOKIE)).matches("saved\\.llm\\.r\\d+(\\.c[a-z_]+)?");
        String overview = Browser.followFlash(session, saved).asString();
        Matcher link = RUN_LINK.matcher(overview);
        assertThat(link.find()).as("the save confirmation links to the run").isTrue();
        long run = Long.parseLong(link.group(1));

        api.awaitRun(run, Duration.ofSeconds(60));
        String finished = page("/admin/restarts/" + run).asString();
        // breaker b20 M1: not asked to confirm, its runtime may still fetch what it was restarted onto, which changes
        // the page: it keeps polling (it stopped here, and the fetch below showed only on a reload)
        assertThat(finished).contains("Restart run " + run).contains(name).contains("restarted")
                .contains("hx-get=\"/admin/restarts/" + run + "/live\" hx-trigger=\"every "
                        + TestSettings.BUSY_REFRESH + "\"").doesNotContain(key);
        assertThat(page("/admin/restarts/" + run + "/live").asString()).as("its fragment")
                .contains("restarted, confirmation not asked").contains("hx-trigger=\"every "
                        + TestSettings.BUSY_REFRESH + "\"");
        api.fetchRuntimeConfig(name).then().statusCode(200);

        String fragment = page("/admin/restarts/" + run + "/live").asString();
        // a command target's confirmation is none (auto: it never fetched or reported), so the run did not wait for
        // it; its fetch afterwards confirms it all the same, on the run page and the runtimes list alike
        assertThat(fragment).doesNotContain("<html").doesNotContain("hx-get")
                .contains("configuration version").contains("1 of 1 restarted runtimes confirmed")
                .contains("id=\"outcome\">succeeded<").doesNotContain("not asked for");
        String targets = page("/admin/runtimes/live").asString();
        assertThat(targets).contains(name).contains("1 of 1 confirmed").contains("hx-trigger=\"every");
    }

    /**
     * Issue 20 (breaker, point 1): a run whose runtime restarted but never fetched reads "not confirmed" with the same
     * counts on its page, on the runtimes list and in the API ({@code headline}, {@code headlineState},
     * {@code tally}), though its stored {@code state} is succeeded; a fetch by name turns all of them to succeeded.
     */
    @Test
    void theApiSaysWhatTheRunPageSays() throws Exception {
        String name = "page-unfetched-" + RuntimeRestartTest.unique();
        // asked to confirm by a fetch (auto would find no signal: none, not asked)
        long id = api.command(name, List.of("tts"), "true", null, Confirmations.FETCH);
        long run = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");
        JsonPath report = api.awaitRun(run, Duration.ofSeconds(30));

        assertSucceeded(report, "not confirmed", "unconfirmed");
        assertThat(report.getList("tally.notConfirmed")).containsExactly(name);
        String html = page("/admin/restarts/" + run).asString();
        assertThat(html).contains("id=\"outcome\">not confirmed<")
                .contains("id=\"tally\">restarted 1 of 1, confirmed 0 of 1<").contains("no fetch since the restart");
        assertThat(page("/admin/runtimes").asString()).contains("state-unconfirmed\">not confirmed<");
        // one verdict (breaker 3, point 1): the API's outcome and the audit entry say what the page says
        assertThat(report.getString("outcome")).isEqualTo("unconfirmed");
        assertThat(dev.keyhouse.auth.Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'restart.finish'"
                + " AND target = ?", "restart run " + run)).containsExactly("not confirmed: restarted 1 of 1, confirmed 0 of 1");
        // a manual run rolls out no one key: no fingerprint, and why (not the LLM key's)
        assertThat(report.getString("convergence.fingerprint")).isNull();
        assertThat(report.getString("convergence.fingerprintReason"))
                .isEqualTo("a manual restart rolls out the whole current configuration, not one key");

        api.fetchRuntimeConfig(name).then().statusCode(200);
        JsonPath confirmed = api.run(run);
        assertThat(confirmed.getString("outcome")).isEqualTo("succeeded");
        assertThat(confirmed.getString("headline")).isEqualTo("succeeded");
        assertThat(confirmed.getInt("tally.confirmed")).isEqualTo(1);
        assertThat(page("/admin/restarts/" + run).asString()).contains("id=\"outcome\">succeeded<")
                .contains("id=\"tally\">restarted 1 of 1, confirmed 1 of 1<")
                .contains("configuration version " + confirmed.getLong("results[0].envVersion"));
    }

    /**
     * Issue 20 (breaker, finding 1): a command target with confirmation auto (it can never fetch or report: none) is
     * not waited for. Its rollout says "restarted, confirmation not asked" everywhere, counting it apart (neither
     * confirmed nor unconfirmed): the run page's headline, tally and convergence, the wave, the row's Status, the
     * runtimes list, and the API's tally, convergence and result ({@code confirmed} false, {@code confirmState}
     * not_asked).
     */
    @Test
    void aTargetWithConfirmationNoneIsRestartedNotAskedEverywhere() throws Exception {
        saveTts("first");
        String name = "page-cmd1-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", name, "driver", "command", "dependsOn", List.of("tts"), "canary", true,
                "config", Map.of("command", "true")));
        long run = saveTts("second");
        JsonPath report = api.awaitRun(run, Duration.ofSeconds(60));

        assertSucceeded(report, "restarted, confirmation not asked", "not_asked");
        // what this tts run rolled out, by the tts key's fingerprint (breaker 3, point 1), never the LLM key's
        assertThat(report.getString("convergence.fingerprint")).isEqualTo(fingerprints.of(lastTtsKey))
                .isNotEqualTo(given().auth().oauth2(api.admin()).get("/api/v1/settings/llm").jsonPath()
                        .getString("secrets.apiKey.fingerprint"));
        assertThat(report.getString("convergence.fingerprintReason")).isNull();
        assertThat(dev.keyhouse.auth.Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'restart.finish'"
                + " AND target = ?", "restart run " + run)).singleElement().asString()
                .startsWith("restarted, confirmation not asked: ");
        assertThat(report.getList("tally.notConfirmed")).isEmpty();
        assertThat(report.getList("tally.notAsked")).containsExactly(name);
        assertThat(report.getInt("convergence.restarted")).isEqualTo(1);
        assertThat(report.getInt("convergence.confirmed")).isZero();
        assertThat(report.getList("convergence.unconfirmed")).isEmpty();
        assertThat(report.getList("convergence.notAsked")).containsExactly(name);
        assertThat(report.getBoolean("results[0].confirmed")).isFalse();
        assertThat(report.getString("results[0].confirmation")).isEqualTo("none");
        assertThat(report.getString("results[0].confirmState")).isEqualTo("not_asked");
        assertThat(report.getString("results[0].status")).isEqualTo("not_asked");
        assertThat(report.getString("waves[0].state")).isEqualTo("restarted");
        assertThat(report.getString("waves[0].decision"))
                .isEqualTo("1 restarted, confirmation not asked (none): " + name);

        String html = page("/admin/restarts/" + run).asString();
        assertThat(html).contains("id=\"outcome\">restarted, confirmation not asked<")
                .contains("id=\"tally\">restarted 1 of 1, confirmation not asked for 1 (none): " + name + "<")
                .contains("state-restarted\">restarted</span>")
                .contains("state-not_asked\">restarted, confirmation not asked (none)<")
                .doesNotContain(">confirmed<").doesNotContain("not confirmed").doesNotContain("did not confirm")
                .doesNotContain("runtimes confirmed");
        String targets = page("/admin/runtimes").asString();
        String row = targets.substring(targets.indexOf(">" + name + "</a>"));
        row = row.substring(0, row.indexOf("</tr>"));
        assertThat(row).contains("restarted, confirmation not asked").doesNotContain("0 of 1 confirmed")
                .doesNotContain("not yet");

        // one rule for every kind of run (breaker, point 2): a manual run and a shared secret's run say the same
        long manual = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");
        assertNotAsked(manual, name);
        String unique = RuntimeRestartTest.unique();
        JsonPath secret = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "page-none-" + unique, "variable", "PAGE_NONE_" + unique.toUpperCase()
                        .replace('-', '_'), "targets", List.of(id)))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath();
        try {
            assertNotAsked(secret.getLong("restartRun"), name);
        } finally {
            given().auth().oauth2(api.admin()).header("If-Match", "\"" + secret.getLong("version") + "\"")
                    .delete("/api/v1/shared-secrets/" + secret.getLong("id")).then().statusCode(204);
        }
    }

    /**
     * A run that is not a rollout (manual, shared secret) of one target whose confirmation is none: "restarted,
     * confirmation not asked" in the API, its audit entry and on its page, never "not confirmed".
     */
    private void assertNotAsked(long run, String name) throws InterruptedException {
        JsonPath report = api.awaitRun(run, Duration.ofSeconds(60));
        assertSucceeded(report, "restarted, confirmation not asked", "not_asked");
        assertThat(report.getBoolean("rollout")).isFalse();
        assertThat(report.getString("results[0].confirmation")).isEqualTo("none");
        assertThat(report.getString("results[0].confirmState")).isEqualTo("not_asked");
        assertThat(report.getString("results[0].status")).isEqualTo("not_asked");
        assertThat(report.getBoolean("results[0].confirmed")).isFalse();
        assertThat(report.getList("tally.notConfirmed")).isEmpty();
        assertThat(report.getList("tally.notAsked")).containsExactly(name);
        assertThat(report.getInt("convergence.restarted")).isEqualTo(1);
        assertThat(report.getList("convergence.unconfirmed")).isEmpty();
        assertThat(report.getList("convergence.notAsked")).containsExactly(name);
        assertThat(dev.keyhouse.auth.Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'restart.finish'"
                + " AND target = ?", "restart run " + run)).singleElement().asString()
                .startsWith("restarted, confirmation not asked: ");
        String html = page("/admin/restarts/" + run).asString();
        assertThat(html).contains("id=\"outcome\">restarted, confirmation not asked<")
                .contains("id=\"tally\">restarted 1 of 1, confirmation not asked for 1 (none): " + name + "<")
                .contains("state-not_asked\">restarted, confirmation not asked (none)<")
                .doesNotContain("not confirmed").doesNotContain("did not confirm").doesNotContain("runtimes confirmed");
    }

    /**
     * Issue 20 (breaker, finding 2): a rollout over a command target (a restart that works once: its rollback
     * restart fails) and a webhook answering 501. Every count agrees and names each runtime once; the runtime that
     * moved is restarted back, and so is the webhook, whose failed restart may have applied the change (breaker b9
     * H3); the rollback wave with a failed restart is "failed", not "done".
     */
    @Test
    void aPartialRolloutCountsOnceAndRestartsBackOnlyWhatMoved() throws Exception {
        HttpServer web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        web.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            calls.incrementAndGet();
            byte[] body = "<html><body><h1>501 Not Implemented</h1></body></html>".getBytes();
            exchange.sendResponseHeaders(501, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("page-once");
        try {
            saveTts("first");
            String u = RuntimeRestartTest.unique();
            String cmd = "page-cmd1-" + u;
            String hook = "page-web501-" + u;
            api.create(Map.of("name", cmd, "driver", "command", "dependsOn", List.of("tts"), "canary", true,
                    "config", Map.of("command", "mkdir " + dir.resolve("once"))));
            api.create(Map.of("name", hook, "driver", "http", "dependsOn", List.of("tts"), "canary", true,
                    "config", Map.of("url", "http://127.0.0.1:" + web.getAddress().getPort() + "/restart",
                            "secret", "page-hook-secret-" + u)));
            long run = saveTts("second");
            JsonPath report = api.awaitRun(run, Duration.ofSeconds(60));

            assertThat(report.getString("state")).isEqualTo("rolled_back");
            assertThat(report.getInt("tally.runtimes")).isEqualTo(2);
            assertThat(report.getList("tally.failed")).containsExactly(hook);
            // the command target moved, and its rollback restart failed: it may still run the change, counted as
            // that and nothing else (breaker b12, N5), never as restarted and not asked
            assertThat(report.getInt("tally.restarted")).isZero();
            assertThat(report.getList("tally.backFailed")).containsExactly(cmd);
            assertThat(report.getList("tally.notAsked")).isEmpty();
            assertThat(report.getInt("convergence.restarted")).isZero();
            assertThat(report.getInt("convergence.confirmed")).isZero();
            assertThat(report.getList("convergence.unconfirmed")).isEmpty();
            assertThat(report.getList("convergence.notAsked")).isEmpty();
            // the command target moved; the webhook's failed restart may have applied the change: both restarted back
            assertThat(report.getList("results.findAll { it.target == '" + hook + "' }")).hasSize(2);
            assertThat(report.getList("results.findAll { it.target == '" + cmd + "' }")).hasSize(2);
            assertThat(calls.get()).isEqualTo(2 * Profiles.FastRestarts.ATTEMPTS);
            String rollback = report.getString("waves.find { it.kind == 'rollback' }.decision");
            assertThat(rollback).contains("restarting 1 moved runtime back: " + cmd + "; and 1 runtime back whose"
                    + " restart did not succeed but may have applied the change: " + hook);
            assertThat(report.getString("waves.find { it.kind == 'rollback' }.state")).isEqualTo("failed");
            assertThat(report.getString("reason")).containsAnyOf("2 of 2 rollback restarts failed: " + cmd + ", " + hook,
                    "2 of 2 rollback restarts failed: " + hook + ", " + cmd);

            String html = page("/admin/restarts/" + run).asString();
            assertThat(html).contains("id=\"tally\">restarted 0 of 2 (failed: " + hook
                    + "), rollback restart failed 1: " + cmd + "<")
                    .doesNotContain("confirmation not asked for 1").doesNotContain("0 of 2 restarted").doesNotContain(": <span class=\"state state-done\">");
            // the runtimes list's banner names the failing target first, then the rollback note (breaker 3, point 3)
            Matcher banner = Pattern.compile("id=\"rollout-alert-tts\">([^<]*)").matcher(page("/admin/runtimes").asString());
            assertThat(banner.find()).isTrue();
            assertThat(banner.group(1)).startsWith("Text to speech rollout (run " + run + "): wave 1 (canary): " + hook
                    + ": restart failed; restored: the previous key (version ").contains(" (back: Voice, API key);"
                    + " 2 of 2 rollback restarts failed: ").contains("; rolled back — fix target " + hook
                    + " (its restart failed), then make the change again (").doesNotContain("the previous key is back");
        } finally {
            web.stop(0);
            RuntimeApi.deleteTree(dir);
        }
    }

    /**
     * Breaker b9, L1: a runtime's own output (a failing command's last lines) is shown to admins only, on every
     * surface that shows a restart error. The runtimes list's instances table (its <em>Latest rollout</em> column, in
     * the page and its htmx fragment) was built without the reader's role, so it showed admins the viewers' note. An
     * admin's instance row holds the output and not the note; a viewer's the note and not the output; the targets
     * table, the target's page and the API agree.
     */
    @Test
    void theInstancesTableShowsARuntimesOwnOutputToAdminsOnly() throws Exception {
        saveTts("first");
        String u = RuntimeRestartTest.unique();
        String name = "page-output-" + u;
        // the command computes the marker, so the command's own text (shown on the target's page) never holds it
        String marker = "own-words-42-" + u;
        long target = api.create(Map.of("name", name, "driver", "command", "dependsOn", List.of("tts"), "canary", true,
                "config", Map.of("command", "echo own-words-$((6*7))-" + u + "; exit 3")));
        long run = saveTts("second");
        JsonPath report = api.awaitRun(run, Duration.ofSeconds(60));
        assertThat(report.getString("results.find { it.wave == 1 }.state")).as(report.prettify())
                .isEqualTo(RestartResult.FAILED);
        String runtime = report.getString("results.find { it.wave == 1 }.runtime");
        String viewer = Browser.newSession("output-viewer", "viewer");
        String note = RuntimeOutput.NOT_SHOWN.replace("'", "&#39;"); // as a page escapes it
        for (String path : List.of("/admin/runtimes", "/admin/runtimes/live")) {
            String admins = instanceRow(page(session, path).asString(), runtime);
            assertThat(admins).as("an admin's instance row on " + path).contains("rollout " + run).contains(marker)
                    .doesNotContain(note);
            String viewers = instanceRow(page(viewer, path).asString(), runtime);
            assertThat(viewers).as("a viewer's instance row on " + path).contains("rollout " + run)
                    .contains(note).doesNotContain(marker);
            assertThat(page(viewer, path).asString()).as("a viewer's " + path).doesNotContain(marker);
        }
        assertThat(page(session, "/admin/runtimes/" + target).asString()).as("an admin's target page")
                .contains(marker);
        assertThat(page(viewer, "/admin/runtimes/" + target).asString()).as("a viewer's target page")
                .doesNotContain(marker).contains(note);
        String path = "/api/v1/restarts/" + run;
        assertThat(given().auth().oauth2(api.admin()).get(path).then().statusCode(200).extract().asString())
                .as("an admin's API answer").contains(marker);
        assertThat(given().cookie(SessionTokens.SESSION_COOKIE, viewer).get(path).then().statusCode(200).extract()
                .asString()).as("a viewer's API answer").doesNotContain(marker);
    }

    /** The row of the runtimes list's instances table (id {@code runtimes}) naming {@code runtime}. */
    private static String instanceRow(String html, String runtime) {
        int table = html.indexOf("id=\"runtimes\"");
        assertThat(table).as("the instances table").isNotNegative();
        int start = html.indexOf("data-runtime=\"" + runtime + "\"", table);
        assertThat(start).as("the instance row of " + runtime).isNotNegative();
        return html.substring(start, html.indexOf("</tr>", start));
    }

    /**
     * Issue 20 (breaker, finding 3): an admin's rollback plans its rollout as cause rollback, and its page says a
     * rollback, not a save.
     */
    @Test
    void aManualRollbacksRunIsLabelledARollback() throws Exception {
        saveTts("first");
        String name = "page-back-" + RuntimeRestartTest.unique();
        api.create(Map.of("name", name, "driver", "command", "dependsOn", List.of("tts"), "config",
                Map.of("command", "true")));
        api.awaitRun(saveTts("second"), Duration.ofSeconds(60));
        String etag = given().auth().oauth2(api.admin()).get("/api/v1/settings/tts").then().statusCode(200)
                .extract().header("ETag");
        JsonPath rolledBack = given().auth().oauth2(api.admin()).header("If-Match", etag)
                .post("/api/v1/settings/tts/rollback").then().statusCode(200).extract().jsonPath();
        long run = rolledBack.getLong("restartRun");
        long version = rolledBack.getLong("version");
        JsonPath report = api.awaitRun(run, Duration.ofSeconds(60));
        assertThat(report.getString("cause")).isEqualTo("rollback");
        assertThat(report.getLong("settingsVersion")).isEqualTo(version);
        assertThat(page("/admin/restarts/" + run).asString())
                .contains("rolled tts settings back to their previous version")
                .contains("saved as settings version " + version).doesNotContain("was saved by");
    }

    /** A succeeded run of one restarted runtime that did not confirm, with this headline and headline state. */
    private static void assertSucceeded(JsonPath report, String headline, String headlineState) {
        assertThat(report.getString("state")).isEqualTo("succeeded");
        assertThat(report.getString("outcome")).isEqualTo(headlineState);
        assertThat(report.getString("headline")).isEqualTo(headline);
        assertThat(report.getString("headlineState")).isEqualTo(headlineState);
        assertThat(report.getInt("tally.restarted")).isEqualTo(1);
        assertThat(report.getInt("tally.confirmed")).isZero();
    }

    /** The key {@link #saveTts} saved last. */
    private String lastTtsKey;

    /** Saves the TTS setting with a new key; the restart run it planned, or 0 when none. */
    private long saveTts(String tag) {
        String etag = given().auth().oauth2(api.admin()).get("/api/v1/settings/tts").then().statusCode(200)
                .extract().header("ETag");
        lastTtsKey = "sv-page-" + tag + "-" + RuntimeRestartTest.unique() + "0011223344";
        JsonPath saved = given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "sarvam", "voice", "voice-" + tag, "apiKey", lastTtsKey))
                .put("/api/v1/settings/tts").then().statusCode(200).extract().jsonPath();
        return saved.get("restartRun") == null ? 0 : saved.getLong("restartRun");
    }

    /**
     * Issue 20 (breaker, point 2): a shared secret's run confirms on the configuration version it rolled out (the
     * version that carries the new secret), not on the LLM key it did not change: a fetch since the restart that got
     * an older configuration (the same LLM key) does not confirm; a fetch of the new one does.
     */
    @Test
    void aSharedSecretsRunConfirmsOnTheSecretItRolledOut() throws Exception {
        String unique = RuntimeRestartTest.unique();
        String name = "page-shared-" + unique;
        long id = api.command(name, List.of("tts"), "true", null, Confirmations.FETCH);
        JsonPath secret = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "page-" + unique, "variable", "PAGE_" + unique.toUpperCase().replace('-', '_'),
                        "targets", List.of(id)))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath();
        try {
            long run = secret.getLong("restartRun");
            JsonPath report = api.awaitRun(run, Duration.ofSeconds(30));
            long rolledOut = report.getLong("results[0].envVersion");
            // a fetch since the restart that was served the configuration before the secret (same LLM key)
            staleAck(name, rolledOut - 1, report.getString("convergence.fingerprint"));
            JsonPath stale = api.run(run);
            assertThat(stale.getBoolean("results[0].confirmed")).isFalse();
            assertThat(stale.getInt("convergence.confirmed")).isZero();
            assertThat(stale.getString("headline")).isEqualTo("not confirmed");
            assertThat(page("/admin/restarts/" + run).asString()).contains("id=\"outcome\">not confirmed<")
                    .contains("configuration version " + (rolledOut - 1) + ", older than version " + rolledOut);

            api.fetchRuntimeConfig(name).then().statusCode(200);
            JsonPath fetched = api.run(run);
            assertThat(fetched.getBoolean("results[0].confirmed")).isTrue();
            assertThat(fetched.getInt("convergence.confirmed")).isEqualTo(1);
            assertThat(fetched.getString("headline")).isEqualTo("succeeded");
        } finally {
            given().auth().oauth2(api.admin()).header("If-Match", "\"" + secret.getLong("version") + "\"")
                    .delete("/api/v1/shared-secrets/" + secret.getLong("id")).then().statusCode(204);
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("DELETE FROM runtime_acks WHERE runtime = ?1")
                    .setParameter(1, name).executeUpdate());
        }
    }

    /** Writes {@code runtime}'s last fetch as served now with {@code version} and the LLM key {@code fingerprint}. */
    private void staleAck(String runtime, long version, String fingerprint) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("INSERT INTO runtime_acks (runtime,"
                        + " settings_version, llm_fingerprint, acked_at) VALUES (?1, ?2, ?3, now()) ON CONFLICT (runtime)"
                        + " DO UPDATE SET settings_version = excluded.settings_version,"
                        + " llm_fingerprint = excluded.llm_fingerprint, acked_at = excluded.acked_at")
                .setParameter(1, runtime).setParameter(2, version).setParameter(3, fingerprint).executeUpdate());
    }

    @Test
    void theRunPagePollsWhileTheRunIsUnderWay() throws Exception {
        String name = "page-slow-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "sleep 2", null);
        long run = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");

        assertThat(page("/admin/restarts/" + run).asString())
                .contains("hx-get=\"/admin/restarts/" + run + "/live\" hx-trigger=\"every "
                        + TestSettings.BUSY_REFRESH + "\"");
        assertThat(page("/admin/restarts/" + run + "/live").asString()).as("its fragment, at the same rate")
                .contains("hx-trigger=\"every " + TestSettings.BUSY_REFRESH + "\"");
        assertThat(page("/admin/runtimes").asString())
                .contains("hx-trigger=\"every " + TestSettings.BUSY_REFRESH + "\"");

        api.awaitRun(run, Duration.ofSeconds(30));
        // not asked to confirm (a command that never fetched), it may still fetch within its window: once it did,
        // nothing the run shows can change
        assertThat(page("/admin/restarts/" + run + "/live").asString()).as("ended, its runtime may still fetch")
                .contains("hx-trigger=\"every " + TestSettings.BUSY_REFRESH + "\"");
        api.fetchRuntimeConfig(name).then().statusCode(200);
        assertThat(page("/admin/restarts/" + run + "/live").asString()).doesNotContain("hx-trigger");
    }

    /**
     * Issue 20, point 1 ("live pages finish"): a restart-now run whose runtime confirms after the run finished. The
     * command exits at once, so the run finishes "not confirmed" while its runtime may still fetch within
     * ROLLOUT_CONFIRM_TIMEOUT_SECONDS (30 s here): the run page, its fragment, the notice's status span, the runtimes
     * list and the target's latest-run region keep polling at the busy interval; a late fetch turns each to
     * "succeeded, confirmed 1 of 1", after which the run page and the status span stop and the target's region idles.
     */
    @Test
    void aFinishedRunWhoseRuntimeMayStillConfirmKeepsPollingUntilItConfirms() throws Exception {
        String name = "page-late-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null, Confirmations.FETCH);
        long run = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");
        api.awaitRun(run, Duration.ofSeconds(30));
        String busy = "hx-trigger=\"every " + TestSettings.BUSY_REFRESH + "\"";
        String idle = "hx-trigger=\"every " + TestSettings.IDLE_REFRESH + "\"";

        String card = page("/admin/restarts/" + run).asString();
        assertThat(card).as("finished, its runtime still in its confirmation window")
                .contains("not confirmed", "confirmed 0 of 1")
                .contains("hx-get=\"/admin/restarts/" + run + "/live\" " + busy);
        assertThat(page("/admin/restarts/" + run + "/live").asString()).as("its fragment").contains(busy);
        assertThat(page("/admin/restarts/" + run + "/status").asString()).as("the notice's status span")
                .contains("ended", "not confirmed").contains("hx-get=\"/admin/restarts/" + run + "/status\" " + busy);
        assertThat(targetsTrigger("/admin/runtimes")).as("the list").isEqualTo("every " + TestSettings.BUSY_REFRESH);
        assertThat(page("/admin/runtimes/" + id).asString()).as("the target's page")
                .contains("hx-get=\"/admin/runtimes/" + id + "/latest\" " + busy).contains("0 of 1 confirmed");
        assertThat(page("/admin/runtimes/" + id + "/latest").asString()).as("the target's latest-run fragment")
                .contains(busy).contains("0 of 1 confirmed");

        api.fetchRuntimeConfig(name).then().statusCode(200);

        String live = page("/admin/restarts/" + run + "/live").asString();
        assertThat(live).as("the run's fragment after the late fetch").contains("succeeded", "confirmed 1 of 1")
                .doesNotContain("not confirmed").doesNotContain("hx-trigger");
        assertThat(page("/admin/restarts/" + run).asString()).as("its first render alike").contains("succeeded")
                .doesNotContain("hx-trigger=\"every");
        assertThat(page("/admin/restarts/" + run + "/status").asString()).contains("succeeded")
                .doesNotContain("hx-trigger");
        String latest = page("/admin/runtimes/" + id + "/latest").asString();
        assertThat(latest).as("the target's region, nothing left to change").contains("1 of 1 confirmed")
                .contains(idle).doesNotContain(busy);
        assertThat(page("/admin/runtimes/" + id).asString()).contains("1 of 1 confirmed")
                .contains("hx-get=\"/admin/runtimes/" + id + "/latest\" " + idle);
    }

    /**
     * Issue 20, point 2: a target's page shows its latest run live, first render and fragment alike: busy while the
     * run is under way ("0 of 1 confirmed" as it stands), idle once nothing can change.
     */
    @Test
    void aTargetsPageShowsItsLatestRunLive() throws Exception {
        long id = api.command("page-own-" + RuntimeRestartTest.unique(), List.of("tts"), "sleep 2", null);
        String busy = "hx-get=\"/admin/runtimes/" + id + "/latest\" hx-trigger=\"every " + TestSettings.BUSY_REFRESH
                + "\"";
        String idle = "hx-get=\"/admin/runtimes/" + id + "/latest\" hx-trigger=\"every " + TestSettings.IDLE_REFRESH
                + "\"";
        assertThat(page("/admin/runtimes/" + id).asString()).as("never restarted: idle, to see a run start")
                .contains(idle).doesNotContain("id=\"latest-run\"");

        long run = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");
        assertThat(page("/admin/runtimes/" + id).asString()).as("run " + run + " under way").contains(busy)
                .contains("Latest run: <a href=\"/admin/restarts/" + run + "\">run " + run + "</a>");
        assertThat(page("/admin/runtimes/" + id + "/latest").asString()).as("its fragment").contains(busy);

        api.awaitRun(run, Duration.ofSeconds(30));
        assertThat(page("/admin/runtimes/" + id + "/latest").asString())
                .as("ended, not asked to confirm: its runtime may still fetch within its window").contains(busy)
                .contains("restarted, confirmation not asked (none)");
        // its restart ended longer than ROLLOUT_CONFIRM_TIMEOUT_SECONDS ago without a fetch: nothing can change
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE restart_results SET"
                + " started_at = started_at - interval '1 hour', finished_at = finished_at - interval '1 hour'"
                + " WHERE run_id = ?1").setParameter(1, run).executeUpdate());
        String ended = page("/admin/runtimes/" + id + "/latest").asString();
        assertThat(ended).as("its window over: nothing can change").contains(idle)
                .contains("restarted, confirmation not asked (none)");
        assertThat(page("/admin/runtimes/" + id).asString()).contains(idle);
        given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/runtimes/999999999/latest").then()
                .statusCode(404);
    }

    /**
     * Issue 20: the runtimes list's first render polls at the rate its fragment would: the idle interval while no run
     * is under way, the busy one while one is (TestSettings' 1 s and 500 ms, so the two are told apart), and idle again
     * once it ended; never busy on first load and idle only after the first swap.
     */
    @Test
    void theListsFirstRenderAndItsFragmentPollAtTheSameRate() throws Exception {
        awaitNoOpenRun();
        String idle = "every " + TestSettings.IDLE_REFRESH;
        assertThat(targetsTrigger("/admin/runtimes")).as("first render, no run under way").isEqualTo(idle);
        assertThat(targetsTrigger("/admin/runtimes/live")).as("fragment, no run under way").isEqualTo(idle);

        long id = api.command("page-poll-" + RuntimeRestartTest.unique(), List.of("tts"), "sleep 3", null);
        long run = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");
        String busy = "every " + TestSettings.BUSY_REFRESH;
        assertThat(targetsTrigger("/admin/runtimes")).as("first render, run " + run + " under way").isEqualTo(busy);
        assertThat(targetsTrigger("/admin/runtimes/live")).as("fragment, run " + run + " under way").isEqualTo(busy);

        api.awaitRun(run, Duration.ofSeconds(30));
        awaitNoOpenRun();
        assertThat(targetsTrigger("/admin/runtimes")).as("first render, run ended").isEqualTo(idle);
        assertThat(targetsTrigger("/admin/runtimes/live")).as("fragment, run ended").isEqualTo(idle);
    }

    /** The runtimes list's {@code hx-trigger} as {@code path} (the page or its fragment) renders it. */
    private String targetsTrigger(String path) {
        Matcher trigger = Pattern.compile("<section class=\"card\" id=\"targets\" hx-get=\"/admin/runtimes/live\""
                + " hx-trigger=\"([^\"]+)\"").matcher(page(path).asString());
        assertThat(trigger.find()).as(path + " has the targets region").isTrue();
        return trigger.group(1);
    }

    /**
     * Waits until none of the newest runs (other tests' included: the database is shared) is under way, and none can
     * still change what the list shows: an ended run whose runtime may still confirm keeps the list busy for up to
     * ROLLOUT_CONFIRM_TIMEOUT_SECONDS (30 s in tests) after its restart.
     */
    private void awaitNoOpenRun() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<Object> open = List.of();
        String idle = "every " + TestSettings.IDLE_REFRESH;
        while (System.nanoTime() < deadline) {
            open = given().auth().oauth2(api.admin()).get("/api/v1/restarts").then().statusCode(200).extract()
                    .jsonPath().getList("findAll { !it.finished }.id");
            if (open.isEmpty() && idle.equals(targetsTrigger("/admin/runtimes/live"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("runs still under way (or awaiting confirmation) after 90 s: " + open);
    }

    /**
     * Breaker b9, H2: a runtime's name is its own text. One fetching with the token under a name carrying a held
     * secret has it shown masked wherever runtimes are listed; a refused request's name (anyone's text, sent with no
     * valid token) is shown to admins only (masked), a viewer reads counts.
     */
    @Test
    void aRuntimeNameIsShownMaskedAndARefusedOneToAdminsOnly() {
        String unique = RuntimeRestartTest.unique();
        String value = "planted-runtime-name-secret-" + unique + "-7c41e9";
        String admin = api.admin();
        long secret = given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("name", "names-" + unique,
                "variable", "NAMES_" + unique.toUpperCase(), "value", value)).post("/api/v1/shared-secrets").then()
                .statusCode(201).extract().jsonPath().getLong("id");
        String viewer = Browser.newSession("names-viewer", "viewer");
        try {
            api.fetchRuntimeConfig("q-" + value).then().statusCode(200);
            String list = page(viewer, "/admin/runtimes").asString();
            assertThat(list).doesNotContain(value).doesNotContain(unique).contains("q-" + SecretMask.MASK);
            String instances = given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/api/v1/runtimes/instances")
                    .then().statusCode(200).extract().asString();
            assertThat(instances).doesNotContain(value).doesNotContain(unique).contains("q-" + SecretMask.MASK);

            String text = "visit-evil-example-" + unique;
            given().auth().oauth2("not-the-runtimes-token").header("X-Keyhouse-Runtime", "p-" + text)
                    .get("/api/v1/internal/runtime-config").then().statusCode(401);
            for (String path : List.of("/admin/runtimes", "/admin/environment")) {
                assertThat(page(viewer, path).asString()).as("a viewer's " + path).contains("id=\"runtime-token\"")
                        .doesNotContain(text).containsPattern("from \\d+ runtimes?\\.");
                assertThat(page(session, path).asString()).as("an admin's " + path).contains("from runtime p-" + text);
            }
            assertThat(given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/api/v1/runtimes/instances").then()
                    .statusCode(200).extract().asString()).doesNotContain(text);
        } finally {
            given().auth().oauth2(admin).delete("/api/v1/shared-secrets/" + secret);
        }
    }

    @Test
    void aViewerSeesTargetsReadOnly() {
        long id = api.command("page-view-" + RuntimeRestartTest.unique(), List.of("llm"), "true", null);
        String email = Browser.uniqueEmail("runtimes-viewer");
        Browser.newUser(email, "viewer");
        String viewer = Browser.session(email, Browser.PASSWORD);

        String list = given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/admin/runtimes").then().statusCode(200)
                .extract().asString();
        String edit = given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/admin/runtimes/" + id).then()
                .statusCode(200).extract().asString();

        assertThat(list).doesNotContain("/restart\"").doesNotContain("Add a target");
        assertThat(edit).doesNotContain("method=\"post\" action=\"/admin/runtimes").contains("<dl class=\"setting\">");
    }

    /** Item 2 of issue 14 on the page: the edit form keeps a stored signing secret only within the URL's origin. */
    @Test
    void theFormRefusesToSendAStoredSigningSecretToANewHost() {
        String secret = "whsec-page-destination-0123456789";
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", name, "driver", "http", "dependsOn", List.of("llm"),
                "config", Map.of("url", "https://voice-1.test/reload", "secret", secret)));
        Response form = page("/admin/runtimes/" + id);
        for (String moved : List.of("https://collector.attacker.test/reload", "http://voice-1.test/reload",
                "https://voice-1.test:8443/reload", "https://voice-1.test.attacker.test/reload")) {
            Response refused = post(form, "/admin/runtimes/" + id, Map.of("name", name, "dependsOn", "llm",
                    "enabled", "true", "config.url", moved, "config.secret", ""));
            refused.then().statusCode(400);
            assertThat(refused.asString()).as(moved).contains("enter the signing secret again")
                    .contains("another origin (scheme, host or port)").doesNotContain(secret);
        }
        Response userinfo = post(form, "/admin/runtimes/" + id, Map.of("name", name, "dependsOn", "llm",
                "enabled", "true", "config.url", "https://voice-1.test@attacker.test/reload", "config.secret", ""));
        userinfo.then().statusCode(400);
        assertThat(userinfo.asString()).contains("must not contain a user name or password");
        for (String samePlace : List.of("https://VOICE-1.test:443/v2/reload", "https://voice-1.test/v3")) {
            // each save moves the target's version: the next one reads the form again
            post(page("/admin/runtimes/" + id), "/admin/runtimes/" + id, Map.of("name", name, "dependsOn", "llm", "enabled", "true",
                    "config.url", samePlace, "config.secret", "")).then().statusCode(303);
        }
        io.restassured.path.json.JsonPath stored = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id)
                .jsonPath();
        assertThat(stored.getString("config.url")).isEqualTo("https://voice-1.test/v3");
        assertThat(stored.getString("config.secret.fingerprint")).isEqualTo(fingerprints.of(secret));
        post(page("/admin/runtimes/" + id), "/admin/runtimes/" + id, Map.of("name", name, "dependsOn", "llm",
                "enabled", "true", "config.url", "https://voice-2.test/reload", "config.secret", secret))
                .then().statusCode(303);
    }

    /**
     * Issue 16 on the pages: the form sets canary, confirmation and held (a bad confirmation is a 400 naming it, the
     * form kept); the target's page says which confirmation applies and why, flags a weak one, names the shared
     * config, and holds and releases with buttons that work without JavaScript; the list shows held and weak.
     */
    @Test
    void theTargetsPageSetsRolloutSettingsAndHoldsAndReleases() {
        String name = "page-" + RuntimeRestartTest.unique();
        String file = dir() + "/voice.env";
        long id = api.create(Map.of("name", name, "driver", "command", "dependsOn", List.of("tts"),
                "config", Map.of("command", "true")));
        Response form = page("/admin/runtimes/" + id);
        assertThat(form.asString()).contains("name=\"canary\"").contains("name=\"held\"")
                .contains("<option value=\"auto\" selected>auto</option>").contains("<option value=\"health\">")
                .contains("Confirmation: <strong>none</strong> — no runtime reports, fetches by name or has a"
                        + " healthcheck: a restart that succeeds counts")
                .contains("(weak: does not prove the new key works)").doesNotContain("Rolled out as one wave")
                .contains("action=\"/admin/runtimes/" + id + "/hold\"").doesNotContain("held — left out of rollouts");

        Response refused = post(form, "/admin/runtimes/" + id, Map.of("name", name, "dependsOn", "tts",
                "enabled", "true", "canary", "true", "confirmation", "always", "config.command", "true"));
        refused.then().statusCode(400);
        assertThat(refused.asString()).contains("Confirmation: must be one of auto, report, fetch, health, none")
                .contains("name=\"canary\" value=\"true\" checked");

        post(form, "/admin/runtimes/" + id, Map.of("name", name, "dependsOn", "tts", "enabled", "true",
                "canary", "true", "confirmation", "report", "config.command", "true",
                "config.environmentFile", file)).then().statusCode(303);
        JsonPath stored = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath();
        assertThat(List.of(stored.getBoolean("canary"), stored.getString("confirmation"), stored.getBoolean("held")))
                .containsExactly(true, "report", false);
        String edit = page("/admin/runtimes/" + id).asString();
        assertThat(edit).contains("Confirmation: <strong>report</strong> — set on the target")
                .doesNotContain("(weak").contains("<option value=\"report\" selected>report</option>")
                .contains("Rolled out as one wave: one environment file (" + file + ") is written for the whole target.");

        Response held = post(page("/admin/runtimes/" + id), "/admin/runtimes/" + id + "/hold", Map.of());
        held.then().statusCode(303);
        assertThat(held.header("Location")).isEqualTo("/admin/runtimes/" + id);
        String heldPage = Browser.followFlash(session, held).asString();
        assertThat(heldPage).contains("Runtime target on hold: rollouts leave it out until it is released.")
                .contains("held — left out of rollouts").contains("action=\"/admin/runtimes/" + id + "/release\"")
                .doesNotContain("/hold\"");
        assertThat(row(name)).contains("held — left out of rollouts").contains("canary").contains(">report<")
                .doesNotContain("weak");

        Response released = post(page("/admin/runtimes/" + id), "/admin/runtimes/" + id + "/release", Map.of());
        released.then().statusCode(303);
        assertThat(released.header("Location")).isEqualTo("/admin/runtimes/" + id);
        assertThat(released.getCookie(dev.keyhouse.web.Flash.COOKIE)).isEqualTo("released");
        assertThat(page("/admin/runtimes/" + id).asString()).doesNotContain("held — left out of rollouts");
        assertThat(row(name)).doesNotContain("held");
        post(page("/admin/runtimes/" + id), "/admin/runtimes/" + id, Map.of("name", name, "dependsOn", "tts",
                "enabled", "true", "confirmation", "auto", "config.command", "true")).then().statusCode(303);
        assertThat(row(name)).contains(">none <strong class=\"weak\">weak</strong>");
        JsonPath audit = given().auth().oauth2(api.admin()).get("/api/v1/audit?kind=runtimes").jsonPath();
        assertThat(audit.getList("items.findAll { it.target == '" + name + "' }.action")).containsSubsequence(
                "runtime.update", "runtime.release", "runtime.hold", "runtime.update");
    }

    /**
     * Issue 20, item 5, without JavaScript: the list offers delete and restart now as GET forms to a confirmation
     * step; that step is a POST form with the session's CSRF token and {@code confirmed=yes}; the action's POST
     * without it answers the same step and changes nothing; with it, the action is done.
     */
    @Test
    void deleteAndRestartNowAskFirstWithoutJavaScript() {
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        String list = row(name);
        assertThat(list).contains("<form class=\"inline\" method=\"get\" action=\"/admin/runtimes/" + id + "/delete\">")
                .contains("<form class=\"inline\" method=\"get\" action=\"/admin/runtimes/" + id + "/restart\">")
                .doesNotContain("method=\"post\" action=\"/admin/runtimes/" + id + "/delete\"")
                .doesNotContain("method=\"post\" action=\"/admin/runtimes/" + id + "/restart\"");

        for (String action : List.of("delete", "restart")) {
            Response step = page("/admin/runtimes/" + id + "/" + action);
            ConfirmSteps.assertStep(step.asString(), "/admin/runtimes/" + id + "/" + action);
            Response asked = post(step, "/admin/runtimes/" + id + "/" + action, Map.of());
            asked.then().statusCode(200);
            ConfirmSteps.assertStep(asked.asString(), "/admin/runtimes/" + id + "/" + action);
        }
        assertThat(step("/admin/runtimes/" + id + "/delete")).contains("Delete runtime target " + name + "?");
        assertThat(step("/admin/runtimes/" + id + "/restart")).contains("Restart " + name + " now?");
        assertThat(given().auth().oauth2(api.admin()).queryParam("target", name).get("/api/v1/restarts").jsonPath()
                .getList("id")).as("asking restarted nothing").isEmpty();
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(200);

        Response restarted = post(page("/admin/runtimes/" + id + "/restart"), "/admin/runtimes/" + id + "/restart",
                Map.of("confirmed", "yes"));
        restarted.then().statusCode(303);
        assertThat(restarted.header("Location")).matches("/admin/restarts/\\d+");
        Response deleted = post(page("/admin/runtimes/" + id + "/delete"), "/admin/runtimes/" + id + "/delete",
                Map.of("confirmed", "yes"));
        deleted.then().statusCode(303);
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(404);
    }

    /**
     * Pagewords, point 5: the steps before deleting, disabling (from the list or by saving the form unticked) and
     * holding a target that is in a rollout under way say so; hold, which acts at once otherwise, asks first then.
     * Restart now's step says what it does with that rollout (nothing: the rollout keeps its row and its pin).
     */
    @Test
    void stepsForATargetInARunningRolloutSaySo() {
        String name = "page-roll-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        String other = "page-free-" + RuntimeRestartTest.unique();
        long free = api.command(other, List.of("tts"), "true", null);
        RolloutFixtures fixtures = new RolloutFixtures(db);
        try {
            long run = fixtures.run("tts", "running", true, 0, 0, null, 4L, null);
            fixtures.result(run, id, name, null, "waiting", null, null, null, null, null, null);
            fixtures.underWay(run, id, name, null, null);
            String note = "Target " + name + " is in rollout " + run + " (running): ";
            assertThat(step("/admin/runtimes/" + id + "/delete"))
                    .contains(note + "deleting it leaves it out of the rest of that rollout.");
            assertThat(step("/admin/runtimes/" + free + "/delete")).doesNotContain("is in rollout");
            // smalls, point 6: restart now is a run of its own; the rollout keeps its row, its pin serves the rest
            assertThat(step("/admin/runtimes/" + id + "/restart")).contains(note + "restarting it now does not change"
                    + " that rollout (it keeps its own restart or hold of the target): its runtimes restart once more"
                    + " outside it and fetch what it serves them, the configuration they ran before while their wave"
                    + " has not come or the target is held.");
            assertThat(step("/admin/runtimes/" + free + "/restart")).contains("Restart " + other + " now?")
                    .doesNotContain("is in rollout");
            Response list = page("/admin/runtimes");
            assertThat(post(list, "/admin/runtimes/" + id + "/enabled", Map.of("enabled", "false")).asString())
                    .contains(note + "disabling it leaves it out of the rest of that rollout.");
            Response form = page("/admin/runtimes/" + id);
            String version = form.htmlPath().getString("**.find { it.@name == 'version' }.@value");
            assertThat(post(form, "/admin/runtimes/" + id, Map.of("version", version, "name", name,
                    "dependsOn", "tts", "config.command", "true", "confirmation", "auto")).asString())
                    .contains("Save runtime target " + name + " disabled?")
                    .contains(note + "disabling it leaves it out of the rest of that rollout.");

            Response asked = post(page("/admin/runtimes/" + id), "/admin/runtimes/" + id + "/hold", Map.of());
            asked.then().statusCode(200);
            ConfirmSteps.assertStep(asked.asString(), "/admin/runtimes/" + id + "/hold");
            assertThat(asked.asString()).contains("Hold runtime target " + name + "?")
                    .contains(note + "holding it leaves it out of the rest of that rollout.");
            assertThat(held(id)).as("asking holds nothing").isFalse();
            post(page("/admin/runtimes/" + id), "/admin/runtimes/" + id + "/hold", Map.of("confirmed", "yes"))
                    .then().statusCode(303);
            assertThat(held(id)).isTrue();
            // a target in no rollout is held at once, as before
            post(page("/admin/runtimes/" + free), "/admin/runtimes/" + free + "/hold", Map.of()).then()
                    .statusCode(303);
            assertThat(held(free)).isTrue();
        } finally {
            fixtures.deleteAll();
        }
    }

    /**
     * Issue 20: the list's Disable asks first (the POST with {@code enabled=false} and no {@code confirmed=yes}
     * answers the step, the target stays enabled); Enable acts at once; {@code enabled} is read strictly: a value
     * other than true or false, or none, is a 400 naming it, and changes nothing.
     */
    @Test
    void disableAsksFirstAndEnabledIsReadStrictly() {
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        String action = "/admin/runtimes/" + id + "/enabled";
        assertThat(row(name)).contains("<form class=\"inline\" method=\"post\" action=\"" + action + "\">")
                .contains(">Disable…</button>");

        Response list = page("/admin/runtimes");
        Response asked = post(list, action, Map.of("enabled", "false"));
        asked.then().statusCode(200);
        ConfirmSteps.assertStep(asked.asString(), action);
        assertThat(asked.asString()).contains("Disable runtime target " + name + "?")
                .contains("<input type=\"hidden\" name=\"enabled\" value=\"false\">");
        assertThat(enabled(id)).as("asking changes nothing").isTrue();

        for (String bad : List.of("maybe", "", "TRUE", "0")) {
            Response refused = post(list, action, Map.of("enabled", bad, "confirmed", "yes"));
            refused.then().statusCode(400);
            assertThat(refused.asString()).as(bad).contains("enabled: must be true or false");
        }
        post(list, action, Map.of("confirmed", "yes")).then().statusCode(400);
        post(list, action, Map.of("enabled", "false", "confirmed", "maybe")).then().statusCode(400);
        assertThat(enabled(id)).as("nothing refused changed it").isTrue();

        post(list, action, Map.of("enabled", "false", "confirmed", "yes")).then().statusCode(303);
        assertThat(enabled(id)).isFalse();
        // h20i point 3: a list read before the target was disabled offers no "Keep it enabled" step: 409 saying so
        for (Map<String, String> again : List.of(Map.of("enabled", "false"),
                Map.of("enabled", "false", "confirmed", "yes"))) {
            Response already = post(list, action, again);
            already.then().statusCode(409);
            assertThat(already.asString()).contains("Runtime target " + name + " is already disabled: nothing was"
                    + " changed.").doesNotContain("Keep it enabled").doesNotContain("name=\"confirmed\"");
        }
        assertThat(audits(name, "runtime.disable")).as("disabled once, the refusals not recorded").isEqualTo(1);
        post(list, action, Map.of("enabled", "true")).then().statusCode(303);
        assertThat(enabled(id)).as("enabling asks nothing").isTrue();
        Response enabledAgain = post(list, action, Map.of("enabled", "true"));
        enabledAgain.then().statusCode(409);
        assertThat(enabledAgain.asString()).contains("Runtime target " + name + " is already enabled: nothing was"
                + " changed.");
        assertThat(audits(name, "runtime.enable")).as("enabling an enabled target changes nothing").isEqualTo(1);
    }

    private int audits(String target, String action) {
        return dev.keyhouse.auth.Rows.column(db, "SELECT id FROM audit_events WHERE action = ? AND target = ?", action,
                target).size();
    }

    /**
     * Issue 20: unticking "Enabled" on an enabled target's edit form asks first, as the list's Disable does: the
     * save answers the step with the form's fields carried as hidden fields except the signing secret typed in it
     * (the step says it is not carried and the stored one is kept), and changes nothing; its confirmation saves
     * the target disabled with the other fields as submitted and the stored secret.
     */
    @Test
    void savingAnEnabledTargetUntickedAsksFirstAndCarriesNoSecret() {
        String secret = "whsec-page-disable-stored-0123456789";
        String typed = "whsec-page-disable-typed-9876543210";
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", name, "driver", "http", "dependsOn", List.of("llm"),
                "config", Map.of("url", "https://voice-1.test/reload", "secret", secret)));
        String action = "/admin/runtimes/" + id;
        Response bad = post(page(action), action, Map.of("name", "not a name", "dependsOn", "llm",
                "config.url", "https://voice-1.test/v2", "config.secret", typed));
        assertThat(bad.statusCode()).as("a form that would not be saved gets its errors, not the step").isEqualTo(400);
        assertThat(bad.asString()).contains("Name").doesNotContain("Save runtime target " + name + " disabled?");
        assertThat(enabled(id)).isTrue();
        Response step = post(page(action), action, Map.of("name", name, "dependsOn", "llm",
                "config.url", "https://voice-1.test/v2", "config.secret", typed));
        step.then().statusCode(200);
        String html = step.asString();
        ConfirmSteps.assertStep(html, action);
        assertThat(html).contains("Save runtime target " + name + " disabled?",
                "<input type=\"hidden\" name=\"name\" value=\"" + name + "\">",
                "<input type=\"hidden\" name=\"dependsOn\" value=\"llm\">",
                "<input type=\"hidden\" name=\"config.url\" value=\"https://voice-1.test/v2\">",
                "The secret you typed (secret) is not carried through this step")
                .doesNotContain(typed, secret, "name=\"config.secret\"");
        assertThat(enabled(id)).as("asking changes nothing").isTrue();

        Map<String, String> hidden = new java.util.LinkedHashMap<>();
        Matcher field = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")
                .matcher(html);
        while (field.find()) {
            if (!field.group(1).equals("csrf-token")) {
                hidden.put(field.group(1), field.group(2));
            }
        }
        assertThat(hidden).containsEntry("confirmed", "yes");
        post(step, action, hidden).then().statusCode(303);
        io.restassured.path.json.JsonPath stored = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id)
                .jsonPath();
        assertThat(stored.getBoolean("enabled")).isFalse();
        assertThat(stored.getString("config.url")).isEqualTo("https://voice-1.test/v2");
        assertThat(stored.getString("config.secret.fingerprint")).as("the stored secret is kept")
                .isEqualTo(fingerprints.of(secret));

        post(page(action), action, Map.of("name", name, "dependsOn", "llm", "config.url",
                "https://voice-1.test/v2", "config.secret", "")).then().statusCode(303);
        assertThat(enabled(id)).as("a disabled target saved unticked asks nothing").isFalse();
    }

    /**
     * Issue 20: the edit form carries the target's version (its updated_at); a form read before another write
     * (here a REST PUT, unchanged: no If-Match) answers 409 saying so, with the current values and version, and
     * writes nothing; the form it answers saves. A form without its version is a 400 naming it.
     */
    @Test
    void aStaleEditFormKeepsWhatWasTypedAndShowsWhatIsStoredNow() {
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        String action = "/admin/runtimes/" + id;
        Response old = page(action);
        assertThat(old.asString()).containsPattern("name=\"version\" value=\"\\d{16}\"");
        given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body(Map.of("dependsOn", List.of("llm")))
                .put("/api/v1/runtimes/" + id).then().statusCode(200);

        Response stale = post(old, action, Map.of("name", name + "-stale", "dependsOn", "stt", "enabled", "true",
                "config.command", "true"));
        stale.then().statusCode(409);
        // issue 20 point 7: what was typed is kept, beside the box of what is stored now where it differs, and who
        // saved when; the form carries the current version with that box
        assertThat(stale.asString()).contains("Runtime target " + name + " changed while you were editing: saved by",
                "Nothing was saved", "value=\"" + name + "-stale\"", "name=\"dependsOn\" value=\"stt\" checked")
                .doesNotContain("name=\"dependsOn\" value=\"llm\" checked");
        // a form without its loaded values (posted by a script, as here) is compared with what it holds
        assertThat(dev.keyhouse.StaleBoxes.box(stale.asString())).contains(dev.keyhouse.StaleBoxes.line("Name", name),
                dev.keyhouse.StaleBoxes.line("Restart when these keys change", "Language model"),
                "Stored now, where it differs from your form:");
        io.restassured.path.json.JsonPath stored = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id)
                .jsonPath();
        assertThat(stored.getString("name")).isEqualTo(name);
        assertThat(stored.getList("dependsOn")).containsExactly("llm");

        given().redirects().follow(false).contentType(ContentType.URLENC).cookie(SessionTokens.SESSION_COOKIE, session)
                .cookies(old.getCookies()).formParam("csrf-token", Browser.tokenIn(old.asString()))
                .formParam("name", name).formParam("dependsOn", "stt").formParam("config.command", "true")
                .post(action).then().statusCode(400);
        // a version ahead of the current one (no page showed it) is no stale page: 400 naming it (breaker 3, point 5)
        Matcher current = Pattern.compile("name=\"version\" value=\"(\\d+)\"").matcher(stale.asString());
        assertThat(current.find()).isTrue();
        long ahead = Long.parseLong(current.group(1)) + 1_000_000;
        Response refused = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookies(old.getCookies())
                .formParam("csrf-token", Browser.tokenIn(old.asString())).formParam("version", ahead)
                .formParam("name", name).formParam("dependsOn", "stt").formParam("config.command", "true").post(action);
        refused.then().statusCode(400);
        // named by the time of the target's last save, never its raw microsecond version (breaker b20)
        String lastSave = dev.keyhouse.web.TemplateExtensions.utc(java.time.Instant.EPOCH.plus(
                Long.parseLong(current.group(1)), java.time.temporal.ChronoUnit.MICROS));
        assertThat(refused.asString()).contains("version is ahead of the last save (" + lastSave + "): no page showed"
                + " it; reload the page").doesNotContain(String.valueOf(ahead) + " ")
                .doesNotContain("does not exist (current is").doesNotContain("changed while you were editing");
        post(stale, action, Map.of("name", name, "dependsOn", "stt", "enabled", "true", "config.command", "true"))
                .then().statusCode(303);
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getList("dependsOn"))
                .containsExactly("stt");

        // issue 19 point 6: the same form again changes nothing: said so, no new version, no audit entry
        String audits = given().auth().oauth2(api.admin()).get("/api/v1/audit?kind=runtimes").jsonPath()
                .getString("items.findAll { it.target == '" + name + "' }.size()");
        String updatedAt = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath()
                .getString("updatedAt");
        Response same = post(page(action), action, Map.of("name", name, "dependsOn", "stt", "enabled", "true",
                "config.command", "true"));
        assertThat(same.getCookie(dev.keyhouse.web.Flash.COOKIE)).isEqualTo("unchanged");
        assertThat(Browser.followFlash(session, same).asString())
                .contains("Nothing changed: the runtime target stays as it was.");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getString("updatedAt"))
                .as("the same version").isEqualTo(updatedAt);
        JsonPath put = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", name, "dependsOn", List.of("stt"))).put("/api/v1/runtimes/" + id).then()
                .statusCode(200).extract().jsonPath();
        assertThat(put.getBoolean("unchanged")).isTrue();
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/audit?kind=runtimes").jsonPath()
                .getString("items.findAll { it.target == '" + name + "' }.size()")).as("nothing audited")
                .isEqualTo(audits);
        assertThat(given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("dependsOn", List.of("tts"))).put("/api/v1/runtimes/" + id).then().statusCode(200)
                .extract().jsonPath().getBoolean("unchanged")).isFalse();
    }


    /**
     * Issue 20 point 7 (breaker h20q, finding 1): two admins edit one target. A loads it (confirmation auto), renames
     * it, sets confirmation fetch, ticks canary and types a new secret; meanwhile B, from the same page, changes the
     * URL, ticks canary too and types another secret. A's save answers 409 whose box lists exactly B's changes (the
     * URL, canary: both changed it, and the secret by its fingerprint), never A's own edits (name, confirmation),
     * under "Changed since your form was loaded"; the page's title and heading name the stored target, the typed
     * name stays in its input only (finding 2); the form now carries B's values as its loaded ones.
     */
    @Test
    void aStaleSaveListsTheOtherAdminsChangesNotTheOwnEditsAndNamesTheStoredTarget() {
        String name = "page-" + RuntimeRestartTest.unique();
        String theirs = "whsec-page-stale-theirs-0123456789";
        long id = api.create(Map.of("name", name, "driver", "http", "dependsOn", List.of("llm"),
                "config", Map.of("url", "https://voice-1.test/reload", "secret", "whsec-page-stale-first-0123456789")));
        String action = "/admin/runtimes/" + id;
        String other = Browser.newSession("stale-b", "admin");
        Response mine = page(action);
        Response hers = page(other, action);
        assertThat(dev.keyhouse.StaleBoxes.loaded(mine.asString())).containsEntry("loaded.name", name)
                .containsEntry("loaded.confirmation", "auto").containsEntry("loaded.config.url",
                        "https://voice-1.test/reload").doesNotContainValue("whsec-page-stale-first-0123456789");

        post(other, hers, action, dev.keyhouse.StaleBoxes.asPosted(hers.asString(), Map.of("name", name,
                "dependsOn", "llm", "enabled", "true", "canary", "true", "confirmation", "auto",
                "config.url", "https://voice-2.test/reload", "config.secret", theirs))).then().statusCode(303);
        Response stale = post(mine, action, dev.keyhouse.StaleBoxes.asPosted(mine.asString(), Map.of("name",
                name + "-typed", "dependsOn", "llm", "enabled", "true", "canary", "true", "confirmation", "fetch",
                "config.url", "https://voice-1.test/reload", "config.secret", "whsec-page-stale-mine-0123456789")));

        stale.then().statusCode(409);
        String box = dev.keyhouse.StaleBoxes.box(stale.asString());
        assertThat(box).contains("Changed since your form was loaded:",
                dev.keyhouse.StaleBoxes.line("Reload URL", "https://voice-2.test/reload"),
                dev.keyhouse.StaleBoxes.line("Canary", "yes"),
                dev.keyhouse.StaleBoxes.line("Signing secret", "fingerprint " + fingerprints.of(theirs)))
                .as("the admin's own edits are not the other admin's changes")
                .doesNotContain("<strong>Name</strong>", "<strong>Confirmation</strong>", "auto", theirs);
        assertThat(stale.asString()).as("the stored target is named; the typed name stays in its input")
                .contains("<title>" + name + " · Runtimes · Keyhouse</title>", "<h1>" + name + " <span",
                        "value=\"" + name + "-typed\"")
                .doesNotContain("<title>" + name + "-typed", "<h1>" + name + "-typed");
        assertThat(dev.keyhouse.StaleBoxes.loaded(stale.asString())).as("the form now edits what is stored")
                .containsEntry("loaded.config.url", "https://voice-2.test/reload")
                .containsEntry("loaded.config.secret", fingerprints.of(theirs)).containsEntry("loaded.canary", "yes");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getString("name"))
                .isEqualTo(name);

        // the loaded values only describe: forged ones neither refuse nor change a save of the current version
        Map<String, String> forged = new java.util.HashMap<>(Map.of("name", name + "-typed", "dependsOn", "llm",
                "enabled", "true", "confirmation", "fetch", "config.url", "https://voice-2.test/v2"));
        dev.keyhouse.StaleBoxes.loaded(stale.asString()).keySet().forEach(field -> forged.put(field, "<forged>"));
        Response done = post(stale, action, forged);
        assertThat(done.statusCode()).as(done.asString()).isEqualTo(303);
        JsonPath saved = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath();
        assertThat(saved.getString("name")).isEqualTo(name + "-typed");
        assertThat(saved.getString("config.url")).isEqualTo("https://voice-2.test/v2");
        assertThat(saved.getString("config.secret.fingerprint")).isEqualTo(fingerprints.of(theirs));
    }

    /**
     * Stale saves (breaker finding 1 and 2): bob holds and disables the target while alice edits only its command.
     * Her 409 form shows the fields she left alone as bob stored them (enabled unticked, held ticked), never as her
     * form was loaded (saving that would undo bob's change), keeps what she typed, and names every field error with
     * the box; saving it as offered keeps bob's hold and disable.
     */
    @Test
    void aStaleFormShowsTheOtherAdminsValuesInTheFieldsLeftAloneAndEveryFieldError() {
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("llm"), "sleep 12", null);
        String action = "/admin/runtimes/" + id;
        String other = Browser.newSession("stale-held", "admin");
        Response mine = page(action);
        Response hers = page(other, action);
        post(other, hers, action, dev.keyhouse.StaleBoxes.asPosted(hers.asString(), Map.of("name", name,
                "dependsOn", "llm", "held", "true", "confirmation", "auto", "config.command", "sleep 12",
                "confirmed", "yes"))).then().statusCode(303);

        Response stale = post(mine, action, dev.keyhouse.StaleBoxes.asPosted(mine.asString(), Map.of("name",
                "bad name!", "dependsOn", "llm", "enabled", "true", "confirmation", "auto", "config.command",
                "sleep 13")));

        stale.then().statusCode(409);
        assertThat(dev.keyhouse.StaleBoxes.box(stale.asString())).contains(
                dev.keyhouse.StaleBoxes.line("Enabled", "no"), dev.keyhouse.StaleBoxes.line("Held", "yes"));
        String html = stale.asString();
        assertThat(html).as("the fields alice left alone are as bob stored them; hers as she typed them")
                .contains("name=\"enabled\" value=\"true\"> Enabled", "name=\"held\" value=\"true\" checked>",
                        "value=\"sleep 13\"", "value=\"bad name!\"")
                .as("every field error comes with the box").contains("must be 1 to 100 letters");

        Response done = post(stale, action, dev.keyhouse.StaleBoxes.asPosted(html, Map.of("name", name + "-b",
                "dependsOn", "llm", "held", "true", "confirmation", "auto", "config.command", "sleep 13")));
        assertThat(done.statusCode()).as(done.asString()).isEqualTo(303);
        JsonPath saved = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath();
        assertThat(saved.getBoolean("enabled")).isFalse();
        assertThat(saved.getBoolean("held")).isTrue();
        assertThat(saved.getString("config.command")).isEqualTo("sleep 13");
    }

    /**
     * Issue 20 (breaker 20h, finding A): the other admin changed a field and changed it back: the stale save's box
     * lists nothing and says every field is stored as the form was loaded, never "replace what is listed here".
     */
    @Test
    void aStaleSaveOfAChangeUndoneMeanwhileSaysNothingDiffers() {
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("llm"), "sleep 12", null);
        String action = "/admin/runtimes/" + id;
        String other = Browser.newSession("stale-undo", "admin");
        Response mine = page(action);
        Map<String, String> theirs = new java.util.HashMap<>(Map.of("name", name, "dependsOn", "llm", "enabled",
                "true", "confirmation", "auto", "config.command", "changed"));
        Response hers = page(other, action);
        post(other, hers, action, dev.keyhouse.StaleBoxes.asPosted(hers.asString(), theirs)).then().statusCode(303);
        theirs.put("config.command", "sleep 12");
        hers = page(other, action);
        post(other, hers, action, dev.keyhouse.StaleBoxes.asPosted(hers.asString(), theirs)).then().statusCode(303);

        Response stale = post(mine, action, dev.keyhouse.StaleBoxes.asPosted(mine.asString(), Map.of("name",
                name + "-typed", "dependsOn", "llm", "enabled", "true", "confirmation", "auto", "config.command",
                "sleep 12")));
        stale.then().statusCode(409);
        String box = dev.keyhouse.StaleBoxes.box(stale.asString());
        assertThat(box).contains("every field it shows is stored as your form was loaded (changed and changed back"
                + " meanwhile), so save it again to apply your values.").doesNotContain("replace what is listed",
                        "stale-changed");
        assertThat(stale.asString()).contains("value=\"" + name + "-typed\"");
    }

    /**
     * Issue 20: a target form with every field bad is answered once with every error (the form's own reading:
     * checkboxes, dependsOn; the target's rules: name, confirmation; the driver's: URL, secret, timeout), the typed
     * values kept; nothing is created.
     */
    @Test
    void everyErrorOfATargetFormComesInOneAnswer() {
        String name = "bad name " + RuntimeRestartTest.unique() + "!";
        Response refused = post(page("/admin/runtimes?driver=http"), "/admin/runtimes", Map.of("name", name,
                "driver", "http", "dependsOn", "nope", "enabled", "yes", "canary", "2", "confirmation", "sometimes",
                "config.url", "ftp://x", "config.secret", "short", "config.timeoutSeconds", "-5"));
        refused.then().statusCode(400);
        String html = refused.asString();
        assertThat(html).contains("Name: must be 1 to 100 letters", "Depends on: may contain only",
                "Enabled: must be true when ticked, or left out", "Canary: must be true when ticked, or left out",
                "must be one of " + String.join(", ", Confirmations.MODES), "must be at least",
                "must be a whole number from 1 to", "value=\"ftp://x\"", "value=\"-5\"");
        assertThat(html).as("the URL's error, with the timeout's").containsPattern(
                "(?s)name=\"config\\.url\".*?field-error.*?name=\"config\\.timeoutSeconds\"");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes").jsonPath().getList("name"))
                .doesNotContain(name);
    }

    /**
     * Issue 20: a single-valued field given twice ({@code confirmed=yes&confirmed=no}, or {@code yes} twice) is a 400
     * naming it, and the delete step's POST deletes nothing.
     */
    @Test
    void aRepeatedConfirmedFieldIsRefusedAndDeletesNothing() {
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        String action = "/admin/runtimes/" + id + "/delete";
        Response step = page(action);
        for (List<String> values : List.of(List.of("yes", "no"), List.of("no", "yes"), List.of("yes", "yes"))) {
            Response refused = given().redirects().follow(false).contentType(ContentType.URLENC)
                    .cookie(SessionTokens.SESSION_COOKIE, session).cookies(step.getCookies())
                    .formParam("csrf-token", Browser.tokenIn(step.asString()))
                    .formParam("confirmed", values.toArray()).post(action);
            assertThat(refused.statusCode()).as(values.toString()).isEqualTo(400);
            assertThat(refused.asString()).as(values.toString())
                    .contains("confirmed: is given more than once; the form sends it once");
        }
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(200);
        // issue 19's breaker: any single-valued field, not only the yes/no ones (provider=custom&provider=sarvam was
        // saved as custom); the checkbox group dependsOn may repeat
        Response form = page("/admin/runtimes");
        Response twice = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookies(form.getCookies())
                .formParam("csrf-token", Browser.tokenIn(form.asString())).formParam("name", name + "-a", name + "-b")
                .formParam("driver", "command").formParam("dependsOn", "tts", "llm")
                .formParam("config.command", "true").post("/admin/runtimes");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.asString()).contains("name: is given more than once; the form sends it once");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes").jsonPath().getList("name"))
                .as("nothing saved").doesNotContain(name + "-a", name + "-b");
        post(step, action, Map.of("confirmed", "yes")).then().statusCode(303);
    }

    /** The target form's checkboxes are read strictly too: a value a box never sends is a 400 naming it. */
    @Test
    void theTargetFormsCheckboxesAreReadStrictly() {
        String name = "page-" + RuntimeRestartTest.unique();
        // labelled as every other error is (issue 20, breaker point 3)
        for (Map.Entry<String, String> box : Map.of("enabled", "Enabled", "canary", "Canary", "held", "Held")
                .entrySet()) {
            Response refused = post(page("/admin/runtimes"), "/admin/runtimes", Map.of("name", name, "driver",
                    "command", "dependsOn", "tts", "config.command", "true", box.getKey(), "maybe"));
            refused.then().statusCode(400);
            assertThat(refused.asString()).as(box.getKey())
                    .contains("<p class=\"field-error\">" + box.getValue() + ": must be true when ticked, or left out");
        }
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes").jsonPath().getList("name"))
                .doesNotContain(name);
    }

    private boolean held(long id) {
        return given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getBoolean("held");
    }

    private boolean enabled(long id) {
        return given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getBoolean("enabled");
    }

    private String step(String path) {
        return page(path).asString();
    }

    /** The list's row of a target. */
    private String row(String name) {
        String list = page("/admin/runtimes/live").asString();
        Matcher row = Pattern.compile("<tr id=\"target-\\d+\">\\s*<td[^>]*><a [^>]*>" + Pattern.quote(name)
                + "</a>.*?</tr>", Pattern.DOTALL).matcher(list);
        assertThat(row.find()).as("the list has a row for " + name).isTrue();
        return row.group();
    }

    private static String dir() {
        try {
            return java.nio.file.Files.createTempDirectory("keyhouse-page-rollout").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Issue 20, point 7, with a secret: a stale save of a webhook target keeps the typed signing secret in this no-store
     * answer only, and the box shows the stored one by fingerprint (another admin's, never its value) and the reload
     * URL they saved; a second Save of that form overwrites both deliberately.
     */
    @Test
    void aStaleEditFormKeepsATypedSecretAndShowsTheStoredOneByFingerprint() {
        String name = "page-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", name, "driver", "http", "dependsOn", List.of("tts"),
                "config", Map.of("url", "http://127.0.0.1:9/first", "secret", "first-signing-secret-0123456789")));
        String action = "/admin/runtimes/" + id;
        Response old = page(action);
        String theirs = "their-signing-secret-" + RuntimeRestartTest.unique();
        String fingerprint = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("config", Map.of("url", "http://127.0.0.1:9/theirs", "secret", theirs)))
                .put("/api/v1/runtimes/" + id).then().statusCode(200).extract().jsonPath()
                .getString("config.secret.fingerprint");
        assertThat(fingerprint).isNotBlank();

        String mine = "my-signing-secret-" + RuntimeRestartTest.unique();
        Map<String, String> typed = Map.of("name", name, "dependsOn", "tts", "enabled", "true",
                "config.url", "http://127.0.0.1:9/first", "config.secret", mine);
        Response stale = post(old, action, typed);
        stale.then().statusCode(409);
        assertThat(stale.header("Cache-Control")).isEqualTo("no-store");
        assertThat(dev.keyhouse.StaleBoxes.box(stale.asString()))
                .contains(dev.keyhouse.StaleBoxes.line("Reload URL", "http://127.0.0.1:9/theirs"))
                .contains(dev.keyhouse.StaleBoxes.line("Signing secret", "fingerprint " + fingerprint))
                .doesNotContain("<strong>Name</strong>");
        assertThat(stale.asString()).contains("value=\"http://127.0.0.1:9/first\"", "value=\"" + mine + "\"")
                .as("their secret is never shown").doesNotContain(theirs);
        assertThat(page(action).asString()).as("the typed secret only in that answer").doesNotContain(mine);

        post(stale, action, typed).then().statusCode(303);
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath()
                .getString("config.url")).isEqualTo("http://127.0.0.1:9/first");
    }

    private Response page(String path) {
        return page(session, path);
    }

    private static Response page(String session, String path) {
        Response response = given().cookie(SessionTokens.SESSION_COOKIE, session).get(path);
        response.then().statusCode(200);
        return response;
    }

    private Response post(Response form, String action, Map<String, String> fields) {
        return post(session, form, action, fields);
    }

    private static Response post(String session, Response form, String action, Map<String, String> fields) {
        String html = form.asString();
        RequestSpecification request = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookies(form.getCookies())
                .formParam("csrf-token", Browser.tokenIn(html));
        Matcher version = Pattern.compile("name=\"version\" value=\"(\\d+)\"").matcher(html);
        if (!fields.containsKey("version") && version.find()) { // as a browser sends a form: each field once
            request.formParam("version", version.group(1));
        }
        fields.forEach(request::formParam);
        return request.post(action);
    }
}
