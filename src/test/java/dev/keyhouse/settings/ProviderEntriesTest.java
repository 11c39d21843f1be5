package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Issue 19: several providers per kind. The kind's setting is its primary; fallbacks are added, changed, moved,
 * disabled and deleted over {@code /api/v1/settings/{kind}/providers} with If-Match, served to runtimes under their
 * providers' own variables with the ordered list, refused when two entries would write one variable (both named),
 * and audited without a secret. Each test deletes the fallbacks it made ({@link #removeFallbacks}).
 */
@QuarkusTest
public class ProviderEntriesTest {

    private static final String CONFIG = "/api/v1/internal/runtime-config";
    private static final String STT = "/api/v1/settings/stt/providers";

    @Inject
    DataSource db;
    @Inject
    ProviderSettings settings;

    private String tag;

    @BeforeEach
    void setUp() {
        tag = UUID.randomUUID().toString().substring(0, 8);
        removeFallbacks(db);
    }

    @AfterEach
    void tearDown() {
        removeFallbacks(db);
    }

    /** Deletes every fallback entry (their history stays, as a deleted entry's does). */
    public static void removeFallbacks(DataSource db) {
        if (!"0".equals(Rows.column(db, "SELECT count(*) FROM provider_entries").get(0))) {
            // a delete that matches nothing notifies nothing: only wait when there is something to delete
            Notified.commit(() -> Rows.update(db, "DELETE FROM provider_entries"));
        }
    }

    /** An add without a provider (none, null, empty, only unknown members) is a 400 naming it, never a 500. */
    @Test
    void anAddWithoutAProviderIsA400NamingIt() {
        List<String> bodies = List.of("{}", "{\"model\":\"x\"}", "{\"provider\":null}", "{\"provider\":\"\"}",
                "{\"colour\":\"x\"}");
        int before = admin().get(STT).jsonPath().getList("provider").size();
        for (String body : bodies) {
            Response refused = admin().contentType(ContentType.JSON).body(body).post(STT);
            assertThat(refused.statusCode()).as(body + ": " + refused.asString()).isEqualTo(400);
            assertThat(refused.jsonPath().getList("errors.field", String.class)).as(body).contains("provider");
        }
        assertThat(admin().get(STT).jsonPath().getList("provider")).as("nothing was added").hasSize(before);
    }

    @Test
    void twoSttEntriesServeBothKeysAndTheOrderedList() {
        String deepgram = "dg-primary-key-" + tag + "-0a1b2c3d";
        String soniox = "soniox-fallback-key-" + tag + "-4e5f";
        savePrimary("deepgram", deepgram);

        Response created = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "apiKey", soniox));
        created.then().statusCode(201);
        long id = created.jsonPath().getLong("id");
        assertThat(created.header("Location")).endsWith(STT + "/" + id);
        assertThat(created.header("ETag")).isEqualTo("\"1\"");
        assertThat(created.jsonPath().getBoolean("primary")).isFalse();
        assertThat(created.jsonPath().getInt("position")).isEqualTo(1);
        assertThat(created.jsonPath().getString("apiKey.fingerprint")).hasSize(8);
        assertThat(created.asString()).doesNotContain(soniox);

        JsonPath config = runtime().get(CONFIG).then().statusCode(200).extract().jsonPath();
        Map<String, String> env = config.getMap("env");
        assertThat(env).containsEntry("STT_PROVIDER", "deepgram").containsEntry("STT_API_KEY", deepgram)
                .containsEntry("DEEPGRAM_API_KEY", deepgram).containsEntry("SONIOX_API_KEY", soniox)
                .containsEntry("STT_SONIOX_MODEL", "stt-rt-preview")
                .containsEntry("STT_PROVIDERS", "deepgram,soniox");
        String lines = runtime().queryParam("format", "env").get(CONFIG).then().statusCode(200).extract().asString();
        assertThat(lines).contains("SONIOX_API_KEY=" + soniox + "\n", "DEEPGRAM_API_KEY=" + deepgram + "\n",
                "STT_PROVIDERS=deepgram,soniox\n");

        List<Map<String, Object>> listed = admin().get(STT).then().statusCode(200).extract().jsonPath().getList("");
        assertThat(listed).extracting(m -> m.get("provider")).containsExactly("deepgram", "soniox");
        assertThat(listed.get(0)).containsEntry("primary", true).containsEntry("id", null);
        assertThat(viewer().get(STT).asString()).contains("soniox")
                .doesNotContain(soniox, deepgram);

        // If-Match as the kind's writes: 428 without, 412 stale or weak
        admin().contentType(ContentType.JSON).body(Map.of("enabled", false)).put(STT + "/" + id).then()
                .statusCode(428);
        admin().contentType(ContentType.JSON).header("If-Match", "\"7\"").body(Map.of("enabled", false))
                .put(STT + "/" + id).then().statusCode(412);
        admin().contentType(ContentType.JSON).header("If-Match", "W/\"1\"").body(Map.of("enabled", false))
                .put(STT + "/" + id).then().statusCode(412);
        viewer().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("enabled", false)).put(STT + "/" + id).then().statusCode(403);

        Response disabled = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("enabled", false)).put(STT + "/" + id);
        disabled.then().statusCode(200);
        assertThat(disabled.header("ETag")).isEqualTo("\"2\"");
        Map<String, String> without = runtime().get(CONFIG).then().statusCode(200).extract().jsonPath().getMap("env");
        assertThat(without).as("a disabled entry serves nothing, and with no enabled fallback no list")
                .doesNotContainKeys("SONIOX_API_KEY", "STT_SONIOX_MODEL", "STT_PROVIDERS")
                .containsEntry("DEEPGRAM_API_KEY", deepgram);

        List<String> audit = Rows.column(db, "SELECT action || ' ' || target || ' ' || detail || ' '"
                + " || coalesce(new_fingerprint, '') FROM audit_events WHERE action LIKE 'setting.entry.%'"
                + " AND target LIKE 'stt fallback " + id + " %' ORDER BY id");
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).startsWith("setting.entry.create stt fallback " + id + " version 1")
                .contains(created.jsonPath().getString("apiKey.fingerprint"));
        assertThat(audit.get(1)).startsWith("setting.entry.disable stt fallback " + id + " version 2");
        assertThat(String.join("\n", audit)).doesNotContain(soniox);
    }

    /**
     * A fallback's history can be rolled back (issue 19, "history and rollback cover every entry"): to its newest
     * earlier version with other fields or another key, skipping moves and enable/disable, If-Match as PUT, audited
     * with old → new and no key, served at once; 409 when there is nothing earlier to restore.
     */
    @Test
    void aFallbackIsRolledBackToItsPreviousKeyAndFields() {
        savePrimary("deepgram", "dg-rollback-primary-" + tag + "-0a1b");
        String first = "soniox-first-key-" + tag + "-aa11";
        String second = "soniox-second-key-" + tag + "-bb22";
        long id = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "apiKey", first)).then()
                .statusCode(201).extract().jsonPath().getLong("id");
        String rollback = STT + "/" + id + "/rollback";
        Response withBody = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("version", 1)).post(rollback);
        assertThat(withBody.statusCode()).as("a body is refused, not ignored").isEqualTo(400);
        assertThat(withBody.jsonPath().getList("errors.field")).containsExactly("version");
        Response nothing = admin().header("If-Match", "\"1\"").post(rollback);
        assertThat(nothing.statusCode()).as(nothing.asString()).isEqualTo(409);
        assertThat(nothing.jsonPath().getString("detail")).contains("has no earlier version");

        admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("provider", "soniox", "model", "stt-rt-v2", "apiKey", second)).put(STT + "/" + id)
                .then().statusCode(200);
        admin().contentType(ContentType.JSON).header("If-Match", "\"2\"").body(Map.of("enabled", false))
                .put(STT + "/" + id).then().statusCode(200);
        admin().contentType(ContentType.JSON).header("If-Match", "\"3\"").body(Map.of("enabled", true))
                .put(STT + "/" + id).then().statusCode(200);
        assertThat(runtime().get(CONFIG).jsonPath().getMap("env")).containsEntry("SONIOX_API_KEY", second);

        admin().post(rollback).then().statusCode(428);
        admin().header("If-Match", "\"3\"").post(rollback).then().statusCode(412);
        viewer().header("If-Match", "\"4\"").post(rollback).then().statusCode(403);
        Response restored = admin().header("If-Match", "\"4\"").post(rollback);
        assertThat(restored.statusCode()).as(restored.asString()).isEqualTo(200);
        assertThat(restored.header("ETag")).isEqualTo("\"5\"");
        assertThat(restored.jsonPath().getString("model")).as("the fields of version 1, the enable/disable skipped")
                .isEqualTo("stt-rt-preview");
        assertThat(restored.jsonPath().getBoolean("enabled")).as("its state stays as it is now").isTrue();
        assertThat(restored.asString()).doesNotContain(first, second);
        Map<String, String> env = runtime().get(CONFIG).jsonPath().getMap("env");
        assertThat(env).containsEntry("SONIOX_API_KEY", first).containsEntry("STT_SONIOX_MODEL", "stt-rt-preview")
                .containsEntry("STT_PROVIDERS", "deepgram,soniox");

        List<String> audit = Rows.column(db, "SELECT action || ' ' || detail FROM audit_events WHERE action ="
                + " 'setting.entry.rollback' AND target LIKE 'stt fallback " + id + " %'");
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0)).contains("restores version 1", "model stt-rt-v2 → stt-rt-preview", "apiKey")
                .doesNotContain(first, second);
    }

    /**
     * Issue 19 (h19h point 2): a rollback restores the newest earlier version with another key (or other fields),
     * never the key in use again. Key A, then key B, then key B typed again: the rollback restores version 1 (key A),
     * not version 2 (key B, the same fingerprint). The same for the kind's primary.
     */
    @Test
    void aRollbackSkipsAVersionWhoseKeyWasOnlyTypedAgain() {
        savePrimary("deepgram", "dg-again-primary-" + tag + "-0a1b");
        String a = "soniox-again-a-" + tag + "-aa11";
        String b = "soniox-again-b-" + tag + "-bb22";
        long id = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "apiKey", a)).then()
                .statusCode(201).extract().jsonPath().getLong("id");
        String keyA = admin().get(STT + "/" + id).jsonPath().getString("apiKey.fingerprint");
        for (int version = 1; version <= 2; version++) {
            // B typed again alone changes nothing (issue 19 point 6): no version 3, the ETag stays "2"
            admin().contentType(ContentType.JSON).header("If-Match", "\"" + Math.min(version, 2) + "\"")
                    .body(Map.of("provider", "soniox", "model", "stt-rt-preview", "apiKey", b)).put(STT + "/" + id)
                    .then().statusCode(200).header("ETag", "\"2\"");
        }
        Response restored = admin().header("If-Match", "\"2\"").post(STT + "/" + id + "/rollback");
        assertThat(restored.statusCode()).as(restored.asString()).isEqualTo(200);
        assertThat(restored.jsonPath().getString("apiKey.fingerprint")).as("key A back").isEqualTo(keyA);
        assertThat(runtime().get(CONFIG).jsonPath().getMap("env")).containsEntry("SONIOX_API_KEY", a);
        assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.entry.rollback'"
                + " AND target LIKE 'stt fallback " + id + " %'")).singleElement().asString()
                .contains("restores version 1", "apiKey");

        // the primary: A, B, B again, then a rollback restores A
        String pa = "dg-again-a-" + tag + "-cc33";
        String pb = "dg-again-b-" + tag + "-dd44";
        savePrimary("deepgram", pa);
        long versionA = Clients.version("stt");
        String primaryA = admin().get("/api/v1/settings/stt").jsonPath().getString("apiKey.fingerprint");
        savePrimary("deepgram", pb);
        savePrimary("deepgram", pb);
        long current = Clients.version("stt");
        assertThat(admin().get("/api/v1/settings/stt").jsonPath().getLong("previousVersion"))
                .as("what the page and API offer to restore").isEqualTo(versionA);
        Response primary = admin().header("If-Match", "\"" + current + "\"").post("/api/v1/settings/stt/rollback");
        assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(200);
        assertThat(primary.jsonPath().getString("apiKey.fingerprint")).isEqualTo(primaryA);
        assertThat(runtime().get(CONFIG).jsonPath().getMap("env")).containsEntry("STT_API_KEY", pa);
        assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.rollback'"
                + " AND target = 'stt version " + (current + 1) + "'")).singleElement().asString()
                .startsWith("restores version " + versionA);
    }

    /**
     * Issue 19 (h19h point 3): a make-primary refused by its live check (422, invalid_key) records that check as the
     * fallback's last check, as a save records its own: {@code lastCheck} says invalid_key, the change is audited.
     */
    @Test
    void aMakePrimaryRefusedByItsCheckRecordsTheCheckAsTheFallbacksLast() {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            savePrimary("deepgram", "dg-refused-primary-" + tag + "-0a1b");
            String key = soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            Response created = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", soniox.url(),
                    "apiKey", key));
            assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
            long id = created.jsonPath().getLong("id");
            assertThat(created.jsonPath().getString("lastCheck.result")).isEqualTo("ok");
            soniox.key(key, dev.keyhouse.checks.StandIn.Scenario.INVALID);

            Response refused = primary(id, 1, Map.of("primaryVersion", Clients.version("stt")));
            assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(422);
            assertThat(refused.jsonPath().getString("check.result")).isEqualTo("invalid_key");
            assertThat(admin().get(STT + "/" + id).jsonPath().getString("lastCheck.result")).isEqualTo("invalid_key");
            // the key's first check (at the add) had no result before it; the refused make-primary's changed it
            String fingerprint = created.jsonPath().getString("apiKey.fingerprint");
            assertThat(checkChanges("stt fallback " + id + " %")).as("kind | target | detail | old | new")
                    .containsExactly("stt | stt fallback " + id + " soniox | not checked yet → ok (HTTP 200) | - | "
                            + fingerprint,
                            "stt | stt fallback " + id + " soniox | ok → invalid_key (HTTP 401, unauthenticated) | "
                                    + fingerprint + " | " + fingerprint);
            assertThat(runtime().get(CONFIG).jsonPath().getString("env.STT_PROVIDER")).as("nothing moved")
                    .isEqualTo("deepgram");
        }
    }

    /**
     * Issue 19 (breaker 19h, finding D): a check is of a key at a provider. One key in the deepgram primary (whose
     * stand-in accepts it) and in a soniox fallback (whose stand-in rejects it): the fallback's invalid_key check is
     * the fallback's last check only; the primary keeps its own ok, in its REST answer and on the settings page's card.
     */
    @Test
    void oneKeyAtTwoProvidersHasALastCheckAtEach() {
        try (dev.keyhouse.checks.DeepgramStandIn deepgram = new dev.keyhouse.checks.DeepgramStandIn();
                dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            String key = deepgram.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            Response saved = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                    "nova-3", "baseUrl", deepgram.url(), "apiKey", key));
            assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
            soniox.key(key, dev.keyhouse.checks.StandIn.Scenario.INVALID);
            Map<String, Object> body = new java.util.HashMap<>(Map.of("provider", "soniox", "model", "stt-rt-preview",
                    "baseUrl", soniox.url(), "apiKey", key));
            body.put("checkOverride", Map.of("reason", "the soniox account is renewed tonight"));
            Response created = post(body);
            assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
            long id = created.jsonPath().getLong("id");

            assertThat(admin().get(STT + "/" + id).jsonPath().getString("lastCheck.result")).isEqualTo("invalid_key");
            JsonPath primary = admin().get("/api/v1/settings/stt").jsonPath();
            assertThat(primary.getString("lastCheck.result")).as("the primary's own check of the key at deepgram")
                    .isEqualTo("ok");
            assertThat(admin().get(STT).jsonPath().getString("[0].lastCheck.result")).isEqualTo("ok");
            io.quarkus.arc.ManagedContext request = io.quarkus.arc.Arc.container().requestContext();
            request.activate();
            try {
                assertThat(io.quarkus.arc.Arc.container().instance(FallbackRows.class).get().check("stt", id)
                        .result()).isEqualTo("invalid key");
            } finally {
                request.terminate();
            }
        }
    }

    /**
     * Issue 19: each entry has its own key checks. A fallback added over a check that found its key invalid (a
     * stand-in answering 401, saved with an override) carries {@code lastCheck} invalid_key on POST, GET and the list;
     * a PUT with a working key carries ok (the change of result audited for that fallback); a rollback to the first
     * key, which runs no check, leaves no result standing for it (the stored one was for another key). The primary's
     * row carries the kind's {@code lastCheck}. The check row goes with the entry.
     */
    @Test
    void eachFallbackCarriesTheLastCheckOfItsOwnKey() {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            savePrimary("deepgram", "dg-entry-check-" + tag + "-0a1b2c3d");
            Object kindCheck = admin().get("/api/v1/settings/stt").jsonPath().get("lastCheck");
            assertThat(kindCheck).as("the primary's save ran a check (egress refused: unreachable)").isNotNull();
            assertThat(admin().get(STT).jsonPath().getMap("[0].lastCheck")).as("the primary's row: the kind's")
                    .isEqualTo(kindCheck);

            String bad = soniox.key(dev.keyhouse.checks.StandIn.Scenario.INVALID);
            Map<String, Object> body = Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl",
                    soniox.url(), "apiKey", bad);
            assertThat(post(body).statusCode()).as("enforce mode: refused without an override").isEqualTo(422);
            Map<String, Object> overridden = new java.util.LinkedHashMap<>(body);
            overridden.put("checkOverride", Map.of("reason", "the key is renewed tonight"));
            Response created = post(overridden);
            assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
            long id = created.jsonPath().getLong("id");
            assertThat(created.jsonPath().getString("lastCheck.result")).isEqualTo("invalid_key");
            assertThat(created.jsonPath().getInt("lastCheck.status")).isEqualTo(401);
            assertThat(created.jsonPath().getMap("lastCheck")).containsOnlyKeys("result", "status", "code",
                    "checkedAt", "durationMs", "negativeControl", "since");
            assertThat(admin().get(STT + "/" + id).jsonPath().getString("lastCheck.result")).isEqualTo("invalid_key");
            assertThat(viewer().get(STT).jsonPath().getString("[1].lastCheck.result")).isEqualTo("invalid_key");
            assertThat(admin().get(STT).jsonPath().getMap("[0].lastCheck")).as("the primary's own stays")
                    .isEqualTo(kindCheck);

            String good = soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            Response fixed = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(Map.of(
                    "provider", "soniox", "model", "stt-rt-preview", "baseUrl", soniox.url(), "apiKey", good))
                    .put(STT + "/" + id);
            assertThat(fixed.statusCode()).as(fixed.asString()).isEqualTo(200);
            assertThat(fixed.jsonPath().getString("lastCheck.result")).isEqualTo("ok");
            assertThat(fixed.jsonPath().getString("lastCheck.since"))
                    .isEqualTo(fixed.jsonPath().getString("lastCheck.checkedAt"));
            assertThat(admin().get(STT).jsonPath().getString("[1].lastCheck.result")).isEqualTo("ok");
            // restshape: each key's own results, never the bad key's invalid_key "changing" into the good key's ok:
            // both keys' first checks, with no result before them (no old fingerprint)
            assertThat(checkChanges("stt fallback " + id + " %")).as("kind | target | detail | old | new")
                    .containsExactly("stt | stt fallback " + id + " soniox | not checked yet → invalid_key (HTTP 401,"
                            + " unauthenticated) | - | " + created.jsonPath().getString("apiKey.fingerprint"),
                            "stt | stt fallback " + id + " soniox | not checked yet → ok (HTTP 200) | - | "
                                    + fixed.jsonPath().getString("apiKey.fingerprint"))
                    .allSatisfy(event -> assertThat(event).doesNotContain(bad, good));

            soniox.clearReceived();
            Response restored = admin().header("If-Match", "\"2\"").post(STT + "/" + id + "/rollback");
            assertThat(restored.statusCode()).as(restored.asString()).isEqualTo(200);
            assertThat(soniox.received()).as("a rollback checks nothing").isEmpty();
            assertThat(restored.jsonPath().getString("apiKey.fingerprint"))
                    .isEqualTo(created.jsonPath().getString("apiKey.fingerprint"));
            // issue 19 point 7: a check follows its key: the restored key shows its own check (the add's), not null
            // and not the ok found for the other key
            for (JsonPath restoredCheck : List.of(restored.jsonPath(), admin().get(STT + "/" + id).jsonPath(),
                    admin().get(STT).jsonPath().setRootPath("[1]"))) {
                assertThat(restoredCheck.getString("lastCheck.result")).isEqualTo("invalid_key");
                assertThat(restoredCheck.getInt("lastCheck.status")).isEqualTo(401);
                assertThat(restoredCheck.getString("lastCheck.code"))
                        .isEqualTo(created.jsonPath().getString("lastCheck.code"));
            }

            admin().header("If-Match", "\"3\"").delete(STT + "/" + id).then().statusCode(200);
            assertThat(Rows.column(db, "SELECT count(*) FROM provider_entry_checks WHERE entry_id = " + id))
                    .as("the check row goes with the entry").containsExactly("0");
        }
    }

    /**
     * Issue 19 point 6: a PUT that changes nothing (the same fields, the same key or none) is an idempotent PUT: 200
     * with the current representation, {@code "unchanged": true} and the same ETag; no version, no audit entry, no
     * rollout; on the kind and on a fallback. A change is still saved ({@code "unchanged": false}).
     */
    @Test
    void aPutThatChangesNothingMakesNoVersionAuditOrRollout() {
        String key = "dg-same-" + tag + "-0a1b2c3d";
        savePrimary("deepgram", key);
        long version = Clients.version("stt");
        String audits = Rows.column(db, "SELECT count(*) FROM audit_events WHERE actor <> 'system'").get(0);
        String runs = Rows.column(db, "SELECT count(*) FROM restart_runs").get(0);
        for (Map<String, Object> same : List.<Map<String, Object>>of(
                Map.of("provider", "deepgram", "model", "nova-3", "apiKey", key),
                Map.of("provider", "deepgram", "model", "nova-3"))) {
            Response answer = Clients.put("stt", version, same);
            assertThat(answer.statusCode()).as(same + ": " + answer.asString()).isEqualTo(200);
            assertThat(answer.header("ETag")).as(same.toString()).isEqualTo("\"" + version + "\"");
            assertThat(answer.jsonPath().getBoolean("unchanged")).as(same.toString()).isTrue();
            assertThat(answer.jsonPath().getLong("version")).isEqualTo(version);
            assertThat((Object) answer.jsonPath().get("restartRun")).isNull();
        }
        long id = post(Map.of("provider", "soniox", "model", "stt-one", "apiKey", "sx-same-" + tag)).then()
                .statusCode(201).extract().jsonPath().getLong("id");
        String afterAdd = Rows.column(db, "SELECT count(*) FROM audit_events WHERE actor <> 'system'").get(0);
        for (Map<String, Object> same : List.<Map<String, Object>>of(
                Map.of("provider", "soniox", "model", "stt-one", "apiKey", "sx-same-" + tag),
                Map.of("provider", "soniox", "model", "stt-one"), Map.of())) {
            Response answer = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(same)
                    .put(STT + "/" + id);
            assertThat(answer.statusCode()).as(same + ": " + answer.asString()).isEqualTo(200);
            assertThat(answer.header("ETag")).isEqualTo("\"1\"");
            assertThat(answer.jsonPath().getBoolean("unchanged")).isTrue();
        }
        assertThat(Rows.column(db, "SELECT count(*) FROM audit_events WHERE actor <> 'system'").get(0))
                .as("no audit entry").isEqualTo(afterAdd);
        assertThat(Long.parseLong(afterAdd) - Long.parseLong(audits)).as("only the add was audited").isEqualTo(1);
        assertThat(Rows.column(db, "SELECT count(*) FROM restart_runs").get(0)).as("no rollout of the kind")
                .isEqualTo(runs);
        // the page: the same form flashes "Nothing changed", with no version and no rollout
        String session = dev.keyhouse.auth.Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        JsonPath stored = admin().get("/api/v1/settings/stt").jsonPath();
        RequestSpecification form = dev.keyhouse.auth.Browser.signedInForm(session).formParam("version", version);
        for (dev.keyhouse.settings.SettingField field : ProviderKind.STT.fields()) {
            if (!field.secret() && stored.getString(field.json()) != null) {
                form.formParam(field.json(), stored.getString(field.json()));
            }
        }
        Response page = form.post("/admin/settings/stt");
        assertThat(page.getCookie(dev.keyhouse.web.Flash.COOKIE)).as(page.asString())
                .isEqualTo("unchanged.stt.r" + version);
        assertThat(dev.keyhouse.auth.Browser.followFlash(session, page).asString())
                .contains("Nothing changed: stt settings stay at version " + version + ".");
        assertThat(Clients.version("stt")).isEqualTo(version);
        Response changed = Clients.put("stt", version, Map.of("provider", "deepgram", "model", "nova-2"));
        assertThat(changed.jsonPath().getBoolean("unchanged")).isFalse();
        assertThat(changed.header("ETag")).isEqualTo("\"" + (version + 1) + "\"");
    }

    /**
     * Issue 19 (h19m): a kind rolled back to its earlier key shows that key's own last check, the one its save ran
     * against a stand-in provider: its start and measured duration, not the rollback's or an audit entry's time and
     * an invented {@code durationMs} 0, although the later key's check replaced it as the kind's.
     */
    @Test
    void aRollbackToAnEarlierKeyShowsThatKeysOwnLastCheck() {
        try (dev.keyhouse.checks.DeepgramStandIn deepgram = new dev.keyhouse.checks.DeepgramStandIn()) {
            Map<String, Object> first = checkedThenReplacedThenRolledBack(deepgram);
            Map<String, Object> shown = admin().get("/api/v1/settings/stt").jsonPath().getMap("lastCheck");
            assertThat(shown).as("the restored key's own check, every member").isEqualTo(first);
            assertThat(admin().get(STT).jsonPath().getMap("[0].lastCheck")).isEqualTo(first);
        }
    }

    /**
     * Issue 19 (h19m): the key rolled back to ({@link #checkedThenReplacedThenRolledBack}) then moves to a fallback by
     * a make-primary, which swaps the kind's check row (the later key's check) to the entry: the fallback still shows
     * the key's own first check, with its time and measured duration, in its REST answers and on its page row.
     */
    @Test
    void aKeyMadeAFallbackKeepsItsOwnLastCheckAfterARollback() {
        try (dev.keyhouse.checks.DeepgramStandIn deepgram = new dev.keyhouse.checks.DeepgramStandIn();
                dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            Map<String, Object> first = checkedThenReplacedThenRolledBack(deepgram);
            Response created = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", soniox.url(),
                    "apiKey", soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD)));
            assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
            long id = created.jsonPath().getLong("id");
            Response swapped = primary(id, 1, Map.of("primaryVersion", Clients.version("stt")));
            assertThat(swapped.statusCode()).as(swapped.asString()).isEqualTo(200);

            JsonPath fallback = admin().get(STT + "/" + id).jsonPath();
            assertThat(fallback.getString("provider")).isEqualTo("deepgram");
            assertThat(fallback.getMap("lastCheck")).as("the moved key's own check").isEqualTo(first);
            assertThat(admin().get(STT).jsonPath().getMap("[1].lastCheck")).isEqualTo(first);
            io.quarkus.arc.ManagedContext request = io.quarkus.arc.Arc.container().requestContext();
            request.activate();
            try {
                dev.keyhouse.checks.CheckCard card = io.quarkus.arc.Arc.container().instance(FallbackRows.class).get()
                        .check("stt", id);
                assertThat(card.checkedAt()).as("the fallback's row on the settings page")
                        .isEqualTo(first.get("checkedAt"));
            } finally {
                request.terminate();
            }
        }
    }

    /**
     * Saves the STT primary with a good key of {@code deepgram} (checked), then with another good key (checked:
     * the kind's check row now holds the second key's), then rolls back to the first key.
     *
     * @return the first key's last check as {@code GET /api/v1/settings/stt} showed it after its save, its
     *         {@code checkedAt} and {@code durationMs} those the save's own check answered
     */
    private Map<String, Object> checkedThenReplacedThenRolledBack(dev.keyhouse.checks.DeepgramStandIn deepgram) {
        Response saved = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model", "nova-3",
                "baseUrl", deepgram.url(), "apiKey", deepgram.key(dev.keyhouse.checks.StandIn.Scenario.GOOD)));
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
        Map<String, Object> check = saved.jsonPath().getMap("check");
        assertThat(check).as("the save ran a check").containsEntry("result", "ok");
        Map<String, Object> first = admin().get("/api/v1/settings/stt").jsonPath().getMap("lastCheck");
        assertThat(first).containsEntry("result", "ok").containsEntry("durationMs", check.get("durationMs"));
        assertThat(java.time.Instant.parse((String) first.get("checkedAt")))
                .as("the check's start, as its save answered it (stored to the microsecond)")
                .isCloseTo(java.time.Instant.parse((String) check.get("checkedAt")),
                        org.assertj.core.api.Assertions.within(1, java.time.temporal.ChronoUnit.MILLIS));

        Response second = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model", "nova-3",
                "baseUrl", deepgram.url(), "apiKey", deepgram.key(dev.keyhouse.checks.StandIn.Scenario.GOOD)));
        assertThat(second.statusCode()).as(second.asString()).isEqualTo(200);
        assertThat(second.jsonPath().getString("lastCheck.checkedAt")).isNotEqualTo(first.get("checkedAt"));
        long version = Clients.version("stt");
        Response restored = admin().header("If-Match", "\"" + version + "\"").post("/api/v1/settings/stt/rollback");
        assertThat(restored.statusCode()).as(restored.asString()).isEqualTo(200);
        assertThat(restored.jsonPath().getMap("lastCheck")).isEqualTo(first);
        return first;
    }

    /**
     * Issue 19 (h19g point 4): make-primary swaps two keys, and each brings its own last check: the fallback's ok
     * becomes the kind's (its {@code since} kept: the make-primary's own check found the same for the same key), and
     * the old primary, now a fallback, shows the kind's former check of its key instead of null.
     */
    @Test
    void makePrimarySwapsEachKeysOwnLastCheck() {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            savePrimary("deepgram", "dg-swap-check-" + tag + "-0a1b2c3d");
            Map<String, Object> deepgramCheck = admin().get("/api/v1/settings/stt").jsonPath().getMap("lastCheck");
            assertThat(deepgramCheck).as("the primary's save ran a check").isNotNull();
            Response created = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", soniox.url(),
                    "apiKey", soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD)));
            assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
            long id = created.jsonPath().getLong("id");
            Map<String, Object> sonioxCheck = created.jsonPath().getMap("lastCheck");
            assertThat(sonioxCheck).containsEntry("result", "ok");

            String before = Rows.column(db, "SELECT coalesce(max(id), 0) FROM audit_events").get(0);
            Response swapped = primary(id, 1, Map.of("primaryVersion", Clients.version("stt")));
            assertThat(swapped.statusCode()).as(swapped.asString()).isEqualTo(200);
            JsonPath kind = admin().get("/api/v1/settings/stt").jsonPath();
            assertThat(kind.getString("provider")).isEqualTo("soniox");
            assertThat(kind.getString("lastCheck.result")).isEqualTo("ok");
            assertThat(kind.getString("lastCheck.since")).as("the same key's same result, since its own first check")
                    .isEqualTo(sonioxCheck.get("since"));
            List<Map<String, Object>> listed = admin().get(STT).jsonPath().getList("");
            assertThat(listed.get(0).get("lastCheck")).isEqualTo(kind.getMap("lastCheck"));
            assertThat(listed.get(1)).containsEntry("provider", "deepgram");
            assertThat(listed.get(1).get("lastCheck")).as("the old primary's key keeps its check").isEqualTo(deepgramCheck);
            assertThat(admin().get(STT + "/" + id).jsonPath().getMap("lastCheck")).isEqualTo(deepgramCheck);
            assertThat(Rows.column(db, "SELECT count(*) FROM audit_events WHERE action = 'setting.check.changed'"
                    + " AND target LIKE 'stt %' AND id > " + before))
                    .as("the kind's check was the same key's ok: no change of result").containsExactly("0");
        }
    }

    /**
     * An admin's rollback of the kind right after a make-primary (issue 19, low): restoring deepgram as primary while
     * deepgram is now a fallback is refused (409, naming both), and the answer says what undoes the make-primary —
     * making that fallback primary — with its id and path. Nothing rolled back.
     */
    @Test
    void aRollbackAfterAMakePrimarySaysToMakeTheFallbackPrimaryInstead() {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            savePrimary("deepgram", "dg-undo-swap-" + tag + "-0a1b2c3d");
            long id = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", soniox.url(),
                    "apiKey", soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD))).then().statusCode(201).extract()
                    .jsonPath().getLong("id");
            Response swapped = primary(id, 1, Map.of("primaryVersion", Clients.version("stt")));
            assertThat(swapped.statusCode()).as(swapped.asString()).isEqualTo(200);
            long version = Clients.version("stt");
            long deepgram = admin().get(STT).jsonPath().getLong("find { it.provider == 'deepgram' }.id");

            Response rollback = admin().header("If-Match", "\"" + version + "\"").post("/api/v1/settings/stt/rollback");

            assertThat(rollback.statusCode()).as(rollback.asString()).isEqualTo(409);
            assertThat(rollback.jsonPath().getString("detail")).contains("would make deepgram primary again",
                    "stt fallback " + deepgram + " (deepgram)", "DEEPGRAM_API_KEY",
                    "make stt fallback " + deepgram + " primary instead",
                    "POST /api/v1/settings/stt/providers/" + deepgram + "/primary");
            assertThat(Clients.version("stt")).as("nothing rolled back").isEqualTo(version);
        }
    }

    @Test
    void aDuplicateVariableIsRefusedNamingBothEntries() {
        savePrimary("deepgram", "dg-dup-key-" + tag + "-77aa88bb");
        Response same = post(Map.of("provider", "deepgram", "apiKey", "dg-second-" + tag + "-1234abcd"));
        assertThat(same.statusCode()).as(same.asString()).isEqualTo(409);
        assertThat(same.jsonPath().getString("detail")).contains("the new stt fallback (deepgram)",
                "stt primary (deepgram)", "DEEPGRAM_API_KEY");
        assertThat(same.jsonPath().getList("entries")).containsExactly("the new stt fallback (deepgram)",
                "stt primary (deepgram)");

        long first = post(Map.of("provider", "custom", "baseUrl", "https://stt-one.example.com/v1", "apiKey",
                "custom-one-" + tag)).then().statusCode(201).extract().jsonPath().getLong("id");
        Response second = post(Map.of("provider", "custom", "baseUrl", "https://stt-two.example.com/v1", "apiKey",
                "custom-two-" + tag));
        assertThat(second.statusCode()).as(second.asString()).isEqualTo(409);
        assertThat(second.jsonPath().getString("detail")).contains("the new stt fallback (custom)",
                "stt fallback " + first + " (custom)", "STT_CUSTOM_API_KEY");
        // issue 19's breaker: a custom primary claims no variable of its own, so a custom fallback beside it was
        // allowed, and STT_PROVIDERS named custom twice; a kind holds each provider once
        Response customPrimary = Clients.put("stt", Clients.version("stt"), Map.of("provider", "custom", "model",
                "m", "baseUrl", "https://stt-primary.example.com/v1", "apiKey", "custom-primary-" + tag));
        assertThat(customPrimary.statusCode()).as(customPrimary.asString()).isEqualTo(409);
        assertThat(customPrimary.jsonPath().getString("detail")).contains("stt primary (custom)",
                "stt fallback " + first + " (custom)", "STT_PROVIDERS");
        assertThat(runtime().get(CONFIG).jsonPath().getString("env.STT_PROVIDERS")).isEqualTo("deepgram,custom");

        long soniox = post(Map.of("provider", "soniox", "apiKey", "soniox-dup-" + tag)).then().statusCode(201)
                .extract().jsonPath().getLong("id");
        Response primary = Clients.put("stt", Clients.version("stt"), Map.of("provider", "soniox", "model", "stt-rt-preview", "apiKey",
                "soniox-primary-" + tag));
        assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(409);
        assertThat(primary.jsonPath().getString("detail")).contains("stt primary (soniox)",
                "stt fallback " + soniox + " (soniox)", "SONIOX_API_KEY");
        assertThat(Rows.column(db, "SELECT count(*) FROM provider_entries WHERE kind = 'stt'")).containsExactly("2");
    }

    @Test
    void aRollbackOfThePrimaryToAFallbacksProviderIsRefusedNamingBoth() {
        Response soniox = Clients.put("stt", Clients.version("stt"), Map.of("provider", "soniox", "model",
                "stt-rt-preview", "apiKey", "soniox-before-" + tag));
        assertThat(soniox.statusCode()).as(soniox.asString()).isEqualTo(200);
        savePrimary("deepgram", "dg-rollback-key-" + tag + "-3c4d5e6f");
        long fallback = post(Map.of("provider", "soniox", "apiKey", "soniox-fallback-" + tag)).then().statusCode(201)
                .extract().jsonPath().getLong("id");
        long version = Clients.version("stt");
        Response rollback = admin().header("If-Match", "\"" + version + "\"").post("/api/v1/settings/stt/rollback");
        assertThat(rollback.statusCode()).as(rollback.asString()).isEqualTo(409);
        assertThat(rollback.jsonPath().getString("detail")).contains("stt primary (soniox)",
                "stt fallback " + fallback + " (soniox)", "SONIOX_API_KEY");
        assertThat(Clients.version("stt")).as("nothing rolled back").isEqualTo(version);
    }

    /**
     * The automatic rollback ({@link ProviderSettings#restore}) is refused as an admin's is: restoring the soniox
     * primary while a soniox fallback exists is a 409 naming both, nothing restored; the rollout gate asks
     * {@link ProviderSettings#restoreConflict} first and halts with the same words.
     */
    @Test
    void anAutomaticRestoreToAFallbacksProviderIsRefusedNamingBoth() {
        Response soniox = Clients.put("stt", Clients.version("stt"), Map.of("provider", "soniox", "model",
                "stt-rt-preview", "apiKey", "soniox-restore-" + tag));
        assertThat(soniox.statusCode()).as(soniox.asString()).isEqualTo(200);
        long sonioxVersion = soniox.jsonPath().getLong("version");
        savePrimary("deepgram", "dg-restore-key-" + tag + "-3c4d5e6f");
        long fallback = post(Map.of("provider", "soniox", "apiKey", "soniox-fallback-r-" + tag)).then()
                .statusCode(201).extract().jsonPath().getLong("id");
        long version = Clients.version("stt");

        assertThat(QuarkusTransaction.requiringNew().call(() -> settings.restoreConflict(ProviderKind.STT,
                sonioxVersion))).get().asString().contains("stt primary (soniox)",
                        "stt fallback " + fallback + " (soniox)", "SONIOX_API_KEY");
        assertThatThrownBy(() -> settings.restore(ProviderKind.STT, sonioxVersion, "test rollback"))
                .isInstanceOf(dev.keyhouse.web.Conflict.class)
                .satisfies(e -> assertThat(((dev.keyhouse.web.Conflict) e).status()).isEqualTo(409))
                .hasMessageContainingAll("stt primary (soniox)", "stt fallback " + fallback + " (soniox)",
                        "SONIOX_API_KEY");
        assertThat(Clients.version("stt")).as("nothing restored").isEqualTo(version);
        assertThat(QuarkusTransaction.requiringNew().call(() -> settings.restoreConflict(ProviderKind.STT,
                version))).as("the current deepgram primary restores").isEmpty();
    }

    @Test
    void fallbacksAreMovedAndDeletedWithIfMatch() {
        savePrimary("deepgram", "dg-move-key-" + tag + "-5c6d7e8f");
        long soniox = post(Map.of("provider", "soniox", "apiKey", "soniox-move-" + tag)).then().statusCode(201)
                .extract().jsonPath().getLong("id");
        long custom = post(Map.of("provider", "custom", "baseUrl", "https://stt.example.com/v1", "apiKey",
                "custom-move-" + tag)).then().statusCode(201).extract().jsonPath().getLong("id");
        assertThat(runtime().get(CONFIG).jsonPath().getString("env.STT_PROVIDERS")).isEqualTo("deepgram,soniox,custom");
        assertThat(runtime().get(CONFIG).jsonPath().getString("env.STT_CUSTOM_BASE_URL"))
                .isEqualTo("https://stt.example.com/v1");

        admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(Map.of("position", 1))
                .put(STT + "/" + custom).then().statusCode(200).header("ETag", "\"2\"");
        assertThat(admin().get(STT).jsonPath().getList("id", Long.class)).containsExactly(null, custom, soniox);
        assertThat(runtime().get(CONFIG).jsonPath().getString("env.STT_PROVIDERS")).isEqualTo("deepgram,custom,soniox");
        assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = 'setting.entry.move' ORDER BY id"
                + " DESC LIMIT 1")).singleElement().asString().contains("moved from position 2 to 1");

        // a place beyond the last, for the entry already last: nothing moves, no version, no audit entry
        List<String> moves = Rows.column(db, "SELECT count(*) FROM audit_events WHERE action = 'setting.entry.move'");
        admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(Map.of("position", 1000))
                .put(STT + "/" + soniox).then().statusCode(200).header("ETag", "\"1\"");
        assertThat(Rows.column(db, "SELECT count(*) FROM audit_events WHERE action = 'setting.entry.move'"))
                .as("no move audited").isEqualTo(moves);

        admin().delete(STT + "/" + custom).then().statusCode(428);
        admin().header("If-Match", "\"1\"").delete(STT + "/" + custom).then().statusCode(412);
        admin().header("If-Match", "\"2\"").delete(STT + "/" + custom).then().statusCode(200);
        admin().get(STT + "/" + custom).then().statusCode(404);
        assertThat(admin().get(STT).jsonPath().getList("position", Integer.class)).containsExactly(0, 1);
        assertThat(runtime().get(CONFIG).jsonPath().getMap("env")).containsEntry("STT_PROVIDERS", "deepgram,soniox")
                .doesNotContainKeys("STT_CUSTOM_API_KEY", "STT_CUSTOM_BASE_URL");
        assertThat(Rows.column(db, "SELECT action FROM provider_entry_versions WHERE entry_id = " + custom
                + " ORDER BY version")).containsExactly("create", "move", "delete");
    }

    /**
     * Issue 19's breaker: two admins make different fallbacks primary at once, each having seen the same primary.
     * Make-primary writes the primary too, so it carries the primary's version ({@code primaryVersion}) beside the
     * fallback's If-Match: the second is refused 412 naming it, nothing moved, and goes through once sent again
     * with the current version.
     */
    @Test
    void makePrimaryCarriesThePrimarysVersionSoTwoAdminsCannotUndoEachOther() {
        savePrimary("deepgram", "dg-race-key-" + tag + "-0a1b2c3d");
        long seen = admin().get(STT).jsonPath().getLong("[0].version");
        long soniox = post(Map.of("provider", "soniox", "baseUrl", "http://127.0.0.1:9", "apiKey",
                "soniox-race-" + tag)).then().statusCode(201).extract().jsonPath().getLong("id");
        long custom = post(Map.of("provider", "custom", "baseUrl", "http://127.0.0.1:9/stt", "apiKey",
                "custom-race-" + tag)).then().statusCode(201).extract().jsonPath().getLong("id");

        for (Map<String, Object> without : List.<Map<String, Object>>of(Map.of())) {
            Response refused = primary(soniox, 1, without);
            assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(428);
            assertThat(refused.jsonPath().getString("field")).isEqualTo("primaryVersion");
        }
        Response withoutBody = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .post(STT + "/" + soniox + "/primary");
        assertThat(withoutBody.statusCode()).as(withoutBody.asString()).isEqualTo(428);
        Response notANumber = primary(soniox, 1, Map.of("primaryVersion", "seven"));
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(notANumber.jsonPath().getList("errors.field")).containsExactly("primaryVersion");
        Response unknown = primary(soniox, 1, Map.of("primaryVersion", seen, "force", true));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.jsonPath().getList("errors.field")).containsExactly("force");

        primary(soniox, 1, Map.of("primaryVersion", seen)).then().statusCode(200).header("ETag",
                "\"" + (seen + 1) + "\"");
        Response second = primary(custom, 1, Map.of("primaryVersion", seen));
        assertThat(second.statusCode()).as(second.asString()).isEqualTo(412);
        assertThat(second.jsonPath().getString("field")).isEqualTo("primaryVersion");
        assertThat(second.jsonPath().getLong("currentVersion")).isEqualTo(seen + 1);
        assertThat(second.jsonPath().getString("detail")).contains("stt primary changed since version " + seen,
                "(soniox)");
        assertThat(admin().get(STT).jsonPath().getList("provider")).as("the first swap stands; nothing else moved")
                .containsExactly("soniox", "deepgram", "custom");
        assertThat(runtime().get(CONFIG).jsonPath().getString("env.STT_PROVIDER")).isEqualTo("soniox");

        primary(custom, 1, Map.of("primaryVersion", seen + 1)).then().statusCode(200);
        assertThat(admin().get(STT).jsonPath().getList("provider")).containsExactly("custom", "deepgram", "soniox");
    }

    /**
     * Issue 19's breaker: a make-primary refused for a stale version or a disabled fallback still checked the
     * fallback's key live first, sending it to the provider. The preconditions come first now: the stand-in hears
     * nothing.
     */
    @Test
    void aRefusedMakePrimarySendsTheKeyNowhere() {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            savePrimary("deepgram", "dg-refused-primary-" + tag + "-0a1b2c3d");
            long seen = admin().get(STT).jsonPath().getLong("[0].version");
            long id = post(Map.of("provider", "soniox", "baseUrl", soniox.url(), "apiKey",
                    soniox.key(dev.keyhouse.checks.StandIn.Scenario.GOOD))).then().statusCode(201).extract().jsonPath()
                    .getLong("id");
            soniox.clearReceived();
            primary(id, 1, Map.of("primaryVersion", seen + 7)).then().statusCode(412);
            primary(id, 9, Map.of("primaryVersion", seen)).then().statusCode(412);
            admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(Map.of("enabled", false))
                    .put(STT + "/" + id).then().statusCode(200);
            primary(id, 2, Map.of("primaryVersion", seen)).then().statusCode(409);
            assertThat(soniox.received()).as("no refused make-primary sends the key").isEmpty();
        }
    }

    /**
     * Issue 19's breaker: making a fallback with the same key primary restarted nothing, though runtimes receive
     * another STT_PROVIDER, model and base URL: only a changed key planned a rollout. Any change of what the primary
     * serves does now.
     */
    @Test
    void makingAFallbackWithTheSameKeyPrimaryStillRollsOutWhatChanged() {
        long target = sttTarget("t-same-key-" + tag);
        try {
            String key = "same-key-" + tag + "-0a1b2c3d";
            Response saved = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                    "nova-3", "baseUrl", "http://127.0.0.1:9", "apiKey", key));
            assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
            long id = post(Map.of("provider", "soniox", "model", "stt-rt-preview", "baseUrl", "http://127.0.0.1:9",
                    "apiKey", key)).then().statusCode(201).extract().jsonPath().getLong("id");
            Response swapped = primary(id, 1, Map.of("primaryVersion", Clients.version("stt")));
            assertThat(swapped.statusCode()).as(swapped.asString()).isEqualTo(200);
            assertThat(runtime().get(CONFIG).jsonPath().getString("env.STT_PROVIDER")).isEqualTo("soniox");
            assertThat((Object) swapped.jsonPath().get("restartRun")).as("STT_* changed: the dependents restart")
                    .isNotNull();
        } finally {
            admin().delete("/api/v1/runtimes/" + target).then().statusCode(204);
        }
    }

    /**
     * Issue 19 (restshape): every write of a fallback that can plan a restart run answers {@code restartRun} and
     * {@code rollout} as {@code PUT /api/v1/settings/{kind}} does: add, change, move (the reorder), disable, rollback,
     * make-primary and delete (200 with a body now, no longer a bare 204). A write that plans a run names the kind's
     * newest run and what it does next ({@code rollout.run} is that run); one that plans none answers both as null.
     */
    @Test
    void everyFallbackWriteAnswersRestartRunAndRolloutAsASaveOfTheKindDoes() {
        long target = sttTarget("t-shape-" + tag);
        try {
            String unreachable = "http://127.0.0.1:9";
            Response saved = Clients.put("stt", Clients.version("stt"), Map.of("provider", "deepgram", "model",
                    "nova-3", "baseUrl", unreachable, "apiKey", "dg-shape-" + tag + "-0a1b2c3d"));
            assertPlanned("PUT the kind", saved, 200, true);
            Map<String, Object> kindRollout = saved.jsonPath().getMap("rollout");

            Response added = post(Map.of("provider", "soniox", "model", "stt-one", "baseUrl", unreachable, "apiKey",
                    "sx-shape-" + tag + "-4e5f"));
            assertPlanned("add", added, 201, true);
            assertThat(added.jsonPath().getMap("rollout")).as("the same shape as the kind's save's")
                    .containsOnlyKeys(kindRollout.keySet());
            long soniox = added.jsonPath().getLong("id");
            long custom = post(Map.of("provider", "custom", "baseUrl", "https://stt-shape.example.com/v1", "apiKey",
                    "cu-shape-" + tag + "-6a7b")).then().statusCode(201).extract().jsonPath().getLong("id");

            assertPlanned("change", entryPut(soniox, 1, Map.of("model", "stt-two", "provider", "soniox", "baseUrl",
                    unreachable)), 200, true);
            assertPlanned("unchanged", entryPut(soniox, 2, Map.of("model", "stt-two", "provider", "soniox",
                    "baseUrl", unreachable)), 200, false);
            assertPlanned("move (reorder)", entryPut(custom, 1, Map.of("position", 1)), 200, true);
            assertPlanned("rollback", admin().header("If-Match", "\"2\"").post(STT + "/" + soniox + "/rollback"),
                    200, true);
            assertPlanned("make-primary", primary(soniox, 3, Map.of("primaryVersion", Clients.version("stt"))), 200,
                    true);
            assertPlanned("disable", entryPut(custom, 2, Map.of("enabled", false)), 200, true);
            assertPlanned("move a disabled one", entryPut(custom, 3, Map.of("position", 2)), 200, false);

            Response deleteDisabled = admin().header("If-Match", "\"4\"").delete(STT + "/" + custom);
            assertPlanned("delete a disabled one", deleteDisabled, 200, false);
            assertThat(deleteDisabled.jsonPath().getMap("")).containsEntry("kind", "stt")
                    .containsEntry("deleted", true).containsKeys("restartRun", "rollout");
            assertThat(deleteDisabled.jsonPath().getLong("id")).isEqualTo(custom);
            long oldPrimary = soniox; // make-primary moved deepgram into soniox's entry
            String etag = admin().get(STT + "/" + oldPrimary).header("ETag");
            assertPlanned("delete", admin().header("If-Match", etag).delete(STT + "/" + oldPrimary), 200, true);
        } finally {
            admin().delete("/api/v1/runtimes/" + target).then().statusCode(204);
        }
    }

    /**
     * The {@code setting.check.changed} audit entries whose target is like {@code target}, oldest first, as
     * "kind | target | detail | old fingerprint (- when none) | new fingerprint".
     */
    private List<String> checkChanges(String target) {
        return Rows.column(db, "SELECT kind || ' | ' || target || ' | ' || detail || ' | ' || coalesce(old_fingerprint,"
                + " '-') || ' | ' || coalesce(new_fingerprint, '-') FROM audit_events WHERE action ="
                + " 'setting.check.changed' AND target LIKE ? ORDER BY id", target);
    }

    /** A command target (its command {@code true}) depending on stt, so a change runtimes receive plans a run. */
    private static long sttTarget(String name) {
        return admin().contentType(ContentType.JSON).body(Map.of("name", name, "driver", "command", "dependsOn",
                List.of("stt"), "config", Map.of("command", "true"))).post("/api/v1/runtimes").then().statusCode(201)
                .extract().jsonPath().getLong("id");
    }

    private static Response entryPut(long id, long version, Map<String, Object> body) {
        return admin().contentType(ContentType.JSON).header("If-Match", "\"" + version + "\"").body(body)
                .put(STT + "/" + id);
    }

    /**
     * The answer has {@code restartRun} and {@code rollout}: with {@code planned}, the kind's newest restart run and
     * its next steps ({@code rollout.run} the same run), else both null.
     */
    private void assertPlanned(String write, Response answer, int status, boolean planned) {
        assertThat(answer.statusCode()).as(write + ": " + answer.asString()).isEqualTo(status);
        Map<String, Object> body = answer.jsonPath().getMap("");
        assertThat(body).as(write).containsKeys("restartRun", "rollout");
        if (!planned) {
            assertThat(body.get("restartRun")).as(write + ": no run").isNull();
            assertThat(body.get("rollout")).as(write + ": no rollout").isNull();
            return;
        }
        long newest = Long.parseLong(Rows.column(db, "SELECT max(id) FROM restart_runs WHERE kind = 'stt'").get(0));
        assertThat(answer.jsonPath().getLong("restartRun")).as(write + ": the run it planned").isEqualTo(newest);
        assertThat(answer.jsonPath().getMap("rollout")).as(write)
                .containsOnlyKeys("run", "canary", "next", "waitsForApproval");
        assertThat(answer.jsonPath().getLong("rollout.run")).as(write + ": that run's next steps").isEqualTo(newest);
        assertThat(answer.jsonPath().getString("rollout.next")).as(write).startsWith("rolling out: canary ");
        assertThat(answer.jsonPath().getList("rollout.canary")).as(write).isNotEmpty();
    }

    /**
     * Issue 19 (h19i point 1): a duplicate was refused only after the live check had sent the key (and its decoy) to
     * the provider. Every cheap refusal comes first now, on the fallback's POST and the kind's PUT: the stand-in
     * hears nothing. Point 2: with a field problem too, one 400 names the field and the clash.
     */
    @Test
    void aRefusedDuplicateSendsTheKeyNowhere() {
        try (dev.keyhouse.checks.DeepgramStandIn deepgram = new dev.keyhouse.checks.DeepgramStandIn()) {
            Response soniox = Clients.put("stt", Clients.version("stt"), Map.of("provider", "soniox", "model",
                    "stt-rt-preview", "baseUrl", "http://127.0.0.1:9", "apiKey", "sx-dup-primary-" + tag));
            assertThat(soniox.statusCode()).as(soniox.asString()).isEqualTo(200);
            String key = deepgram.key(dev.keyhouse.checks.StandIn.Scenario.GOOD);
            long first = post(Map.of("provider", "deepgram", "baseUrl", deepgram.url(), "apiKey", key)).then()
                    .statusCode(201).extract().jsonPath().getLong("id");
            assertThat(deepgram.received()).as("the first deepgram fallback was checked").isNotEmpty();
            deepgram.clearReceived();

            Response again = post(Map.of("provider", "deepgram", "baseUrl", deepgram.url(), "apiKey", key));
            assertThat(again.statusCode()).as(again.asString()).isEqualTo(409);
            assertThat(again.jsonPath().getString("detail")).contains("stt fallback " + first + " (deepgram)");
            long version = Clients.version("stt");
            Response primary = Clients.put("stt", version, Map.of("provider", "deepgram", "model", "nova-3",
                    "baseUrl", deepgram.url(), "apiKey", key));
            assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(409);
            assertThat(primary.jsonPath().getString("detail")).contains("stt primary (deepgram)",
                    "stt fallback " + first + " (deepgram)");

            Response both = admin().contentType(ContentType.JSON).body(Map.of("provider", "deepgram", "model", "",
                    "baseUrl", deepgram.url(), "apiKey", key)).post(STT);
            assertThat(both.statusCode()).as(both.asString()).isEqualTo(400);
            assertThat(both.jsonPath().getList("errors.field", String.class)).contains("model", "provider");
            assertThat(both.jsonPath().getString("errors.find { it.field == 'provider' }.message"))
                    .contains("stt fallback " + first + " (deepgram)");
            Response bothPrimary = Clients.put("stt", version, Map.of("provider", "deepgram", "model", "",
                    "baseUrl", deepgram.url(), "apiKey", key));
            assertThat(bothPrimary.statusCode()).as(bothPrimary.asString()).isEqualTo(400);
            assertThat(bothPrimary.jsonPath().getList("errors.field", String.class)).contains("model", "provider");
            assertThat(deepgram.received()).as("no refused write sends the key").isEmpty();
            assertThat(Clients.version("stt")).isEqualTo(version);
        }
    }

    /**
     * Issue 20 item 7 on the REST side (h19i point 2): a {@code vault:} key that cannot be resolved (no VAULT_ADDR in
     * this profile) was named alone; the model and base URL problems come in the same answer now, as
     * {@code PUT /api/v1/settings/stt} answers them.
     */
    @Test
    void aFallbacksUnresolvableReferenceIsNamedWithEveryOtherProblem() {
        savePrimary("deepgram", "dg-vault-all-" + tag + "-5e6f7a8b");
        Map<String, Object> body = Map.of("provider", "soniox", "model", "", "baseUrl", "not a url", "apiKey",
                "vault:secret/stt#soniox_key");
        Response added = admin().contentType(ContentType.JSON).body(body).post(STT);
        assertThat(added.statusCode()).as(added.asString()).isEqualTo(400);
        assertThat(added.jsonPath().getList("errors.field", String.class)).contains("apiKey", "model", "baseUrl");
        Response kind = Clients.put("stt", Clients.version("stt"), body);
        assertThat(kind.jsonPath().getList("errors.field", String.class)).as("the primary's answer, for comparison")
                .contains("apiKey", "model", "baseUrl");
        long id = post(Map.of("provider", "soniox", "apiKey", "sx-vault-all-" + tag)).then().statusCode(201)
                .extract().jsonPath().getLong("id");
        Response changed = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(body)
                .put(STT + "/" + id);
        assertThat(changed.statusCode()).as(changed.asString()).isEqualTo(400);
        assertThat(changed.jsonPath().getList("errors.field", String.class)).contains("apiKey", "model", "baseUrl");
    }

    /**
     * h19i points 3 and 4: a fallback's 422 (add, change, make-primary) has the primary's shape ({@code errors}
     * naming apiKey, {@code check}) and names the fallback; a key saved after a check that does not block answers
     * {@code warnings}; make-primary's advice is one that can be followed (a working key on the fallback's own write
     * first), in one full stop.
     */
    @Test
    void aFallbacksRefusedCheckIsAnsweredAsThePrimarysNamingTheFallback() {
        try (dev.keyhouse.checks.SonioxStandIn soniox = new dev.keyhouse.checks.SonioxStandIn()) {
            savePrimary("deepgram", "dg-422-shape-" + tag + "-1a2b3c4d");
            String bad = soniox.key(dev.keyhouse.checks.StandIn.Scenario.INVALID);
            Response added = post(Map.of("provider", "soniox", "baseUrl", soniox.url(), "apiKey", bad));
            assertThat(added.statusCode()).as(added.asString()).isEqualTo(422);
            assertThat(added.jsonPath().getString("detail")).startsWith("the new stt fallback (soniox) not saved:"
                    + " the key check found invalid_key").doesNotContain("stt settings");
            assertThat(added.jsonPath().getList("errors.field")).containsExactly("apiKey");
            assertThat(added.jsonPath().getString("errors[0].message")).contains("checkOverride.reason");
            assertThat(added.jsonPath().getString("check.result")).isEqualTo("invalid_key");

            Response unreachable = post(Map.of("provider", "soniox", "baseUrl", "http://127.0.0.1:9", "apiKey",
                    "sx-unreachable-" + tag));
            assertThat(unreachable.statusCode()).as(unreachable.asString()).isEqualTo(201);
            assertThat(unreachable.jsonPath().getString("check.result")).isNotEqualTo("ok");
            assertThat(unreachable.jsonPath().getList("warnings", String.class)).singleElement().asString()
                    .contains("saved anyway");
            long id = unreachable.jsonPath().getLong("id");

            Map<String, Object> badKey = Map.of("provider", "soniox", "model", "stt-model-1", "baseUrl",
                    soniox.url(), "apiKey", bad);
            Response changed = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(badKey)
                    .put(STT + "/" + id);
            assertThat(changed.statusCode()).as(changed.asString()).isEqualTo(422);
            assertThat(changed.jsonPath().getString("detail")).startsWith("stt fallback " + id + " (soniox) not"
                    + " saved:");
            assertThat(changed.jsonPath().getList("errors.field")).containsExactly("apiKey");
            Map<String, Object> overridden = new java.util.LinkedHashMap<>(badKey);
            overridden.put("checkOverride", Map.of("reason", "renewed tonight"));
            Response over = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(overridden)
                    .put(STT + "/" + id);
            assertThat(over.statusCode()).as(over.asString()).isEqualTo(200);
            assertThat(over.jsonPath().getList("warnings", String.class)).singleElement().asString()
                    .contains("saved over a failed key check");

            Response primary = primary(id, 2, Map.of("primaryVersion", Clients.version("stt")));
            assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(422);
            assertThat(primary.jsonPath().getString("detail")).startsWith("stt fallback " + id + " (soniox) not made"
                    + " primary: the key check found invalid_key").contains("Make-primary has no override (a key"
                    + " saved with one still fails here): give the fallback a working key on its edit page first (PUT "
                    + STT + "/" + id).endsWith("then make it primary.")
                    .doesNotContain("..", "save with a reason");
            assertThat(primary.jsonPath().getList("errors.field")).containsExactly("apiKey");
            assertThat(primary.jsonPath().getString("errors[0].message")).contains("PUT " + STT + "/" + id)
                    .doesNotContain("give checkOverride.reason");
            assertThat(primary.jsonPath().getString("check.result")).isEqualTo("invalid_key");
        }
    }

    /**
     * h19i point 5: an If-Match with more digits than any version is a version ahead (412), as "99" is, never a 400;
     * a 400 for an If-Match that is no version asks for the ETag exactly as GET returns it, with no sample number; a
     * 412 for a version ahead lists no {@code changedFields} (it never existed); a stale primaryVersion is named as
     * such, not as If-Match.
     */
    @Test
    void anIfMatchAheadIsA412WithoutChangedFieldsAndGarbageAsksForTheETagAsIs() {
        savePrimary("deepgram", "dg-ifmatch-" + tag + "-2b3c4d5e");
        long id = post(Map.of("provider", "soniox", "apiKey", "sx-ifmatch-" + tag)).then().statusCode(201).extract()
                .jsonPath().getLong("id");
        for (String path : List.of(STT + "/" + id, "/api/v1/settings/stt", "/api/v1/settings/livekit")) {
            Object body = path.startsWith(STT) ? Map.of("enabled", true) : Map.of("kind", path.substring(17));
            Response huge = admin().contentType(ContentType.JSON).header("If-Match", "\"99999999999999999999\"")
                    .body(body).put(path);
            assertThat(huge.statusCode()).as(path + " " + huge.asString()).isEqualTo(412);
            assertThat(huge.jsonPath().getString("detail")).as("livekit may never have been saved")
                    .containsAnyOf("never had the version If-Match names", "no version like the one If-Match names")
                    .doesNotContain(String.valueOf(Long.MAX_VALUE));
            // far ahead of any version a test database reaches (TargetDeleteDuringRestartTest alone saves stt 60 times)
            Response ahead = admin().contentType(ContentType.JSON).header("If-Match", "\"999999\"").body(body)
                    .put(path);
            assertThat(ahead.statusCode()).as(path + " " + ahead.asString()).isEqualTo(412);
            assertThat(ahead.jsonPath().getString("detail")).containsAnyOf(
                    "never had version 999999 (If-Match is ahead", "no version 999999 to change");
            assertThat(ahead.jsonPath().getMap("")).as("no version 999999 to compare with").doesNotContainKey(
                    "changedFields");
            Response garbage = admin().contentType(ContentType.JSON).header("If-Match", "\"three\"").body(body)
                    .put(path);
            assertThat(garbage.statusCode()).as(path + " " + garbage.asString()).isEqualTo(400);
            assertThat(garbage.jsonPath().getString("errors[0].message")).contains("exactly as that GET returns it",
                    "GET " + path).doesNotContain("e.g.");
        }
        long seen = Clients.version("stt");
        Response primary = primary(id, 1, Map.of("primaryVersion", seen + 7));
        assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(412);
        assertThat(primary.jsonPath().getString("detail")).contains("never had version " + (seen + 7)
                + " (primaryVersion is ahead of it)").doesNotContain("If-Match");
        // issue 19 point 2: the number If-Match answers 412 is a 412 in the body too, never a 400
        Response hugePrimary = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body("{\"primaryVersion\": 99999999999999999999}").post(STT + "/" + id + "/primary");
        assertThat(hugePrimary.statusCode()).as(hugePrimary.asString()).isEqualTo(412);
        assertThat(hugePrimary.jsonPath().getString("field")).isEqualTo("primaryVersion");
        assertThat(hugePrimary.jsonPath().getString("detail")).contains(
                "never had the version primaryVersion names (more digits than any version)")
                .doesNotContain(String.valueOf(Long.MAX_VALUE));
        assertThat(hugePrimary.jsonPath().getMap("")).doesNotContainKey("changedFields");
        admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body("{\"primaryVersion\": -99999999999999999999}").post(STT + "/" + id + "/primary").then()
                .statusCode(400);
    }

    private static Response primary(long id, long version, Map<String, Object> body) {
        return admin().contentType(ContentType.JSON).header("If-Match", "\"" + version + "\"").body(body)
                .post(STT + "/" + id + "/primary");
    }

    @Test
    void badInputIsA400NamingTheField() {
        savePrimary("deepgram", "dg-bad-key-" + tag + "-9a8b7c6d");
        Response provider = post(Map.of("provider", "nope", "apiKey", "x-" + tag));
        provider.then().statusCode(400);
        assertThat(provider.jsonPath().getList("errors.field")).contains("provider");
        Response typed = admin().contentType(ContentType.JSON).body(Map.of("provider", "soniox", "apiKey", 12))
                .post(STT);
        typed.then().statusCode(400);
        // every problem in one answer (issue 19 point 3): the wrong type and the missing model
        assertThat(typed.jsonPath().getList("errors.field")).containsExactlyInAnyOrder("apiKey", "model");
        long id = post(Map.of("provider", "soniox", "apiKey", "soniox-bad-" + tag)).then().statusCode(201).extract()
                .jsonPath().getLong("id");
        Response position = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("position", 0)).put(STT + "/" + id);
        position.then().statusCode(400);
        assertThat(position.jsonPath().getList("errors.field")).containsExactly("position");
        Response enabled = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("enabled", "no")).put(STT + "/" + id);
        enabled.then().statusCode(400);
        assertThat(enabled.jsonPath().getList("errors.field")).containsExactly("enabled");
        Response primary = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("primary", true)).put(STT + "/" + id);
        primary.then().statusCode(400);
        assertThat(primary.jsonPath().getList("errors.field")).as("not \"wrong type\": where making it primary is")
                .containsExactly("primary");
        assertThat(primary.jsonPath().getString("errors[0].message")).contains("POST " + STT + "/{id}/primary")
                .doesNotContain("wrong type");
        Response readOnly = admin().contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("version", 7, "id", id)).put(STT + "/" + id);
        readOnly.then().statusCode(400);
        assertThat(readOnly.jsonPath().getList("errors.field")).containsExactlyInAnyOrder("version", "id");
        assertThat(readOnly.jsonPath().getList("errors.message", String.class)).allMatch(m -> m.contains("read-only"));
        // the kind's own PUT: a fallback's members are not its fields, whatever their type (not "wrong type")
        Response onTheKind = Clients.put("stt", Clients.version("stt"), Map.of("primary", true, "position", 1));
        onTheKind.then().statusCode(400);
        // with every other problem (issue 19 point 3): a PUT of the kind replaces its fields, so provider and model
        // are missing too
        assertThat(onTheKind.jsonPath().getList("errors.field")).containsExactlyInAnyOrder("primary", "position",
                "provider", "model");
        for (String member : List.of("primary", "position")) {
            assertThat(onTheKind.jsonPath().getString("errors.find { it.field == '" + member + "' }.message"))
                    .startsWith("is not a field of stt settings: ").contains("/api/v1/settings/stt/providers/{id}");
        }
        admin().get("/api/v1/settings/telephony/providers").then().statusCode(404);
        admin().get(STT + "/abc").then().statusCode(404);
        assertThat(admin().get(STT + "/" + id).header("ETag")).isEqualTo("\"1\"");
        // issue 19 (h19e point 4): an unknown id is a 404 before the body or If-Match is judged
        admin().contentType(ContentType.JSON).body("{\"colour\": 1}").post(STT + "/987654321/rollback").then()
                .statusCode(404);
        admin().contentType(ContentType.JSON).body(Map.of("colour", 1)).post(STT + "/987654321/primary").then()
                .statusCode(404);
        admin().contentType(ContentType.JSON).body(Map.of("position", 0)).put(STT + "/987654321").then()
                .statusCode(404);
        admin().delete(STT + "/987654321").then().statusCode(404);
    }

    /**
     * Issue 19 (h19g points 1 and 2): on every route with an entry id, an unknown id is a 404 naming it in a sentence
     * whatever the body (malformed JSON included: it is read after the lookup), a kind without entries says it is a
     * single setting, and a known id with a malformed body is still the 400 naming the body.
     */
    @Test
    void anUnknownEntryIsA404SentenceWhateverTheBody() {
        String malformed = "{\"model\":";
        String unknown = STT + "/999999";
        String noEntry = "stt has no provider entry 999999";
        for (String body : List.of(malformed, "{\"model\": \"nova-3\"}", "[1, 2]", "{\"a\": 1, \"a\": 2}")) {
            assertNotFound(admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(body).put(unknown),
                    noEntry, "PUT " + body);
            assertNotFound(admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(body)
                    .post(unknown + "/primary"), noEntry, "primary " + body);
            assertNotFound(admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(body)
                    .post(unknown + "/rollback"), noEntry, "rollback " + body);
            assertNotFound(admin().contentType(ContentType.JSON).body(body).put("/api/v1/settings/nokind"),
                    "settings kind 'nokind' does not exist", "kind PUT " + body);
            assertNotFound(admin().contentType(ContentType.JSON).body(body).post("/api/v1/settings/nokind/check"),
                    "settings kind 'nokind' does not exist", "kind check " + body);
            assertNotFound(admin().contentType(ContentType.JSON).body(body).post("/api/v1/settings/livekit/providers"),
                    "livekit has no provider entries (it is a single setting: use /api/v1/settings/livekit)",
                    "POST livekit " + body);
        }
        assertNotFound(admin().header("If-Match", "\"1\"").delete(unknown), noEntry, "DELETE");
        assertNotFound(admin().get(unknown), noEntry, "GET");
        assertNotFound(admin().get(STT + "/abc"), "stt has no provider entry with that id (ids are whole numbers)",
                "GET abc");
        assertNotFound(admin().contentType(ContentType.JSON).body(malformed).put(STT + "/abc"),
                "stt has no provider entry with that id (ids are whole numbers)", "PUT abc");
        for (String kind : List.of("livekit", "storage", "tracing", "telephony")) {
            String single = kind + " has no provider entries (it is a single setting: use /api/v1/settings/" + kind
                    + ")";
            String entries = "/api/v1/settings/" + kind + "/providers";
            assertNotFound(admin().get(entries), single, "GET " + kind);
            assertNotFound(admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(malformed)
                    .put(entries + "/1"), single, "PUT " + kind);
            assertNotFound(admin().header("If-Match", "\"1\"").delete(entries + "/1"), single, "DELETE " + kind);
            assertNotFound(admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(malformed)
                    .post(entries + "/1/primary"), single, "primary " + kind);
            assertNotFound(admin().header("If-Match", "\"1\"").post(entries + "/1/rollback"), single,
                    "rollback " + kind);
        }

        // a known id: the malformed body is the 400 naming it, as before, on each route that reads one
        savePrimary("deepgram", "dg-primary-key-" + tag + "-0a1b2c3d");
        long id = post(Map.of("provider", "soniox", "apiKey", "soniox-key-" + tag + "-4e5f")).then().statusCode(201)
                .extract().jsonPath().getLong("id");
        for (Response refused : List.of(
                admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(malformed).put(STT + "/" + id),
                admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(malformed)
                        .post(STT + "/" + id + "/primary"),
                admin().contentType(ContentType.JSON).body(malformed).post(STT),
                admin().contentType(ContentType.JSON).header("If-Match", "\"1\"").body("{\"model\": 1, \"model\": 2}")
                        .put(STT + "/" + id))) {
            assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(400);
            assertThat(refused.jsonPath().getString("errors[0].field")).isIn("body", "model");
            assertThat(refused.jsonPath().getString("errors[0].message")).isIn("is not valid JSON",
                    "is given more than once");
        }
        assertThat(admin().get(STT + "/" + id).header("ETag")).as("nothing written").isEqualTo("\"1\"");
    }

    private static void assertNotFound(Response answer, String detail, String what) {
        assertThat(answer.statusCode()).as(what + ": " + answer.asString()).isEqualTo(404);
        assertThat(answer.jsonPath().getString("detail")).as(what).isEqualTo(detail);
    }

    /** Saves the STT primary over its current version. */
    private static void savePrimary(String provider, String key) {
        Response saved = Clients.put("stt", Clients.version("stt"), Map.of("provider", provider, "model", "nova-3", "apiKey", key));
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(200);
    }

    /** POST of a new STT fallback; a model is added when the body has none (every STT provider needs one). */
    private static Response post(Map<String, Object> body) {
        Map<String, Object> full = new java.util.LinkedHashMap<>(body);
        full.putIfAbsent("model", "stt-model-1");
        return admin().contentType(ContentType.JSON).body(full).post(STT);
    }

    private static RequestSpecification admin() {
        return given().auth().oauth2(Clients.admin());
    }

    private static RequestSpecification viewer() {
        return given().auth().oauth2(Clients.token(Clients.newViewer(), Clients.VIEWER_PASSWORD));
    }

    private static RequestSpecification runtime() {
        return given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN);
    }
}
