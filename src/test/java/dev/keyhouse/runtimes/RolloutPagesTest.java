package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.ConfirmSteps;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.RolloutNews;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Issue 16, rollouts made visible and controllable: the run page (outcome, reason, waves, each runtime's status and
 * confirmation; controls only where the state allows and only for admins; the live fragment carries all of it), the
 * controls' refusals over REST and on the page, the save answer's plan, the alert banner and the Runtimes list's
 * rollout column. Runs are written as rows ({@link RolloutFixtures}) in states the engine leaves alone.
 */
@QuarkusTest
class RolloutPagesTest {

    @Inject
    DataSource db;
    @Inject
    RolloutNews news;
    @Inject
    RestartRuns runs;
    @Inject
    Rollouts rollouts;

    private RolloutFixtures fixtures;
    private final RuntimeApi api = new RuntimeApi();

    private RolloutFixtures fixtures() {
        if (fixtures == null) {
            fixtures = new RolloutFixtures(db);
        }
        return fixtures;
    }

    @AfterEach
    void deleteFixtures() {
        fixtures().deleteAll();
        api.deleteCreated();
    }

    /** A rolled-back rollout: the canary reported failing, wave 2 never came, the canary was restarted back. */
    private long rolledBack(String kind) {
        long run = fixtures().run(kind, "rolled_back", false, 3, 2, "wave 1: fx-chat-1 reported failing: invalid_key",
                4L, 6L);
        fixtures().wave(run, 1, "canary", "failed", "fx-chat-1 reported failing on configuration version 9: invalid_key");
        fixtures().wave(run, 2, "wave", "cancelled", null);
        fixtures().wave(run, 3, "rollback", "done", "the previous key checked ok: saved again as version 6");
        fixtures().result(run, null, "fx-chat", "fx-chat-1", "restarted", 1, "report",
                "auto: a runtime of this target reported before", "failing", "reported failing: invalid_key", null);
        fixtures().result(run, null, "fx-chat", "fx-chat-2", "cancelled", 2, null, null, null, null, null);
        fixtures().result(run, null, "fx-chat", "fx-chat-3", "cancelled", 2, null, null, null, null, null);
        fixtures().result(run, null, "fx-chat", "fx-chat-1", "restarted", 3, "fetch", "auto: fetched by name before",
                "confirmed", "fetched version 10", null);
        return run;
    }

    /** A rollout waiting for Continue after its confirmed canary. */
    private long waitingApproval(String kind) {
        long run = fixtures().run(kind, "waiting_approval", false, 1, 2, null, 4L, null);
        fixtures().wave(run, 1, "canary", "confirmed", "fx-voice-1 reported ok on configuration version 9");
        fixtures().wave(run, 2, "wave", "waiting", null);
        fixtures().result(run, null, "fx-voice", "fx-voice-1", "restarted", 1, "report", "set on the target",
                "confirmed", "reported ok on configuration version 9", null);
        fixtures().result(run, null, "fx-voice", "fx-voice-2", "waiting", 2, null, null, null, null, null);
        fixtures().result(run, null, "fx-batch", "fx-batch-1", "held", null, null, null, null, null, null);
        return run;
    }

    private long paused(String kind) {
        long run = fixtures().run(kind, "running", true, 2, 2, null, 4L, null);
        fixtures().wave(run, 1, "canary", "confirmed", "fx-voice-1 reported ok on configuration version 9");
        fixtures().wave(run, 2, "wave", "waiting", null);
        fixtures().result(run, null, "fx-voice", "fx-voice-1", "restarted", 1, "none", "auto: no runtime reported,"
                + " fetched or has a health check", "confirmed", "restarted", null);
        fixtures().result(run, null, "fx-voice", "fx-voice-2", "waiting", 2, null, null, null, null, null);
        fixtures().underWay(run, null, "fx-voice", "fx-voice-3", 2);
        return run;
    }

    @Test
    void theRunPageShowsTheOutcomeTheReasonAndEveryWaveWithItsRuntimes() {
        long run = rolledBack("tts");
        for (String session : List.of(admin(), viewer())) {
            String page = page(session, "/admin/restarts/" + run);
            assertThat(page).contains("Rollout " + run + ": <span class=\"state state-rolled_back\" id=\"outcome\">"
                    + "rolled back</span>")
                    .contains("wave 1: fx-chat-1 reported failing: invalid_key. Restarted back onto the previous key"
                            + " (saved again as settings version 6): fx-chat/fx-chat-1. Never touched: 2 not reached (the"
                            + " rollout was rolled back before their wave): fx-chat/fx-chat-2, fx-chat/fx-chat-3.")
                    // h20i point 3: every count of the runtimes left out names them
                    .contains("id=\"tally\">restarted 0 of 3, 2 not reached (the rollout was rolled back before"
                            + " their wave): fx-chat/fx-chat-2, fx-chat/fx-chat-3, rolled back 1: fx-chat/fx-chat-1<")
                    .contains("Canary (wave 1): <span class=\"state state-failed\">failed</span>")
                    .contains("fx-chat-1 reported failing on configuration version 9: invalid_key")
                    .contains("Wave 2: <span class=\"state state-cancelled\">cancelled</span>")
                    .contains("Rollback (wave 3): <span class=\"state state-done\">done</span>")
                    .contains("reported failing: invalid_key").contains("fetched version 10")
                    .contains(">cancelled</span>").contains(">confirmed</span>")
                    .contains("report <span class=\"muted\">(auto: a runtime of this target reported before)</span>")
                    .contains("Previous settings version: 4.")
                    // final: no polling, no controls
                    .doesNotContain("hx-trigger").doesNotContain("id=\"controls\"");
            String canary = section(page, "wave-1");
            assertThat(canary).contains("data-runtime=\"fx-chat-1\"").doesNotContain("fx-chat-2")
                    .as("restarted back by the rollback wave").contains(">rolled back</span>");
            assertThat(section(page, "wave-2")).contains("fx-chat-2").contains("fx-chat-3")
                    .doesNotContain("fx-chat-1");
        }
    }

