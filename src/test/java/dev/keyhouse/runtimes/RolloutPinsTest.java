package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.settings.EnvironmentPins;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.SettingField;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Issue 16, "no back door to the new key": while a rollout of the LLM kind waits (its rows inserted here with SQL,
 * as the engine would leave them), a runtime whose wave has not come, one whose target is on hold, and a pod of a
 * waiting Deployment are served the previous key and version in both formats, with an ETag and an acknowledgement
 * of that version; everything else (an unnamed runtime, another name, a runtime being restarted) gets the new key;
 * while a failed rollout rolls back, the runtimes it never moved stay pinned; the pin ends with the run or when
 * its row's wave comes.
 */
@QuarkusTest
class RolloutPinsTest {

    private static final String URL = "/api/v1/internal/runtime-config";

    @Inject
    DataSource db;
    @Inject
    RuntimeAcks acks;
    @Inject
    SecretFingerprints fingerprints;
    @Inject
    EnvironmentPins pins;
    @ConfigProperty(name = "quarkus.datasource.jdbc.max-size", defaultValue = "20")
    int poolSize;
    @TestHTTPResource(URL)
    URI endpoint;

    private final RuntimeApi api = new RuntimeApi();
    private String tag;
    private String oldKey;
    private String newKey;
    /** The LLM kind's version before and after the save the rollout is for. */
    private long previous;
    private long saved;
    private long run;

    @BeforeEach
    void rolloutOfANewLlmKey() {
        tag = RuntimeRestartTest.unique();
        oldKey = "sk-pins-old-" + tag + "-0a1b2c3d4e";
        newKey = "sk-pins-new-" + tag + "-5f6a7b8c9d";
        api.saveLlmKey(oldKey).then().statusCode(200);
        previous = llmVersion();
        api.saveLlmKey(newKey).then().statusCode(200);
        saved = llmVersion();
        assertThat(saved).isEqualTo(previous + 1);
        run = insertRun("waiting_approval", true, previous);
        insertResult(run, "chat-2-" + tag, "waiting", 2);
        insertResult(run, "held-" + tag, "held", null);
        insertResult(run, "Deployment/voice" + tag, "waiting", 2);
        // the canary is being restarted (a lease far ahead, so no executor takes it over): it fetches the new key
        insertResult(run, "chat-1-" + tag, "running", 1);
    }

    @AfterEach
    void endRun() {
        update("UPDATE restart_runs SET state = 'aborted', finished_at = now() WHERE id = ?", run);
    }

    @Test
    void aRuntimeWhoseWaveHasNotComeIsServedThePreviousKeyInBothFormatsWithItsOwnETagAndAck() {
        long current = currentVersion();
        long pinned = current - (saved - previous);
        Response json = fetch("chat-2-" + tag, null, null);
        json.then().statusCode(200);
        assertThat(json.jsonPath().getString("env.LLM_API_KEY")).isEqualTo(oldKey);
        assertThat(json.jsonPath().getString("env.OPENAI_API_KEY")).isEqualTo(oldKey);
        assertThat(json.jsonPath().getLong("version")).isEqualTo(pinned);
        // a held sum can be another configuration's version (this one's was the fleet's before a save of another
        // kind): the ETag names the held contents, so the bare number, any configuration's of that version, is not it
        String etag = json.header("ETag");
        assertThat(etag).matches("\"" + pinned + "-h[0-9a-f]{8}\"");
        assertThat(json.asString()).doesNotContain(newKey);
        assertThat(ack("chat-2-" + tag)).containsExactly(pinned + " " + fingerprints.of(oldKey));

        // its own ETag is unchanged; the current one is not its version, so it gets its pinned answer again
        fetch("chat-2-" + tag, etag, null).then().statusCode(304);
        fetch("chat-2-" + tag, "\"" + pinned + "\"", null).then().statusCode(200);
        Response again = fetch("chat-2-" + tag, "\"" + current + "\"", null);
        again.then().statusCode(200);
        assertThat(again.jsonPath().getString("env.LLM_API_KEY")).isEqualTo(oldKey);

        String lines = fetch("chat-2-" + tag, null, "env").then().statusCode(200).extract().asString();
        assertThat(lines).startsWith("# Keyhouse runtime config, configuration version " + pinned + "\n")
                .contains("LLM_API_KEY=" + oldKey + "\n", "OPENAI_API_KEY=" + oldKey + "\n").doesNotContain(newKey);
    }

