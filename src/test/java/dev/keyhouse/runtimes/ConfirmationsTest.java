package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.settings.ProviderEnvironment;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Issue 16: which confirmation applies to a target and why. Every branch of {@code auto} with real signals: status
 * reports through {@code POST /api/v1/internal/runtime-status}, fetches through the runtime-config endpoint, a
 * target's runtimes from a real "restart now" run (or, for a kubernetes workload no cluster here can restart, a
 * result row written in SQL); the REST answer carries the same decision.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class ConfirmationsTest {

    private static final String NONE_REASON = "no runtime reports, fetches by name or has a healthcheck: a restart"
            + " that succeeds counts";

    @Inject
    Confirmations confirmations;
    @Inject
    RuntimeTargets targets;
    @Inject
    TargetRuntimes runtimes;
    @Inject
    ProviderEnvironment environment;
    @Inject
    DataSource db;
    @Inject
    RuntimeAcks acks;

    private final RuntimeApi api = new RuntimeApi();

    @BeforeEach
    void aVersionToReportOn() {
        if (environment.current().version() < 1) {
            api.saveLlmKey("sk-confirm-test-" + RuntimeRestartTest.unique() + "-7c1d0e").then().statusCode(200);
        }
    }

    @AfterEach
    void deleteTargets() {
        api.deleteCreated();
    }

    @Test
    void autoClimbsFromNoneToFetchToReportAsTheTargetsRuntimeShowsWhatItGives() throws Exception {
        String name = "confirm-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        // a command target's one runtime is named as the target: its report counts before any restart
        report(name, "ok");
        reportedMinutesAgo(name, 2);
        assertDecision(id, Confirmations.REPORT, name + " reported ok 2 min ago", false);

        restartNow(id);
        // and after its restart, the same runtime; a fresh target that shows nothing stays at none
        assertDecision(id, Confirmations.REPORT, name + " reported ok 2 min ago", false);
        String quiet = "confirm-quiet-" + RuntimeRestartTest.unique();
        long quietId = api.command(quiet, List.of("tts"), "true", null);
        restartNow(quietId);
        assertDecision(quietId, Confirmations.NONE, NONE_REASON, true);

        api.fetchRuntimeConfig(quiet).then().statusCode(200);
        fetchedMinutesAgo(quiet, 4);
        assertDecision(quietId, Confirmations.FETCH, "no runtime has reported; " + quiet + " fetched by name 4 min ago",
                false);
        // another runtime's report, however alike its name, is not this target's
        report(quiet + "-2", "ok");
        report(quiet.substring(0, quiet.length() - 1), "ok");
        assertDecision(quietId, Confirmations.FETCH, "no runtime has reported; " + quiet + " fetched by name 4 min ago",
                false);

        report(quiet, "failing");
        reportedMinutesAgo(quiet, 3);
        assertDecision(quietId, Confirmations.REPORT, quiet + " reported failing 3 min ago", false);
        JsonPath json = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + quietId).then().statusCode(200)
                .extract().jsonPath();
        assertThat(json.getMap("confirmationApplied")).isEqualTo(Map.of("mode", "report",
                "reason", quiet + " reported failing 3 min ago", "weak", false));
        assertThat(json.getString("confirmation")).isEqualTo("auto");
    }

    @Test
    void anExplicitModeIsUsedAsSet() {
        for (String mode : List.of("report", "fetch", "none")) {
            long id = api.create(Map.of("name", "confirm-set-" + RuntimeRestartTest.unique(), "driver", "command",
                    "dependsOn", List.of("tts"), "confirmation", mode, "config", Map.of("command", "true")));
            assertDecision(id, mode, "set on the target", mode.equals("none"));
        }
        // health only where a health signal exists (RuntimeTargetsTest: refused on command, systemd, http)
        long id = api.create(Map.of("name", "confirm-set-" + RuntimeRestartTest.unique(), "driver", "kubernetes",
                "dependsOn", List.of("tts"), "confirmation", "health", "config", Map.of("namespace", "voice",
                        "labelSelector", "app=voice", "secretName", "voice-provider-env")));
        assertDecision(id, Confirmations.HEALTH, "set on the target", true);
    }

    /**
     * Issue 16 (breaker): command, systemd and http restart one runtime named as the target, so what a runtime of
     * that name showed before the target's first run counts for {@code auto}: a report before a fetch, a fetch alone.
     * A driver whose runtimes are found otherwise (kubernetes here) does not take a runtime by the target's name.
     */
    @Test
    void aRuntimeNamedAsTheTargetCountsBeforeTheFirstRunForDriversWhoseRuntimeIsTheTarget() throws Exception {
        String newrt = "newrt-" + RuntimeRestartTest.unique();
        report(newrt, "ok");
        api.fetchRuntimeConfig(newrt).then().statusCode(200);
        reportedMinutesAgo(newrt, 5);
        fetchedMinutesAgo(newrt, 1);
        long command = api.command(newrt, List.of("tts"), "true", null);
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + command).then().statusCode(200)
                .extract().jsonPath().getMap("confirmationApplied")).isEqualTo(Map.of("mode", "report",
                        "reason", newrt + " reported ok 5 min ago", "weak", false));
        // breaker b20 L4: what a run's result keeps says when, never an age the stored text would freeze
        assertThat(confirmations.decide(targets.get(command)).recorded())
                .matches(java.util.regex.Pattern.quote(newrt + " reported ok at ")
                        + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC");

        String unit = "newrt-unit-" + RuntimeRestartTest.unique();
        api.fetchRuntimeConfig(unit).then().statusCode(200);
        fetchedMinutesAgo(unit, 3);
        long systemd = api.create(Map.of("name", unit, "driver", "systemd", "dependsOn", List.of("tts"),
                "config", Map.of("unit", "voxcore@*.service")));
        assertDecision(systemd, Confirmations.FETCH, "no runtime has reported; " + unit + " fetched by name 3 min ago",
                false);

        String hook = "newrt-hook-" + RuntimeRestartTest.unique();
        report(hook, "failing");
        reportedMinutesAgo(hook, 6);
        long http = api.create(Map.of("name", hook, "driver", "http", "dependsOn", List.of("tts"), "config",
                Map.of("url", "http://voice-1.internal:8443/reload", "secret", "newrt-signing-secret-4b7d1e9a0c3f")));
        assertDecision(http, Confirmations.REPORT, hook + " reported failing 6 min ago", false);
        // a name that only starts like the target's is another runtime
        String near = "newrt-near-" + RuntimeRestartTest.unique();
        report(near + "-2", "ok");
        long nearId = api.command(near, List.of("tts"), "true", null);
        assertDecision(nearId, Confirmations.NONE, NONE_REASON, true);

        String workload = "newrt-k8s-" + RuntimeRestartTest.unique();
        report(workload, "ok");
        long k8s = api.create(Map.of("name", workload, "driver", "kubernetes", "dependsOn", List.of("tts"),
                "config", Map.of("namespace", "voice", "labelSelector", "app=voice", "secretName", "voice-env")));
        assertDecision(k8s, Confirmations.HEALTH, "no runtime has reported or fetched by name; Kubernetes reports each"
                + " workload's rollout status", true);
    }

    /**
     * Issue 19 (breaker b19 D, and h19e point 1): a command target's process keeps the name it was restarted under
     * until its next restart, so {@code auto} counts its reports under that name after a rename, as a rollout's gate
     * does ({@link TargetRuntimes.NamesNow#all}): it read the current name only and resolved to none right after the
     * rename. A report under the old name does not count once another target has that name, nor once the renamed
     * target was restarted under its new name.
     */
    @Test
    void autoCountsTheNameARenamedTargetsProcessWasRestartedUnder() throws Exception {
        String name = "confirm-old-" + RuntimeRestartTest.unique();
        String renamed = "confirm-new-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        restartNow(id);
        report(name, "ok");
        reportedMinutesAgo(name, 2);
        assertDecision(id, Confirmations.REPORT, name + " reported ok 2 min ago", false);
        given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body(Map.of("name", renamed))
                .put("/api/v1/runtimes/" + id).then().statusCode(200);
        assertDecision(id, Confirmations.REPORT, name + " reported ok 2 min ago", false);
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(200).extract()
                .jsonPath().getString("confirmationApplied.mode")).as("the API's answer").isEqualTo("report");

        // another target named as the old name now: that report is its runtime's, not the renamed target's
        long other = api.command(name, List.of("tts"), "true", null);
        assertDecision(other, Confirmations.REPORT, name + " reported ok 2 min ago", false);
        assertDecision(id, Confirmations.NONE, NONE_REASON, true);
        given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + other).then().statusCode(204);
        assertDecision(id, Confirmations.REPORT, name + " reported ok 2 min ago", false);

        // restarted under its new name: its process no longer answers to the old one
        restartNow(id);
        assertDecision(id, Confirmations.NONE, NONE_REASON, true);
    }

    /**
     * Issue 19 (b19 C): a command target's runtime learns its name at its restart ({@link TargetRuntimes#KNOWN}, whose
     * runtimes receive the target's shared secrets). Renamed before its restart, it was restarted under its new name:
     * the old one (its result's runtime, as discovered) is no runtime of it. Renamed after its restart, the name it was
     * restarted under is still one until its next restart (b19 E), unless another target has it now.
     */
    @Test
    void aTargetsRuntimesCountTheNameItWasRestartedUnderNotTheOneItWasDiscoveredUnder() throws Exception {
        String was = "confirm-was-" + RuntimeRestartTest.unique();
        String name = "confirm-now-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        update("WITH run AS (INSERT INTO restart_runs (state, cause, created_by) VALUES ('succeeded', 'manual', 'test')"
                + " RETURNING id) INSERT INTO restart_results (run_id, target_id, target_name, driver, runtime, state,"
                + " restarted_as) SELECT run.id, ?, ?, 'command', ?, 'restarted', ? FROM run", id, was, was, name);
        assertThat(runtimes.targetsOf(was)).as("restarted under its new name").doesNotContain(id);
        assertThat(runtimes.targetsOf(name)).containsExactly(id);

        update("UPDATE restart_results SET restarted_as = ? WHERE target_id = ?", was, id);
        assertThat(runtimes.targetsOf(was)).as("restarted under the old name, renamed since").containsExactly(id);
        long other = api.command(was, List.of("tts"), "true", null);
        assertThat(runtimes.targetsOf(was)).as("the old name is another target's now").containsExactly(other);
    }

    /**
     * Kubernetes always has a health signal (the rollout status, asked of no cluster here); its workload's report
     * comes from a pod, matched as {@link RuntimeAcks#matches} matches it ({@code Deployment/voice} ← {@code voice-…}).
     */
    @Test
    void aKubernetesWorkloadFallsBackToHealthAndIsConfirmedByItsPodsReports() throws Exception {
        String workload = "kvoice-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", "confirm-k8s-" + RuntimeRestartTest.unique(), "driver", "kubernetes",
                "dependsOn", List.of("tts"), "config", Map.of("namespace", "voice", "labelSelector", "app=voice",
                        "secretName", "voice-provider-env")));
        assertDecision(id, Confirmations.HEALTH, "no runtime has reported or fetched by name; Kubernetes reports each"
                + " workload's rollout status", true);

        update("WITH run AS (INSERT INTO restart_runs (state, cause, created_by) VALUES ('succeeded', 'manual', 'test')"
                + " RETURNING id) INSERT INTO restart_results (run_id, target_id, target_name, driver, runtime, state)"
                + " SELECT run.id, ?, 'confirm-k8s', 'kubernetes', ?, 'restarted' FROM run", id, "Deployment/" + workload);
        report(workload + "x-5d8f7c-x2x9q", "ok");
        report(workload + "db-0", "ok");
        assertDecision(id, Confirmations.HEALTH, "no runtime has reported or fetched by name; Kubernetes reports each"
                + " workload's rollout status", true);

        api.fetchRuntimeConfig(workload + "-5d8f7c-b7k2p").then().statusCode(200);
        fetchedMinutesAgo(workload + "-5d8f7c-b7k2p", 1);
        assertDecision(id, Confirmations.FETCH, "no runtime has reported; " + workload + "-5d8f7c-b7k2p fetched by name"
                + " 1 min ago", false);
        report(workload + "-5d8f7c-x2x9q", "ok");
        reportedMinutesAgo(workload + "-5d8f7c-x2x9q", 7);
        assertDecision(id, Confirmations.REPORT, workload + "-5d8f7c-x2x9q reported ok 7 min ago", false);
    }

    private void assertDecision(long id, String mode, String reason, boolean weak) {
        Confirmations.Decision decided = confirmations.decide(targets.get(id));
        assertThat(List.of(decided.mode(), decided.reason(), decided.weak())).isEqualTo(List.of(mode, reason, weak));
        // what a run's result keeps: the same words with the signal's time, never its age (b20 L4)
        String said = reason.replaceFirst(" \\d+ (s|min|h|d) ago$", "");
        assertThat(decided.recorded()).matches(said.equals(reason) ? java.util.regex.Pattern.quote(reason)
                : java.util.regex.Pattern.quote(said + " at ") + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC");
    }

    private void restartNow(long id) throws InterruptedException {
        long run = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .post("/api/v1/runtimes/" + id + "/restart").then().statusCode(202).extract().jsonPath().getLong("id");
        assertThat(api.awaitRun(run, Duration.ofSeconds(30)).getString("state")).isEqualTo("succeeded");
    }

    private void report(String runtime, String status) {
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", runtime)
                .contentType(ContentType.JSON)
                .body(Map.of("version", environment.current().version(), "status", status))
                .post("/api/v1/internal/runtime-status").then().statusCode(204);
    }

    /** Moves a runtime's report back in time (plus half a minute, so the age reads the same for the test's run). */
    private void reportedMinutesAgo(String runtime, int minutes) throws SQLException {
        update("UPDATE runtime_status SET reported_at = now() - make_interval(secs => ?) WHERE runtime = ?",
                minutes * 60 + 30, runtime);
    }

    private void fetchedMinutesAgo(String runtime, int minutes) throws SQLException {
        acks.flush(); // fetches are written in batches; write what is pending
        update("UPDATE runtime_acks SET acked_at = now() - make_interval(secs => ?) WHERE runtime = ?",
                minutes * 60 + 30, runtime);
    }

    private void update(String sql, Object... parameters) throws SQLException {
        try (Connection connection = db.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        }
    }
}
