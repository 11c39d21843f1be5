package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.vault.VaultStandIn;
import dev.keyhouse.Profiles;
import dev.keyhouse.vault.VaultStandInResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * A new KV version of a secret an LLM setting references, picked up by {@link VaultWatch}: saved as a new setting
 * version by {@code vault}, checked with the provider (OpenAI's stand-in) in enforce mode, audited, and restarted like
 * an admin's save, so the runtime comes back on the new value; a version the check refuses, or without the key,
 * changes nothing and is audited once.
 */
@QuarkusTest
@TestProfile(Profiles.LoggedToFile.class)
class VaultWatchTest {

    static final OpenAiStandIn OPENAI = new OpenAiStandIn();

    @Inject
    DataSource db;

    @Inject
    VaultWatch watch;

    /** What a second replica's watcher is made of: the same beans, its own replica id. */
    @Inject
    jakarta.persistence.EntityManager em;
    @Inject
    ProviderSettings settings;
    @Inject
    CheckedSaves saves;
    @Inject
    ProviderEntries entries;
    @Inject
    dev.keyhouse.vault.VaultReferences references;
    @Inject
    dev.keyhouse.audit.Audit audit;

    @AfterAll
    static void stop() {
        OPENAI.close();
    }

    private static Map<String, Object> llm(String apiKey) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", "openai");
        body.put("model", "gpt-4o-mini");
        body.put("baseUrl", OPENAI.baseUrl());
        body.put("apiKey", apiKey);
        return body;
    }

    private static String servedLlmKey() {
        return given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get("/api/v1/internal/runtime-config")
                .then().statusCode(200).extract().jsonPath().getString("env.LLM_API_KEY");
    }

    private long count(String sql, Object... parameters) {
        return Long.parseLong(Rows.column(db, sql, parameters).get(0));
    }

    private JsonPath awaitRun(long id) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonPath run = null;
        while (System.nanoTime() < deadline) {
            run = given().auth().oauth2(Clients.admin()).get("/api/v1/restarts/" + id).then().statusCode(200)
                    .extract().jsonPath();
            if (run.getBoolean("finished")) {
                return run;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("restart run " + id + " did not finish: " + run.prettify());
    }

    @Test
    void aNewKvVersionIsSavedByVaultCheckedAndRestartedAsAnAdminsSave() throws Exception {
        VaultStandIn vault = VaultStandInResource.vault();
        String first = OPENAI.key(Scenario.GOOD);
        String path = "llm/watch-" + System.nanoTime();
        vault.put("secret", path, Map.of("openai_key", first));
        Path envFile = Files.createTempDirectory("vault-watch").resolve("voice.env");
        long target = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "vault-watch-" + System.nanoTime(), "driver", "command", "dependsOn", List.of("llm"),
                        "config", Map.of("command", "true", "environmentFile", envFile.toString())))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        try {
            Clients.put("llm", Clients.version("llm"), llm("vault:secret/" + path + "#openai_key")).then().statusCode(200);
            assertThat(servedLlmKey()).isEqualTo(first);
            long version = Clients.version("llm");

            // watching off (VAULT_WATCH_INTERVAL_SECONDS=0 in this profile, whose tests call poll themselves): a new version is not picked up by the tick
            String second = OPENAI.key(Scenario.GOOD);
            int kvVersion = vault.put("secret", path, Map.of("openai_key", second));
            assertThat(watch.enabled()).isFalse();
            watch.tick();
            assertThat(Clients.version("llm")).isEqualTo(version);
            assertThat(servedLlmKey()).as("pinned: a new KV version alone changes nothing served").isEqualTo(first);

            OPENAI.clearReceived();
            List<VaultWatch.Change> changes = watch.poll();

            assertThat(changes).extracting(VaultWatch.Change::outcome).containsExactly("saved");
            assertThat(OPENAI.received()).as("the new value was checked with the provider before it spread")
                    .anyMatch(r -> ("Bearer " + second).equals(r.header("authorization")));
            JsonPath setting = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").then()
                    .statusCode(200).extract().jsonPath();
            assertThat(setting.getLong("version")).isEqualTo(version + 1);
            assertThat(setting.getString("updatedBy")).isEqualTo("vault");
            assertThat(servedLlmKey()).isEqualTo(second);
            // the save's own entries (the new key's first check is audited by system: setting.check.changed)
            assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE kind = 'llm' AND action"
                    + " <> 'setting.check.changed' ORDER BY id DESC LIMIT 2"))
                    .containsExactlyInAnyOrder("vault setting.save", "vault setting.vault.change");
            assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.vault.change' ORDER BY id"
                    + " DESC LIMIT 1").get(0)).startsWith("Vault secret secret/data/" + path + " version "
                    + (kvVersion - 1) + " -> " + kvVersion + "; saved as llm version " + (version + 1));
            long run = Long.parseLong(Rows.column(db, "SELECT id FROM restart_runs WHERE kind = 'llm' AND"
                    + " settings_version = ? AND created_by = 'vault'", version + 1).get(0));
            assertThat(awaitRun(run).getString("state")).isEqualTo("succeeded");
            assertThat(Files.readString(envFile, StandardCharsets.UTF_8)).as("the runtime came back on the new value")
                    .contains("LLM_API_KEY=" + second + "\n");

            // the next poll finds nothing behind
            assertThat(watch.poll()).isEmpty();

            // rolled back (as a failed rollout does by itself): the rolled-back Vault version is not applied again
            given().auth().oauth2(Clients.admin()).header("If-Match", "\"" + (version + 1) + "\"")
                    .post("/api/v1/settings/llm/rollback").then().statusCode(200);
            assertThat(servedLlmKey()).isEqualTo(first);
            assertThat(watch.poll()).as("no save undoes the rollback").isEmpty();
            assertThat(watch.poll()).isEmpty();
            VaultWatch replica = new VaultWatch(em, settings, saves, entries, references, audit, 60);
            assertThat(replica.poll()).as("another replica, or this one restarted, holds it too").isEmpty();
            assertThat(Clients.version("llm")).isEqualTo(version + 2);
            assertThat(count("SELECT count(*) FROM audit_events WHERE action = 'setting.vault.held' AND detail LIKE ?",
                    "%secret/data/" + path + " version " + kvVersion + " is not applied: llm was rolled back%"))
                    .isEqualTo(1);

            // a version whose key the provider refuses: nothing saved, runtimes keep the pinned one, audited once
            String invalid = OPENAI.key(Scenario.INVALID);
            vault.put("secret", path, Map.of("openai_key", invalid));
            assertThat(watch.poll()).extracting(VaultWatch.Change::outcome).containsExactly("refused");
            assertThat(watch.poll()).as("a refused version is not tried again").isEmpty();
            OPENAI.clearReceived();
            assertThat(replica.poll()).as("nor by another replica, or this one restarted").isEmpty();
            assertThat(OPENAI.received()).as("the refused key was checked once across replicas").isEmpty();
            assertThat(Clients.version("llm")).isEqualTo(version + 2);
            assertThat(servedLlmKey()).isEqualTo(first);
            assertThat(count("SELECT count(*) FROM audit_events WHERE action = 'setting.vault.refused' AND detail LIKE ?",
                    "%secret/data/" + path + "%invalid_key%")).isEqualTo(1);

            // a later version without the key: refused by name, still nothing served but the pinned value
            vault.put("secret", path, Map.of("other_key", "x"));
            List<VaultWatch.Change> missing = watch.poll();
            assertThat(missing).extracting(VaultWatch.Change::outcome).containsExactly("refused");
            assertThat(missing.get(0).detail()).contains("openai_key");
            assertThat(servedLlmKey()).isEqualTo(first);

            // sealed: nothing can be watched, nothing changes, nothing throws
            vault.put("secret", path, Map.of("openai_key", OPENAI.key(Scenario.GOOD)));
            vault.seal(true);
            try {
                assertThat(watch.poll()).isEmpty();
            } finally {
                vault.seal(false);
            }
            assertThat(Clients.version("llm")).isEqualTo(version + 2);

            // typed with its version, a reference is held there: the watcher leaves it however Vault moves on
            Clients.put("llm", version + 2, llm("vault:secret/" + path + "#openai_key?version=" + kvVersion))
                    .then().statusCode(200)
                    .body("apiKey.vault.reference", org.hamcrest.Matchers.equalTo(
                            "vault:secret/" + path + "#openai_key?version=" + kvVersion + "&hold"));
            assertThat(servedLlmKey()).isEqualTo(second);
            vault.put("secret", path, Map.of("openai_key", OPENAI.key(Scenario.GOOD)));
            assertThat(watch.poll()).as("held").isEmpty();
            assertThat(replica.poll()).isEmpty();
            assertThat(Clients.version("llm")).isEqualTo(version + 3);
            assertThat(servedLlmKey()).isEqualTo(second);
            String all = String.join("\n", Rows.column(db, "SELECT t::text FROM audit_events t"));
            assertThat(all).doesNotContain(first, second, invalid);
        } finally {
            given().auth().oauth2(Clients.admin()).delete("/api/v1/runtimes/" + target).then().statusCode(204);
            // the test database outlives this profile: the next one has no VAULT_ADDR, so no reference may stay
            Clients.put("llm", Clients.version("llm"), llm(OPENAI.key(Scenario.GOOD))).then().statusCode(200);
        }
    }

    /**
     * Issue 19: a fallback entry's {@code vault:} reference is followed exactly as a primary's. A new KV version is
     * saved as a new entry version by {@code vault}, checked with the provider (Soniox's stand-in), audited on the
     * fallback, and rolled out to the target depending on stt; a version the check refuses changes nothing; a
     * reference typed with its version is held there.
     */
    @Test
    void aFallbacksReferenceIsFollowedAsAPrimarysIs() throws Exception {
        VaultStandIn vault = VaultStandInResource.vault();
        String path = "stt/watch-" + System.nanoTime();
        String sttEntries = "/api/v1/settings/stt/providers";
        Path envFile = Files.createTempDirectory("vault-watch").resolve("speech.env");
        long target = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "vault-watch-stt-" + System.nanoTime(), "driver", "command", "dependsOn",
                        List.of("stt"), "config", Map.of("command", "true", "environmentFile", envFile.toString())))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            String first = soniox.key(Scenario.GOOD);
            vault.put("secret", path, Map.of("soniox_key", first));
            Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model", "nova-3", "baseUrl",
                    "http://127.0.0.1:9", "apiKey", "dg-vault-watch-" + System.nanoTime())).then().statusCode(200);
            Map<String, Object> fallback = new LinkedHashMap<>(Map.of("provider", "soniox", "model",
                    "stt-rt-preview", "baseUrl", soniox.url(), "apiKey", "vault:secret/" + path + "#soniox_key"));
            JsonPath added = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).body(fallback)
                    .post(sttEntries).then().statusCode(201).extract().jsonPath();
            long id = added.getLong("id");
            assertThat(added.getString("apiKey.vault.reference")).as("followed: pinned, not held")
                    .isEqualTo("vault:secret/" + path + "#soniox_key?version=1");
            assertThat(servedSonioxKey()).isEqualTo(first);

            String second = soniox.key(Scenario.GOOD);
            int kvVersion = vault.put("secret", path, Map.of("soniox_key", second));
            soniox.clearReceived();
            List<VaultWatch.Change> changes = watch.poll();

            assertThat(changes).extracting(VaultWatch.Change::outcome, VaultWatch.Change::entryId)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("saved", id));
            assertThat(soniox.received()).as("the new value was checked with the provider before it spread")
                    .anyMatch(r -> ("Bearer " + second).equals(r.header("authorization")));
            JsonPath entry = given().auth().oauth2(Clients.admin()).get(sttEntries + "/" + id).then().statusCode(200)
                    .extract().jsonPath();
            assertThat(entry.getLong("version")).isEqualTo(2);
            assertThat(entry.getString("updatedBy")).isEqualTo("vault");
            assertThat(entry.getString("apiKey.vault.reference"))
                    .isEqualTo("vault:secret/" + path + "#soniox_key?version=" + kvVersion);
            assertThat(servedSonioxKey()).isEqualTo(second);
            assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.vault.change' AND"
                    + " target = ? ORDER BY id DESC LIMIT 1", "stt fallback " + id).get(0)).startsWith("Vault secret"
                    + " secret/data/" + path + " version " + (kvVersion - 1) + " -> " + kvVersion
                    + "; saved as stt fallback " + id + " version 2");
            long run = Long.parseLong(Rows.column(db, "SELECT id FROM restart_runs WHERE kind = 'stt' AND"
                    + " created_by = 'vault' ORDER BY id DESC LIMIT 1").get(0));
            assertThat(awaitRun(run).getString("state")).isEqualTo("succeeded");
            assertThat(Files.readString(envFile, StandardCharsets.UTF_8)).as("the runtime came back on the new value")
                    .contains("SONIOX_API_KEY=" + second + "\n");
            assertThat(watch.poll()).as("nothing behind any more").isEmpty();

            // a version whose key the provider refuses: nothing saved, audited once on the fallback
            String invalid = soniox.key(Scenario.INVALID);
            vault.put("secret", path, Map.of("soniox_key", invalid));
            assertThat(watch.poll()).extracting(VaultWatch.Change::outcome).containsExactly("refused");
            assertThat(watch.poll()).as("a refused version is not tried again").isEmpty();
            assertThat(servedSonioxKey()).isEqualTo(second);
            assertThat(count("SELECT count(*) FROM audit_events WHERE action = 'setting.vault.refused' AND target = ?",
                    "stt fallback " + id)).isEqualTo(1);

            // typed with its version, the fallback's reference is held there however Vault moves on
            fallback.put("apiKey", "vault:secret/" + path + "#soniox_key?version=" + kvVersion);
            given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).header("If-Match", "\"2\"")
                    .body(fallback).put(sttEntries + "/" + id).then().statusCode(200)
                    .body("apiKey.vault.reference", org.hamcrest.Matchers.equalTo(
                            "vault:secret/" + path + "#soniox_key?version=" + kvVersion + "&hold"));
            vault.put("secret", path, Map.of("soniox_key", soniox.key(Scenario.GOOD)));
            assertThat(watch.poll()).as("held").isEmpty();
            assertThat(servedSonioxKey()).isEqualTo(second);
            assertThat(String.join("\n", Rows.column(db, "SELECT t::text FROM audit_events t")))
                    .doesNotContain(first, second, invalid);
        } finally {
            given().auth().oauth2(Clients.admin()).delete("/api/v1/runtimes/" + target).then().statusCode(204);
            // no reference may stay for the next profile, which has no VAULT_ADDR
            ProviderEntriesTest.removeFallbacks(db);
        }
    }

    private static String servedSonioxKey() {
        return given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get("/api/v1/internal/runtime-config")
                .then().statusCode(200).extract().jsonPath().getString("env.SONIOX_API_KEY");
    }
}