    @Test
    void aHeldRuntimeAndEveryPodOfAWaitingDeploymentKeepThePreviousKey() {
        for (String runtime : List.of("held-" + tag, "voice" + tag + "-5d8f7c-x2x9q", "voice" + tag + "-7b9c4-k2m4z",
                "Deployment/voice" + tag)) {
            Response json = fetch(runtime, null, null);
            json.then().statusCode(200);
            assertThat(json.jsonPath().getString("env.LLM_API_KEY")).as(runtime).isEqualTo(oldKey);
            assertThat(json.jsonPath().getLong("version")).as(runtime)
                    .isEqualTo(currentVersion() - (saved - previous));
        }
        assertThat(pins.pinsFor("voice" + tag + "-5d8f7c-x2x9q"))
                .containsExactly(new EnvironmentPins.Pin("llm", previous, run));
    }

    @Test
    void everyOtherRuntimeGetsTheNewKey() {
        long current = currentVersion();
        // unnamed (cannot be held back), another name, a name that only starts like the workload, the canary being
        // restarted, a name that only contains a waiting one, and (issue 19, K) a pod of another Deployment whose name
        // begins with the waiting one's and a target named so: never the waiting workload's pods
        Response unnamed = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get(URL);
        assertThat(unnamed.jsonPath().getString("env.LLM_API_KEY")).isEqualTo(newKey);
        assertThat(unnamed.jsonPath().getLong("version")).isEqualTo(current);
        for (String runtime : List.of("other-" + tag, "voice" + tag + "x-5d8f7c-x2x9q", "chat-1-" + tag,
                "chat-2-" + tag + "-b", "x-chat-2-" + tag, "voice" + tag, "voice" + tag + "-eu-5d8f7c-x2x9q",
                "voice" + tag + "-eu")) {
            Response json = fetch(runtime, null, null);
            json.then().statusCode(200);
            assertThat(json.jsonPath().getString("env.LLM_API_KEY")).as(runtime).isEqualTo(newKey);
            assertThat(json.jsonPath().getLong("version")).as(runtime).isEqualTo(current);
            assertThat(json.header("ETag")).isEqualTo("\"" + current + "\"");
        }
        assertThat(ack("chat-1-" + tag)).containsExactly(current + " " + fingerprints.of(newKey));
    }

    @Test
    void thePinEndsWithTheRunOrWhenTheRowsWaveComes() {
        String runtime = "chat-2-" + tag;
        update("UPDATE restart_runs SET state = 'running', current_wave = 1 WHERE id = ?", run);
        assertThat(key(runtime)).as("a running rollout pins too").isEqualTo(oldKey);
        // pending with its attempt an hour ahead, so this application's executor does not claim it meanwhile
        update("UPDATE restart_results SET state = 'pending', next_attempt_at = now() + interval '1 hour'"
                + " WHERE run_id = ? AND runtime = ?", run, runtime);
        assertThat(key(runtime)).as("its wave came: the restart moves it").isEqualTo(newKey);
        assertThat(key("held-" + tag)).isEqualTo(oldKey);
        // a wave failed: the runtimes never moved are cancelled while the previous key is checked and saved again
        update("UPDATE restart_results SET state = 'cancelled' WHERE run_id = ? AND state IN ('waiting', 'pending')",
                run);
        update("UPDATE restart_runs SET state = 'rolling_back' WHERE id = ?", run);
        assertThat(key(runtime)).as("rolling back: never moved, kept off the failed key").isEqualTo(oldKey);
        assertThat(key("voice" + tag + "-5d8f7c-x2x9q")).isEqualTo(oldKey);
        assertThat(key("held-" + tag)).isEqualTo(oldKey);
        assertThat(key("chat-1-" + tag)).as("moved: the rollback wave restarts it").isEqualTo(newKey);
        for (String state : List.of("succeeded", "rolled_back", "halted", "superseded")) {
            update("UPDATE restart_runs SET state = ? WHERE id = ?", state, run);
            assertThat(key("held-" + tag)).as(state).isEqualTo(newKey);
            assertThat(key(runtime)).as(state).isEqualTo(newKey);
        }
    }