    /**
     * Issue 20 breaker, point 1: a runtime a rollback restarted back is counted as rolled back in every summary of the
     * run (one classification, {@link RunView.Tally}): its passed wave's heading, the convergence line and the API's
     * {@code convergence} no longer count it as a restarted runtime (confirmed, awaiting confirmation or not asked).
     */
    @Test
    void aRolledBackRuntimeIsNeverCountedAsRestartedOnThePageOrTheApi() {
        long run = fixtures().run("tts", "rolled_back", false, 3, 2, "wave 2: fx-cmd-2: restart failed", 4L, 6L);
        fixtures().wave(run, 1, "canary", "restarted", "1 restarted, confirmation not asked (none): fx-cmd-1");
        fixtures().wave(run, 2, "wave", "failed", "fx-cmd-2: restart failed");
        fixtures().wave(run, 3, "rollback", "done", "the previous key checked ok: saved again as version 6");
        fixtures().result(run, null, "fx-cmd", "fx-cmd-1", "restarted", 1, "none", "set on the target", "not_asked",
                "restarted; confirmation not asked (none)", null);
        fixtures().result(run, null, "fx-cmd", "fx-cmd-2", "failed", 2, "none", "set on the target", null, null,
                "exit 1");
        fixtures().result(run, null, "fx-cmd", "fx-cmd-1", "restarted", 3, "none", "a rollback restart", "not_asked",
                "restarted back onto the previous key", null);

        io.restassured.path.json.JsonPath report = api.run(run);
        assertThat(report.getString("outcome")).isEqualTo("rolled_back");
        assertThat(report.getList("tally.rolledBack")).containsExactly("fx-cmd/fx-cmd-1");
        assertThat(report.getInt("convergence.restarted")).as("rolled back, not restarted onto the run's key")
                .isZero();
        assertThat(report.getInt("convergence.confirmed")).isZero();
        assertThat(report.getList("convergence.notAsked")).isEmpty();
        assertThat(report.getList("convergence.unconfirmed")).isEmpty();
        assertThat(report.getList("convergence.rolledBack")).containsExactly("fx-cmd/fx-cmd-1");
        // counted as rolled back and nothing else: not restarted in the tally either (issue 20, h20i point 1)
        assertThat(report.getInt("tally.restarted")).as("the tally agrees with convergence").isZero();
        assertThat(report.getInt("tally.runtimes")).isEqualTo(2);
        assertThat(report.getList("tally.rolledBack")).containsExactly("fx-cmd/fx-cmd-1");
        assertThat(report.getList("tally.failed")).containsExactly("fx-cmd/fx-cmd-2");
        assertThat(report.getString("waves[0].state")).isEqualTo("rolled_back");
        assertThat(report.getString("waves[0].decision")).isEqualTo("passed, then restarted back by the rollback:"
                + " restarted 0 of 1, rolled back 1: fx-cmd/fx-cmd-1");
        String tally = "restarted 0 of 2 (failed: fx-cmd/fx-cmd-2), rolled back 1: fx-cmd/fx-cmd-1";
        // the restart.finish audit entry's detail, as the engine writes it when the run ends
        assertThat(io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> runs.finishDetail(run,
                "wave 2: fx-cmd-2: restart failed"))).isEqualTo("rolled back: wave 2: fx-cmd-2: restart failed; "
                        + tally);