    @Test
    void onlyAnOpenRolloutWithAPreviousVersionPins() {
        long manual = insertRun("running", false, previous);
        insertResult(manual, "manual-" + tag, "waiting", null);
        insertResult(manual, "manual-busy-" + tag, "running", null);
        long first = insertRun("waiting_approval", true, 0);
        insertResult(first, "first-" + tag, "waiting", null);
        try {
            assertThat(key("manual-" + tag)).as("a manual run is no rollout").isEqualTo(newKey);
            assertThat(key("first-" + tag)).as("no version before the first").isEqualTo(newKey);
        } finally {
            update("UPDATE restart_runs SET state = 'failed', finished_at = now() WHERE id IN (?, ?)", manual, first);
        }
    }

    /** Fail closed, as for current settings: a pinned version that is not stored is a 503 naming it, never the new key. */
    @Test
    void aPinnedVersionThatCannotBeServedIsWithheldNamingIt() {
        long missing = insertRun("waiting_approval", true, saved + 1000);
        insertResult(missing, "lost-" + tag, "waiting", 2);
        try {
            Response json = fetch("lost-" + tag, null, null);
            json.then().statusCode(503).header("Retry-After", "30");
            assertThat(json.jsonPath().getString("errors[0].field")).isEqualTo("llm.version");
            assertThat(json.jsonPath().getString("errors[0].message")).contains("version " + (saved + 1000),
                    "run " + missing);
            assertThat(json.asString()).doesNotContain(newKey).doesNotContain(oldKey);
            String lines = fetch("lost-" + tag, null, "env").then().statusCode(503).extract().asString();
            assertThat(lines).contains("llm.version (LLM_").doesNotContain(newKey).doesNotContain(oldKey);
            assertThat(ack("lost-" + tag)).isEmpty();
        } finally {
            update("UPDATE restart_runs SET state = 'aborted', finished_at = now() WHERE id = ?", missing);
        }
    }

    /**
     * A pinned version whose key no configured encryption key opens is withheld naming {@code llm.apiKey}, as the
     * current settings would be; the runtimes not pinned are still served the current key.
     */
    @Test
    void aPinnedKeyNoConfiguredKeyOpensIsWithheldNamingIt() {
        KeyRing foreign = KeyRing.of(KeyRing.generateKey(), List.of());
        String foreignKeyId = KeyRing.hex(foreign.currentKeyId());
        UUID id = UUID.randomUUID();
        String purpose = ProviderKind.LLM.purpose(SettingField.API_KEY);
        Ciphertext sealed = new CredentialCipher(foreign).seal(id, purpose, "sk-pins-foreign-" + tag + "-77ab01");
        update("INSERT INTO sealed_values (id, purpose, key_id, ciphertext) VALUES (?, ?, ?, ?)", id, purpose,
                sealed.keyId(), sealed.bytes());
        String stored = Rows.column(db, "SELECT api_key_id FROM provider_setting_versions WHERE kind = 'llm'"
                + " AND version = ?", previous).get(0);
        update("UPDATE provider_setting_versions SET api_key_id = ? WHERE kind = 'llm' AND version = ?", id, previous);
        try {
            Response json = fetch("chat-2-" + tag, null, null);
            json.then().statusCode(503);
            assertThat(json.jsonPath().getString("errors[0].field")).isEqualTo("llm.apiKey");
            assertThat(json.jsonPath().getString("errors[0].message")).contains("needs re-entry", foreignKeyId);
            assertThat(json.asString()).doesNotContain(newKey).doesNotContain(oldKey).doesNotContain("sk-pins-foreign");
            assertThat(key("other-" + tag)).isEqualTo(newKey);
        } finally {
            update("UPDATE provider_setting_versions SET api_key_id = ?::uuid WHERE kind = 'llm' AND version = ?",
                    stored, previous);
        }
    }

    /**
     * The whole fleet fetches at once after a restart: ten times as many pinned and unpinned fetches as the pool has
     * connections all answer 200 with the right key in bounded time (no request holds a connection while it waits
     * for another).
     */
    @Test
    void farMoreConcurrentPinnedAndUnpinnedFetchesThanPooledConnectionsAllAnswer() throws Exception {
        int fetches = poolSize * 10;
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < fetches; i++) {
            String runtime = i % 2 == 0 ? "voice" + tag + "-5d8f7c-" + podSuffix(i) : "fleet-" + tag + "-" + i;
            answers.add(client.sendAsync(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TestSettings.RUNTIME_CONFIG_TOKEN)
                    .header("X-Keyhouse-Runtime", runtime).build(), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        for (int i = 0; i < fetches; i++) {
            HttpResponse<String> answer = answers.get(i).get();
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.body()).contains(i % 2 == 0 ? oldKey : newKey).doesNotContain(i % 2 == 0 ? newKey : oldKey);
        }
        assertThat(took).as(fetches + " fetches against a pool of " + poolSize).isLessThan(Duration.ofSeconds(30));
        acks.flush(); // fetches are written in batches; write what is pending
        assertThat(Rows.column(db, "SELECT count(*) FROM runtime_acks WHERE runtime LIKE ? OR runtime LIKE ?",
                "voice" + tag + "-5d8f7c-%", "fleet-" + tag + "-%")).containsExactly(String.valueOf(fetches));
    }

    /** The 5 random characters of pod {@code i}'s name, as Kubernetes draws them ({@link RuntimeAcks#K8S_RANDOM}). */
    private static String podSuffix(int i) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder suffix = new StringBuilder();
        for (int n = i, k = 0; k < 5; k++, n /= alphabet.length()) {
            suffix.append(alphabet.charAt(n % alphabet.length()));
        }
        return suffix.toString();
    }

    private Response fetch(String runtime, String ifNoneMatch, String format) {
        var request = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", runtime);
        if (ifNoneMatch != null) {
            request = request.header("If-None-Match", ifNoneMatch);
        }
        if (format != null) {
            request = request.queryParam("format", format);
        }
        return request.get(URL);
    }

    private String key(String runtime) {
        Response json = fetch(runtime, null, null);
        json.then().statusCode(200);
        return json.jsonPath().getString("env.LLM_API_KEY");
    }

    private List<String> ack(String runtime) {
        acks.flush(); // fetches are written in batches; write what is pending
        return Rows.column(db, "SELECT settings_version || ' ' || llm_fingerprint FROM runtime_acks WHERE runtime = ?",
                runtime);
    }

    private long llmVersion() {
        return Long.parseLong(Rows.column(db, "SELECT version FROM provider_settings WHERE kind = 'llm'").get(0));
    }

    private long currentVersion() {
        return Long.parseLong(Rows.column(db, "SELECT (SELECT sum(version) FROM provider_settings)"
                + " + (SELECT count(*) FROM shared_secret_versions) + (SELECT count(*) FROM provider_entry_versions)").get(0));
    }

    private long insertRun(String state, boolean rollout, long previousVersion) {
        return Long.parseLong(Rows.column(db, "INSERT INTO restart_runs (state, cause, kind, settings_version,"
                + " created_by, rollout, current_wave, wave_count, previous_version) VALUES (?, ?, 'llm', ?,"
                + " 'rollout-pins-test', ?, 1, 2, ?) RETURNING id", state, rollout ? "save" : "manual", saved,
                rollout, previousVersion).get(0));
    }

    /** A result row; one in state running carries a lease an hour ahead, so no executor claims it. */
    private void insertResult(long runId, String runtime, String state, Integer wave) {
        update("INSERT INTO restart_results (run_id, target_name, driver, runtime, state, wave, claimed_by, lease_until)"
                + " VALUES (?, 'pins-" + tag + "', 'command', ?, ?, ?, ?, "
                + ("running".equals(state) ? "now() + interval '1 hour')" : "NULL)"), runId, runtime, state, wave,
                "running".equals(state) ? "rollout-pins-test" : null);
    }

    /** Commits one statement that changes a row, as another replica would, and waits for its notification. */
    private void update(String sql, Object... parameters) {
        dev.keyhouse.settings.Notified.commit(() -> {
            try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    s.setObject(i + 1, parameters[i]);
                }
                s.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(sql, e);
            }
        });
    }
}