        String page = page(admin(), "/admin/restarts/" + run);
        assertThat(page).contains("id=\"outcome\">rolled back</span>")
                .contains("id=\"tally\">" + tally + "<")
                .doesNotContain("restarted runtimes confirmed").doesNotContain("id=\"convergence\"")
                .doesNotContain("confirmation not asked for");
        assertThat(section(page, "wave-1"))
                .contains("Canary (wave 1): <span class=\"state state-rolled_back\">rolled back</span>")
                .contains("passed, then restarted back by the rollback: restarted 0 of 1, rolled back 1:"
                        + " fx-cmd/fx-cmd-1")
                .doesNotContain("1 restarted, confirmation not asked");
    }

    /**
     * A target's latest run is the run whose restart of it began last (started, else created), whatever finished last
     * and whatever its id (breaker b10 M1, replacing h20m point 1's highest id): an older rollout whose rollback
     * restarted the target after a newer run failed it is its latest run on the runtimes list, its live fragment and
     * the target's page, since that restart is what the target last went through; a rollback restart that began
     * before the newer run's restart and ended after it is not (h20m point 1: what finished last decides nothing).
     */
    @Test
    void aTargetsLatestRunIsTheRunWhoseRestartOfItBeganLast() {
        String name = "fx-late-" + RuntimeRestartTest.unique();
        long target = api.command(name, List.of("tts"), "true", null);
        long older = fixtures().run("tts", "rolled_back", false, 2, 1, "wave 1: " + name + " reported failing", 4L,
                6L);
        long canary = fixtures().result(older, target, name, name, "restarted", 1, "report", "set on the target",
                "failing", "reported failing", null);
        long newer = fixtures().run("tts", "failed", false, 1, 1, "wave 1: " + name + ": restart failed", 6L, null);
        long failed = fixtures().result(newer, target, name, name, "failed", 1, "none", null, null, null,
                "exit status 1");
        long back = fixtures().result(older, target, name, name, "restarted", 2, "report", "a rollback restart",
                "confirmed", "restarted back onto the previous key", null);
        String at = "UPDATE restart_results SET started_at = now() - ?::interval, finished_at = now() - ?::interval"
                + " WHERE id = ?";
        fixtures().update(at, "30 minutes", "29 minutes", canary);
        fixtures().update(at, "20 minutes", "19 minutes", failed);
        fixtures().update(at, "10 minutes", "9 minutes", back);
        fixtures().update("UPDATE restart_runs SET finished_at = now() - interval '9 minutes' WHERE id = ?", older);
        fixtures().update("UPDATE restart_runs SET finished_at = now() - interval '19 minutes' WHERE id = ?", newer);
        assertThat(newer).isGreaterThan(older);
        RuntimeTarget shown = new RuntimeTarget();
        shown.name = name;
        assertThat(runs.latestByTarget(List.of(shown), true).get(name).id()).as("rollout " + older
                + " restarted it back last").isEqualTo(older);
        for (String path : List.of("/admin/runtimes", "/admin/runtimes/live")) {
            assertThat(targetRow(page(admin(), path), target)).as(path).contains("href=\"/admin/restarts/" + older
                    + "\">rollout " + older + "</a>").doesNotContain("/admin/restarts/" + newer + "\"");
        }
        assertThat(page(admin(), "/admin/runtimes/" + target)).contains("Latest run: <a href=\"/admin/restarts/"
                + older + "\">rollout " + older + "</a>");

        // the rollback restart began before the newer run's and ended after it: the newer run is the latest
        fixtures().update(at, "25 minutes", "9 minutes", back);
        assertThat(runs.latestByTarget(List.of(shown), true).get(name).id()).as("rollout " + older + " ended later")
                .isEqualTo(newer);
        assertThat(targetRow(page(admin(), "/admin/runtimes"), target)).contains("href=\"/admin/restarts/" + newer
                + "\">rollout " + newer + "</a>").contains("1 of 1 failed to restart");
        assertThat(page(admin(), "/admin/runtimes/" + target)).contains("Latest run: <a href=\"/admin/restarts/"
                + newer + "\">rollout " + newer + "</a>");
    }

    /**
     * h20m point 2: once a run has its verdict, a runtime that did not confirm is "unconfirmed" and why on every
     * summary (the runtimes list and its fragment, the target's page, the run page, the settings alert), never "not
     * yet"; "not yet" only while the run is open.
     */
    @Test
    void anEndedRunSaysUnconfirmedAndWhyNeverNotYet() {
        String name = "fx-unc-" + RuntimeRestartTest.unique();
        HaltedUnconfirmed fixture = haltedUnconfirmed(name);
        long target = fixture.target();
        long halted = fixture.run();
        String window = UNCONFIRMED_WINDOW;
        String said = "unconfirmed: " + name + " (" + window + ")";
        for (String path : List.of("/admin/runtimes", "/admin/runtimes/live")) {
            String row = targetRow(page(admin(), path), target);
            assertThat(row).as(path).contains("0 of 1 confirmed").contains(said).doesNotContain("not yet");
        }
        assertThat(page(admin(), "/admin/runtimes/" + target)).contains("0 of 1 confirmed — " + said + ".")
                .doesNotContain("not yet");
        assertThat(page(admin(), "/admin/restarts/" + halted)).contains("<span id=\"unconfirmed\">" + said
                + "</span>").doesNotContain("not yet");
        assertThat(page(admin(), "/admin/settings")).contains(name + ": " + window).doesNotContain("not yet");

        // a manual run has no window: its verdict says what never came
        fixtures().update("UPDATE restart_runs SET rollout = false, state = 'succeeded', wave_count = 0 WHERE id = ?",
                halted);
        fixtures().update("UPDATE restart_results SET wave = null, confirm_state = null, confirm_detail = null"
                + " WHERE run_id = ?", halted);
        assertThat(targetRow(page(admin(), "/admin/runtimes"), target)).contains("unconfirmed: " + name
                + " (no fetch by name of the configuration version it was restarted onto").doesNotContain("not yet");

        // while a run is open, it may still confirm: "not yet" (a rollout waiting for approval: the engine
        // leaves it as it is, where it would end a running manual run whose restarts are over)
        fixtures().update("UPDATE restart_runs SET rollout = true, state = 'waiting_approval', wave_count = 2,"
                + " current_wave = 1, finished_at = null WHERE id = ?", halted);
        fixtures().update("UPDATE restart_results SET wave = 1 WHERE run_id = ?", halted);
        assertThat(targetRow(page(admin(), "/admin/runtimes"), target)).contains("not yet: " + name)
                .doesNotContain("unconfirmed: ");
    }

    /**
     * h20m point 3: a run's summaries name the held runtimes (an admin's hold) apart from those the rollout never
     * reached (it stopped before their wave), failures first: the run page's tally and reason, the API's tally.
     */
    @Test
    void heldAndNotReachedRuntimesAreNamedApartFailuresFirst() {
        long run = fixtures().run("tts", "halted", false, 3, 2, "wave 1 (canary): fx-h-a: restart failed", 4L, null);
        fixtures().update("UPDATE restart_runs SET fail_code = 'restart_failed' WHERE id = ?", run);
        fixtures().result(run, null, "fx-h-a", "fx-h-a", "failed", 1, "none", null, null, null, "exit status 1");
        fixtures().result(run, null, "fx-h-held", "fx-h-held", "held", null, null, null, null, null, null);
        fixtures().result(run, null, "fx-h-b", "fx-h-b", "cancelled", 2, null, null, null, null, null);
        fixtures().result(run, null, "fx-h-c", "fx-h-c", "cancelled", 2, null, null, null, null, null);
        String tally = "restarted 0 of 4 (failed: fx-h-a), 1 held (left out by an admin): fx-h-held, 2 not reached"
                + " (the rollout halted before their wave): fx-h-b, fx-h-c";
        String page = page(admin(), "/admin/restarts/" + run);
        assertThat(page).contains("id=\"tally\">" + tally + "<").doesNotContain("left out:");
        io.restassured.path.json.JsonPath report = api.run(run);
        assertThat(report.getList("tally.held")).containsExactly("fx-h-held");
        assertThat(report.getList("tally.notReached")).containsExactly("fx-h-b", "fx-h-c");

        fixtures().update("UPDATE restart_runs SET state = 'rolled_back', rollback_version = 6 WHERE id = ?", run);
        assertThat(page(admin(), "/admin/restarts/" + run)).contains("Never touched: 1 held (left out by an admin):"
                + " fx-h-held; 2 not reached (the rollout was rolled back before their wave): fx-h-b, fx-h-c.");
    }

    /**
     * h20m point 4: the alert's advice follows the cause. A rollout halted because no runtime confirmed while the
     * runtimes' token was refused names the token and where it is set, not the target; a halted fallback change
     * never says "no earlier tts version to roll back to" and says how to undo the change, linked.
     */
    @Test
    void anAlertNamesTheRuntimesTokenOrTheFallbackChangeWhenThatIsTheCause() {
        String name = "fx-tok-" + RuntimeRestartTest.unique();
        HaltedUnconfirmed fixture = haltedUnconfirmed(name);
        long target = fixture.target();
        long halted = fixture.run();
        String window = UNCONFIRMED_WINDOW;
        // a runtime's fetch with a wrong token since the run began: the refusal RuntimeToken counts
        given().auth().oauth2("not-the-runtimes-token").header("X-Keyhouse-Runtime", name)
                .get("/api/v1/internal/runtime-config").then().statusCode(401);
        for (String path : List.of("/admin/runtimes", "/admin/settings", "/admin/settings/tts")) {
            String alert = alert(page(admin(), path), "tts");
            assertThat(alert).as(path).contains("so the new key stays; halted — runtimes were refused: give them the"
                    + " PROVISIONER_INTERNAL_TOKEN Keyhouse has (theirs is missing or wrong), then restart the targets")
                    .contains("href=\"/admin/environment\">Environment: PROVISIONER_INTERNAL_TOKEN</a>")
                    .doesNotContain("fix target").doesNotContain("/admin/runtimes/" + target + "\"")
                    .doesNotContain("working key");
        }
        assertThat(RolloutOutlook.tokenAdvice(false, "rolled_back")).isEqualTo(" — PROVISIONER_INTERNAL_TOKEN is"
                + " not set, so every runtime-config fetch and status report is refused: set it in Keyhouse's"
                + " environment (or .env) and give the runtimes the same value, then save the key again");

        long fallback = fixtures().run("tts", "halted", false, 2, 1, "wave 1 (canary): " + name
                + " reported failing: invalid_key; nothing rolled back: there is no earlier tts version to roll back to",
                null, null);
        fixtures().update("UPDATE restart_runs SET cause = 'fallback', fail_code = 'invalid_key', change_summary ="
                + " 'fallback 7 (elevenlabs) added' WHERE id = ?", fallback);
        for (String path : List.of("/admin/runtimes", "/admin/settings/tts")) {
            String alert = alert(page(admin(), path), "tts");
            assertThat(alert).as(path).contains("(run " + fallback + "): wave 1 (canary): " + name + " reported"
                    + " failing: invalid_key; nothing rolled back: a fallback change is not rolled back by itself;"
                    + " halted — the fallback change (fallback 7 (elevenlabs) added) stays: delete or disable the added"
                    + " fallback, or roll back the edited one, in the fallbacks of the Text to speech settings")
                    .contains("href=\"/admin/settings/tts\">Text to speech settings: fallbacks</a>")
                    .doesNotContain("no earlier").doesNotContain("working key");
        }
        assertThat(page(admin(), "/admin/restarts/" + fallback)).contains("a fallback change is not rolled back by"
                + " itself").doesNotContain("no earlier tts version");
    }

    /**
     * Breaker b20, M2: the refusals were kept in memory only, so after a restart (or on another replica) the same
     * halted rollout's alert said "fix target" and its run page named no refusal. They are kept in
     * {@code runtime_token_refusals}: a row stored by another replica (or before a restart), with nothing in this
     * replica's memory, is named by the alert and the run page; and a refusal this replica answers is written there.
     */
    @Test
    void storedRefusalsAreNamedByEveryReplicaAndAfterARestart() throws Exception {
        String name = "fx-tok-db-" + RuntimeRestartTest.unique();
        HaltedUnconfirmed fixture = haltedUnconfirmed(name);
        fixtures().update("INSERT INTO runtime_token_refusals (minute, runtime, why, refused, first_at, last_at)"
                + " VALUES (date_trunc('minute', clock_timestamp()), ?, 'mismatch', 3, clock_timestamp(),"
                + " clock_timestamp())", name);
        for (String path : List.of("/admin/runtimes", "/admin/settings/tts")) {
            assertThat(alert(page(admin(), path), "tts")).as(path).contains("halted — runtimes were refused: give"
                    + " them the PROVISIONER_INTERNAL_TOKEN Keyhouse has").doesNotContain("fix target");
        }
        String first;
        try (java.sql.Connection c = db.getConnection(); java.sql.PreparedStatement s = c.prepareStatement(
                "SELECT first_at FROM runtime_token_refusals WHERE runtime = ?")) {
            s.setString(1, name);
            try (java.sql.ResultSet rows = s.executeQuery()) {
                rows.next();
                first = dev.keyhouse.web.TemplateExtensions.utc(rows.getTimestamp(1).toInstant());
            }
        }
        assertThat(page(admin(), "/admin/restarts/" + fixture.run())).contains("id=\"runtime-token\"")
                .contains("requests were refused since " + first).contains("from runtime " + name
                        + " (a token that does not match)");

        // this replica's own refusal: tallied in memory, then written (added to the minute's row of its name)
        String other = "fx-tok-db2-" + RuntimeRestartTest.unique();
        for (int i = 0; i < 2; i++) {
            given().auth().oauth2("not-the-runtimes-token").header("X-Keyhouse-Runtime", other)
                    .get("/api/v1/internal/runtime-config").then().statusCode(401);
        }
        given().header("X-Keyhouse-Runtime", other).get("/api/v1/internal/runtime-config").then().statusCode(401);
        // written within seconds (never on the request path)
        Map<String, Long> stored = new java.util.HashMap<>();
        for (long end = System.nanoTime() + 20_000_000_000L; System.nanoTime() < end && stored.size() < 2; ) {
            Thread.sleep(200);
            try (java.sql.Connection c = db.getConnection(); java.sql.PreparedStatement s = c.prepareStatement(
                    "SELECT why, sum(refused) FROM runtime_token_refusals WHERE runtime = ? GROUP BY why")) {
                s.setString(1, other);
                try (java.sql.ResultSet rows = s.executeQuery()) {
                    while (rows.next()) {
                        stored.put(rows.getString(1), rows.getLong(2));
                    }
                }
            }
        }
        assertThat(stored).isEqualTo(Map.of("mismatch", 2L, "no_bearer", 1L));
        fixtures().update("DELETE FROM runtime_token_refusals WHERE runtime IN (?, ?)", name, other);
    }

    /** The alert paragraph of {@code kind} on a page. */
    private static String alert(String html, String kind) {
        int start = html.indexOf("id=\"rollout-alert-" + kind + "\"");
        assertThat(start).as("rollout-alert-" + kind).isNotNegative();
        return html.substring(start, html.indexOf("</p>", start));
    }

    /** The row of target {@code id} in a runtimes list. */
    private static String targetRow(String html, long id) {
        String row = html.substring(html.indexOf("id=\"target-" + id + "\""));
        return row.substring(0, row.indexOf("</tr>"));
    }

    @Test
    void controlsShowOnlyWhereTheStateAllowsThemAndOnlyToAdmins() {
        long waiting = waitingApproval("tts");
        String page = page(admin(), "/admin/restarts/" + waiting);
        assertThat(page).contains("id=\"outcome\">waiting for approval</span>")
                .contains("The canary is confirmed. Waiting for an admin to press Continue")
                .contains("action=\"/admin/restarts/" + waiting + "/continue\"")
                .contains("action=\"/admin/restarts/" + waiting + "/abort\"")
                .contains("action=\"/admin/restarts/" + waiting + "/pause\"").doesNotContain("/resume\"")
                .contains("hx-get=\"/admin/restarts/" + waiting + "/live\"")
                .contains(">waiting</span>");
        assertThat(section(page, "wave-none")).contains("data-runtime=\"fx-batch-1\"").contains(">held</span>");
        assertThat(section(page, "controls")).contains("name=\"csrf-token\"");

        // b20 (low): waiting on an admin with no restart under way, it is polled at the idle rate, not the busy one,
        // and still polled (another admin may continue it); the runtimes list and the settings notice likewise
        String idlePoll = "hx-get=\"/admin/restarts/" + waiting + "/live\" hx-trigger=\"every "
                + TestSettings.IDLE_REFRESH + "\"";
        assertThat(page).contains(idlePoll);
        assertThat(page(admin(), "/admin/restarts/" + waiting + "/live")).contains(idlePoll);
        assertThat(page(admin(), "/admin/restarts/" + waiting + "/status")).contains("hx-get=\"/admin/restarts/"
                + waiting + "/status\" hx-trigger=\"every " + TestSettings.IDLE_REFRESH + "\"");

        long paused = paused("stt");
        String pausedPage = page(admin(), "/admin/restarts/" + paused);
        assertThat(pausedPage).contains("state-paused\" id=\"outcome\">paused</span>")
                .contains("Paused by an admin").contains("/resume\"").contains("/abort\"")
                .doesNotContain("/pause\"").doesNotContain("/continue\"")
                .as("paused with a restart still under way: busy").contains("hx-get=\"/admin/restarts/" + paused
                        + "/live\" hx-trigger=\"every " + TestSettings.BUSY_REFRESH + "\"");
        fixtures().update("UPDATE restart_results SET state = 'restarted', finished_at = now() WHERE run_id = ?"
                + " AND state = 'running'", paused);
        assertThat(page(admin(), "/admin/restarts/" + paused)).as("paused, nothing under way: idle")
                .contains("hx-get=\"/admin/restarts/" + paused + "/live\" hx-trigger=\"every "
                        + TestSettings.IDLE_REFRESH + "\"");

        String viewer = viewer();
        for (long run : List.of(waiting, paused)) {
            assertThat(page(viewer, "/admin/restarts/" + run)).doesNotContain("id=\"controls\"")
                    .doesNotContain("method=\"post\" action=\"/admin/restarts/");
            assertThat(page(viewer, "/admin/restarts/" + run + "/live")).doesNotContain("id=\"controls\"");
        }

        // the live fragment swaps everything that depends on the state: headline, reason, controls, waves
        String live = page(admin(), "/admin/restarts/" + waiting + "/live");
        assertThat(live).doesNotContain("<html").startsWith("<section class=\"card\" id=\"run\"")
                .contains("id=\"outcome\">waiting for approval").contains("id=\"reason\"")
                .contains("id=\"controls\"").contains("id=\"wave-1\"").contains("id=\"wave-2\"");
        fixtures().update("UPDATE restart_runs SET state = 'aborted', finished_at = now(), reason = ? WHERE id = ?",
                "aborted by admin@keyhouse.test", waiting);
        String ended = page(admin(), "/admin/restarts/" + waiting + "/live");
        assertThat(ended).contains("id=\"outcome\">aborted</span>").contains("aborted by admin@keyhouse.test")
                .doesNotContain("id=\"controls\"").doesNotContain("hx-trigger").contains("id=\"wave-2\"");
    }

    @Test
    void abortAsksForConfirmationInAFormStepAndARefusedControlIsA409Page() {
        long waiting = waitingApproval("tts");
        String session = admin();
        String csrf = Browser.csrfOf(session);
        Response step = Browser.signedInForm(session, csrf).post("/admin/restarts/" + waiting + "/abort");
        step.then().statusCode(200);
        assertThat(step.asString()).contains("Abort rollout " + waiting + "?")
                .contains("action=\"/admin/restarts/" + waiting + "/abort\"")
                .contains("name=\"confirmed\" value=\"yes\"").contains("name=\"csrf-token\"")
                .contains("restarted back onto the previous settings version (4)");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/restarts/" + waiting).jsonPath()
                .getString("state")).as("the first step changes nothing").isEqualTo("waiting_approval");

        long ended = rolledBack("stt");
        for (String control : List.of("pause", "resume", "continue", "abort")) {
            Response refused = Browser.signedInForm(session, csrf).formParam("confirmed", "yes")
                    .post("/admin/restarts/" + ended + "/" + control);
            refused.then().statusCode(409).contentType(ContentType.HTML);
            assertThat(refused.asString()).as(control).contains("id=\"refusal\"")
                    .contains("id=\"outcome\">rolled back");
        }
        Response step2 = Browser.signedInForm(session, csrf).post("/admin/restarts/" + ended + "/abort");
        step2.then().statusCode(409);
        assertThat(step2.asString()).contains("This run cannot be aborted: it is rolled back.");

        String viewer = viewer();
        Browser.signedInForm(viewer, Browser.csrfOf(viewer)).formParam("confirmed", "yes")
                .post("/admin/restarts/" + waiting + "/abort").then().statusCode(403);
        Browser.signedInForm(session, csrf).post("/admin/restarts/999999/pause").then().statusCode(404);
    }

    /**
     * Continue and Resume restart the waves still to come (issue 20): on the page each asks first, naming the targets
     * whose runtimes wait for their wave; asking changes nothing; a state that allows neither is the 409 page.
     */
    @Test
    void continueAndResumeOnThePageAskFirstNamingTheTargetsStillToRestart() {
        long waiting = waitingApproval("tts");
        long paused = paused("stt");
        String session = admin();
        String csrf = Browser.csrfOf(session);
        for (Map.Entry<Long, String> control : Map.of(waiting, "continue", paused, "resume").entrySet()) {
            String action = "/admin/restarts/" + control.getKey() + "/" + control.getValue();
            Response step = Browser.signedInForm(session, csrf).post(action);
            step.then().statusCode(200);
            ConfirmSteps.assertStep(step.asString(), action);
            assertThat(step.asString()).as(action).contains("restart the runtimes of: fx-voice")
                    .doesNotContain("fx-batch");
        }
        assertThat(api.run(waiting).getString("state")).as("asking changes nothing").isEqualTo("waiting_approval");
        assertThat(api.run(paused).getBoolean("paused")).as("asking changes nothing").isTrue();
        Response wrong = Browser.signedInForm(session, csrf).post("/admin/restarts/" + waiting + "/resume");
        wrong.then().statusCode(409);
        assertThat(wrong.asString()).contains("This run cannot be resumed");
        Browser.signedInForm(session, csrf).formParam("confirmed", "maybe")
                .post("/admin/restarts/" + waiting + "/continue").then().statusCode(400);
        assertThat(api.run(waiting).getString("state")).isEqualTo("waiting_approval");
    }

    @Test
    void theRestControlsAnswer409ForAStateThatDoesNotAllowThemAnd404ForAnUnknownRun() {
        long ended = rolledBack("tts");
        for (String control : List.of("pause", "resume", "continue", "abort")) {
            given().auth().oauth2(api.admin()).post("/api/v1/restarts/" + ended + "/" + control).then()
                    .statusCode(409).contentType("application/problem+json");
            given().auth().oauth2(api.admin()).post("/api/v1/restarts/999999/" + control).then()
                    .statusCode(404).contentType("application/problem+json");
            given().auth().oauth2(ApiClient.viewerToken(Browser.uniqueEmail("rollout-viewer")))
                    .post("/api/v1/restarts/" + ended + "/" + control).then().statusCode(403);
        }
        given().auth().oauth2(api.admin()).get("/api/v1/restarts/" + ended).then().statusCode(200)
                .body("outcome", org.hamcrest.Matchers.equalTo("rolled_back"))
                .body("waves.size()", org.hamcrest.Matchers.equalTo(3))
                .body("waves[0].kind", org.hamcrest.Matchers.equalTo("canary"))
                .body("waves[0].runtimes[0].status", org.hamcrest.Matchers.equalTo("rolled back"))
                .body("waves[0].runtimes[0].confirmState", org.hamcrest.Matchers.equalTo("failing"));
    }

    @Test
    void theSaveAnswerSaysWhatTheRolloutDoesNext() {
        long discovered = waitingApproval("tts");
        RolloutNews.Next next = news.next(discovered).orElseThrow();
        assertThat(next.canary()).containsExactly("fx-voice-1");
        assertThat(next.next()).isEqualTo("rolling out: canary fx-voice-1 first, then 1 more in 1 wave;"
                + " on hold and left out: fx-batch");

        long chat = api.command("fx-chat-" + RuntimeRestartTest.unique(), List.of("stt"), "true", null);
        long api2 = api.command("fx-api-" + RuntimeRestartTest.unique(), List.of("stt"), "true", null);
        String chatName = name(chat);
        String apiName = name(api2);
        long planned = fixtures().run("stt", "running", true, 0, 0, null, 4L, null);
        fixtures().result(planned, chat, chatName, null, "waiting", null, null, null, null, null, null);
        fixtures().result(planned, api2, apiName, null, "waiting", null, null, null, null, null, null);
        fixtures().underWay(planned, chat, chatName, null, null);
        String first = chatName.compareTo(apiName) < 0 ? chatName : apiName;
        assertThat(news.next(planned).orElseThrow().next()).isEqualTo("rolling out: canary the first runtime of "
                + first + " first, then the other runtimes of " + String.join(", ", List.of(chatName, apiName)
                        .stream().sorted().toList()) + " in waves of 25 %");
        fixtures().update("UPDATE runtime_targets SET canary = true WHERE id = ?", api2);
        RolloutNews.Next marked = news.next(planned).orElseThrow();
        assertThat(marked.canary()).containsExactly(apiName);
        assertThat(marked.next()).startsWith("rolling out: canary " + apiName + " (marked canary) first");

        // the settings page's notice after a save links to the run with the plan
        String overview = noticed(new dev.keyhouse.settings.SettingsNotice("saved", ProviderKind.STT, planned, null,
                false));
        // (paused by the fixture, which keeps the engine away: said before the plan)
        assertThat(overview).contains("What happens next: <span id=\"rollout-next\">paused until an admin resumes it;"
                + " rolling out: canary " + apiName
                + " (marked canary) first").contains("href=\"/admin/restarts/" + planned + "\"");
        // a manual run is no rollout: no plan
        long manual = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + chat + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");
        assertThat(news.next(manual)).isEmpty();
        // open, or (its restarts are quick) already ended when the page is rendered: said as it stands
        assertThat(noticed(new dev.keyhouse.settings.SettingsNotice("saved", ProviderKind.STT, manual, null, false)))
                .doesNotContain("rollout-next")
                .containsPattern("Dependent runtimes are restarting|Restart run " + manual + "</a> ended: ");
    }

    /**
     * Breaker h20q, finding 3: the settings notice after a save said "What happens next: rolling out ..." for as
     * long as the admin stayed on the page, and on every render from the flash, after the run had ended. It says
     * the run as it stands: while open, what happens next, in a span that asks {@code /admin/restarts/{id}/status}
     * again every 2 s; once ended, how it ended (a rolled-back one with why), in a span that no longer asks; the
     * fragment says the same, so the open notice turns into the ended one and stops.
     */
    @Test
    void theSettingsNoticeSaysHowItsRunEndedAndStopsLookingOnceItHas() {
        long chat = api.command("fx-chat-" + RuntimeRestartTest.unique(), List.of("stt"), "true", null);
        String chatName = name(chat);
        long open = fixtures().run("stt", "running", true, 0, 0, null, 4L, null); // paused: the engine stays away
        fixtures().result(open, chat, chatName, null, "waiting", null, null, null, null, null, null);
        fixtures().underWay(open, chat, chatName, null, null);
        String poll = "hx-get=\"/admin/restarts/" + open + "/status\" hx-trigger=\"every "
                + TestSettings.BUSY_REFRESH + "\"";
        assertThat(noticed(new dev.keyhouse.settings.SettingsNotice("saved", ProviderKind.STT, open, null, false)))
                .contains("What happens next: <span id=\"rollout-next\">paused until an admin resumes it; rolling out:"
                        + " canary the first runtime of " + chatName, poll);
        assertThat(page(admin(), "/admin/restarts/" + open + "/status")).startsWith("<span id=\"run-status\" " + poll)
                .contains("rollout-next");

        // in its second wave of three: the notice says so before the plan, and moves on with the fragment
        long waving = fixtures().run("stt", "running", true, 2, 3, null, 4L, null);
        fixtures().wave(waving, 1, "canary", "confirmed", "all 1 runtime confirmed (report: 1)");
        fixtures().wave(waving, 2, "wave", "confirming", null);
        fixtures().result(waving, chat, chatName, chatName, "restarted", 1, "report", null, "confirmed", null, null);
        fixtures().underWay(waving, chat, chatName, chatName + "-b", 2);
        assertThat(noticed(new dev.keyhouse.settings.SettingsNotice("saved", ProviderKind.STT, waving, null, false)))
                .contains("What happens next: <span id=\"rollout-next\">paused until an admin resumes it; now wave 2"
                        + " of 3 confirming (" + chatName + "/" + chatName + "-b); then wave 3, the last — rolling out:"
                        + " canary " + chatName + " first");
        fixtures().update("UPDATE restart_runs SET current_wave = 3 WHERE id = ?", waving);
        fixtures().wave(waving, 3, "wave", "restarting", null);
        assertThat(page(admin(), "/admin/restarts/" + waving + "/status")).contains("now wave 3 of 3 restarting;"
                + " the last wave — rolling out:");

        // restarted an hour ago: past the confirmation window, so nothing it shows can change and the span stops
        fixtures().update("UPDATE restart_results SET state = 'restarted', finished_at = now() - interval '1 hour', lease_until = null"
                + " WHERE run_id = ?", open);
        fixtures().update("UPDATE restart_runs SET state = 'succeeded', paused = false, finished_at = now() WHERE id = ?",
                open);
        for (String said : List.of(page(admin(), "/admin/restarts/" + open + "/status"), page(viewer(),
                "/admin/restarts/" + open + "/status"), noticed(new dev.keyhouse.settings.SettingsNotice("saved",
                        ProviderKind.STT, open, null, false)))) {
            assertThat(said).contains("id=\"restart-run-link\">Rollout " + open + "</a> ended: <strong class=\"state"
                    + " state-").doesNotContain("rolling out", "What happens next", "/status\" hx-trigger");
        }

        long rolledBack = rolledBack("stt");
        String notice = noticed(new dev.keyhouse.settings.SettingsNotice("saved", ProviderKind.STT, rolledBack, null,
                false));
        assertThat(notice).contains("Rollout " + rolledBack + "</a> ended: <strong class=\"state state-rolled_back\">"
                + "rolled back</strong> — wave 1: fx-chat-1 reported failing: invalid_key.")
                .doesNotContain("rolling out", "What happens next", "/status\" hx-trigger");
        given().cookie(SessionTokens.SESSION_COOKIE, admin()).get("/admin/restarts/999999999/status").then()
                .statusCode(404);
    }

    @Test
    void aHaltedOrRolledBackRolloutIsAnAlertOnTheRuntimesListAndTheSettingsPageUntilANewerOneStarts() {
        String both = "the new key and the previous key both fail: invalid_key / invalid_key — enter a working key";
        long halted = fixtures().run("stt", "halted", false, 1, 2, both, 4L, null);
        for (String path : List.of("/admin/runtimes", "/admin/runtimes/live", "/admin/settings",
                "/admin/settings/stt")) {
            assertThat(page(admin(), path)).as(path).contains("id=\"rollout-alert-stt\"")
                    .contains("Speech to text rollout (run " + halted + "): the new key and the previous key both fail:"
                            + " invalid_key / invalid_key; halted — enter a working key")
                    .contains("href=\"/admin/restarts/" + halted + "\"");
        }
        long rolledBack = rolledBack("stt");
        assertThat(page(viewer(), "/admin/settings")).doesNotContain("(run " + halted + ")")
                .contains("rollout (run " + rolledBack + "): wave 1: fx-chat-1 reported failing:"
                        + " invalid_key; rolled back: the previous key is back as version 6 — enter a working key");
        fixtures().run("stt", "succeeded", false, 2, 2, null, 6L, null);
        for (String path : List.of("/admin/runtimes", "/admin/settings")) {
            assertThat(page(admin(), path)).as(path).doesNotContain("rollout-alert-stt");
        }
        assertThat(news.alerts()).noneMatch(a -> a.kind().equals("stt"));
    }

    /**
     * Issue 20 (truth 2, point 2): a wave that failed because a target's restart failed asked for "a working key" when
     * the key was fine. The advice follows the cause: the target to fix, linked, on the Settings, setting and Runtimes
     * pages; "enter a working key" only when the provider refused a key.
     */
    @Test
    void anAlertOfAFailedRestartNamesTheTargetToFixNotTheKey() {
        String name = "fx-c-fail-" + RuntimeRestartTest.unique();
        long target = api.command(name, List.of("tts"), "false", null);
        long rolledBack = fixtures().run("tts", "rolled_back", false, 3, 2, "wave 1 (canary): " + name
                + ": restart failed", 4L, 6L);
        fixtures().update("UPDATE restart_runs SET fail_code = 'restart_failed' WHERE id = ?", rolledBack);
        fixtures().result(rolledBack, target, name, name, "failed", 1, "none", null, null, null, "exit status 1");
        String advice = "; rolled back: the previous key is back as version 6 — fix target " + name
                + " (its restart failed), then save the key again";
        for (String path : List.of("/admin/runtimes", "/admin/settings", "/admin/settings/tts")) {
            String html = page(admin(), path);
            int start = html.indexOf("id=\"rollout-alert-tts\"");
            assertThat(start).as(path).isNotNegative();
            String alert = html.substring(start, html.indexOf("</p>", start));
            assertThat(alert).as(path).contains("rollout (run " + rolledBack + "): wave 1 (canary): " + name
                    + ": restart failed" + advice).contains("href=\"/admin/runtimes/" + target + "\"")
                    .doesNotContain("working key");
        }
        assertThat(page(admin(), "/admin/settings/stt")).doesNotContain("rollout-alert-tts");

        // halted: the previous key failed its check, which says nothing against the new key
        long halted = fixtures().run("tts", "halted", false, 3, 2, "wave 1 (canary): " + name + ": restart failed;"
                + " nothing rolled back: the previous key fails its check (invalid_key), so the new key stays", 4L, null);
        fixtures().update("UPDATE restart_runs SET fail_code = 'restart_failed' WHERE id = ?", halted);
        fixtures().result(halted, target, name, name, "failed", 1, "none", null, null, null, "exit status 1");
        assertThat(news.alerts()).filteredOn(a -> a.kind().equals("tts")).singleElement()
                .satisfies(a -> assertThat(a.text()).endsWith("so the new key stays; halted — fix target " + name
                        + " (its restart failed), then restart it").doesNotContain("working key"))
                .satisfies(a -> assertThat(a.target()).isEqualTo(target));
        // point 7: the target's page calls a rollout run "rollout N", as the list does
        assertThat(page(admin(), "/admin/runtimes/" + target)).contains("Latest run: <a href=\"/admin/restarts/"
                + halted + "\">rollout " + halted + "</a>");
    }

    @Test
    void theRuntimesListSaysWhichVersionEachRuntimeRunsAndWhetherItConfirmedTheNewestRollout() {
        long run = rolledBack("tts");
        // its last report, as POST /api/v1/internal/runtime-status stores it (version 1 whatever the current is)
        fixtures().report("fx-chat-2", 1, "ok");
        String list = page(admin(), "/admin/runtimes");
        String seen = row(list, "fx-chat-2");
        long current = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/instances").jsonPath()
                .getLong("currentVersion");
        assertThat(seen).contains("<td>1 " + (current == 1 ? "<span class=\"muted\">(current)</span>"
                : "<strong>(not current)</strong>")).contains(">cancelled</span> in <a href=\""
                + "/admin/restarts/" + run + "\">rollout " + run + "</a> (wave 2)");
        // fx-chat-1 never fetched nor reported: listed from the rollout; its place is its own wave, rolled back
        String moved = row(list, "fx-chat-1");
        assertThat(moved).contains("never fetched by name").contains(">rolled back</span> in <a href=\""
                + "/admin/restarts/" + run + "\">rollout " + run + "</a> (wave 1)").contains("reported failing: invalid_key");
    }

    /**
     * Issue 19, short breaker pass (2): a target deleted while the rollback was restarting it back read "1 of 2
     * rollback restarts failed: fx-gone-1 … it may still run the new key", its run ended with a failed rollback wave,
     * and its runtime stayed in the run's convergence as not confirmed. A deleted target is no longer Keyhouse's to
     * restart back: the reason says so, the rollback wave is done, and every summary counts it as deleted.
     */
    @Test
    void aTargetDeletedDuringItsRollbackRestartIsSaidToBeDeletedNotAFailedRestart() {
        long run = fixtures().run("tts", "rolling_back", false, 3, 2, "wave 2: fx-gone-1: reported failing:"
                + " invalid_key on configuration version 9", 4L, null);
        fixtures().wave(run, 1, "canary", "confirmed", "fx-stay-1 reported ok on configuration version 9");
        fixtures().wave(run, 2, "wave", "failed", "fx-gone-1 reported failing: invalid_key");
        fixtures().wave(run, 3, "rollback", "restarting", "restarting 2 moved runtimes back");
        // target_id null: ON DELETE SET NULL once an admin deleted the targets (fx-stay stays restarted back anyway)
        fixtures().result(run, null, "fx-stay", "fx-stay-1", "restarted", 1, "report", "set on the target",
                "confirmed", "reported ok on configuration version 9", null);
        fixtures().result(run, null, "fx-gone", "fx-gone-1", "restarted", 2, "report", "set on the target",
                null, null, null);
        fixtures().result(run, null, "fx-stay", "fx-stay-1", "restarted", 3, "none", "a rollback restart",
                null, null, null);
        fixtures().result(run, null, "fx-gone", "fx-gone-1", "failed", 3, "none", "a rollback restart",
                null, null, RunView.TARGET_DELETED);

        rollouts.advance(run);

        RestartRuns.RunReport report = runs.reportWithoutOutput(run);
        assertThat(report.state()).isEqualTo("rolled_back");
        assertThat(report.reason()).endsWith("; not restarted back, its target was deleted during the rollback:"
                + " fx-gone-1").doesNotContain("rollback restarts failed");
        assertThat(report.convergence().unconfirmed()).as("no longer Keyhouse's to confirm").isEmpty();
        assertThat(report.convergence().rolledBack()).containsExactly("fx-stay/fx-stay-1");
        assertThat(report.results().stream().filter(r -> r.wave() == 2).map(RestartRuns.ResultView::status))
                .containsExactly("target deleted before its rollback restart");
        assertThat(RunView.Tally.of(report).text())
                .isEqualTo("restarted 0 of 2, 1 deleted during the run (its target deleted by an admin): fx-gone/fx-gone-1,"
                        + " rolled back 1: fx-stay/fx-stay-1");
        assertThat(page(admin(), "/admin/restarts/" + run)).doesNotContain("rollback restarts failed")
                .doesNotContain("may still run");
    }

    private String name(long target) {
        return given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + target).jsonPath().getString("name");
    }

    private static String section(String html, String id) {
        int start = html.indexOf("id=\"" + id + "\"");
        assertThat(start).as("element #" + id).isNotNegative();
        int end = html.indexOf("</section>", start);
        int div = html.indexOf("</div>", start);
        return html.substring(start, end < 0 ? html.length() : (div > 0 && div < end && id.equals("controls") ? div
                : end));
    }

    private static String row(String html, String runtime) {
        int start = html.indexOf("data-runtime=\"" + runtime + "\"", html.indexOf("id=\"runtimes\""));
        assertThat(start).as("runtime row " + runtime).isNotNegative();
        return html.substring(start, html.indexOf("</tr>", start));
    }

    /** What a tts rollout's canary that never fetched records as its confirm detail. */
    private static final String UNCONFIRMED_WINDOW = "not confirmed (fetch) within 120 s"
            + " (ROLLOUT_CONFIRM_TIMEOUT_SECONDS)";

    /** A command target's id and the tts rollout halted at it ({@link #haltedUnconfirmed}). */
    private record HaltedUnconfirmed(long target, long run) {
    }

    /**
     * A tts rollout halted at its canary: a new command target {@code name} restarted but never confirmed (fetch),
     * the run's fail code {@code unconfirmed}, the previous key failing its check.
     */
    private HaltedUnconfirmed haltedUnconfirmed(String name) {
        long target = api.command(name, List.of("tts"), "true", null);
        long halted = fixtures().run("tts", "halted", false, 2, 1, "wave 1 (canary): " + name + ": "
                + UNCONFIRMED_WINDOW + "; nothing rolled back: the previous key fails its check (invalid_key), so the"
                + " new key stays", 4L, null);
        fixtures().update("UPDATE restart_runs SET fail_code = 'unconfirmed' WHERE id = ?", halted);
        fixtures().result(halted, target, name, name, "restarted", 1, "fetch", "set on the target", "unconfirmed",
                UNCONFIRMED_WINDOW, null);
        return new HaltedUnconfirmed(target, halted);
    }

    private static String page(String session, String path) {
        Response response = given().cookie(SessionTokens.SESSION_COOKIE, session).get(path);
        response.then().statusCode(200);
        return response.asString();
    }

    private static String admin() {
        return Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
    }

    /** The settings overview as an admin's browser gets it right after a write whose notice is {@code notice}. */
    private static String noticed(dev.keyhouse.settings.SettingsNotice notice) {
        return given().cookie(SessionTokens.SESSION_COOKIE, admin()).cookie(dev.keyhouse.web.Flash.COOKIE, notice.key())
                .get("/admin/settings").then().statusCode(200).extract().asString();
    }

    private static String viewer() {
        String email = Browser.uniqueEmail("rollout-viewer");
        Browser.newUser(email, "viewer");
        return Browser.session(email, Browser.PASSWORD);
    }
}
