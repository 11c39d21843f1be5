package dev.keyhouse.audit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Issue 20, item 10: refused attempts are in the audit log (a viewer's save, a session's write without its CSRF
 * token, a failed sign-in), a settings change shows each non-secret field's old and new value and the secret's
 * fingerprints (never the secret), and the page shows times to the second in UTC.
 */
@QuarkusTest
class AuditRecordsTest {

    @Inject
    SecretFingerprints fingerprints;

    @Test
    void aViewersSaveIsRefusedAndRecordedByPageAndApi() {
        String email = "audit-refused-" + System.nanoTime() + "@keyhouse.test";
        String viewer = ApiClient.viewerToken(email);
        given().auth().oauth2(viewer).contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("model", "gpt-refused")).put("/api/v1/settings/llm").then().statusCode(403);
        given().auth().oauth2(viewer).redirects().follow(false).contentType(ContentType.URLENC)
                .formParam("model", "gpt-refused").post("/admin/settings/llm").then().statusCode(403);

        List<Map<String, Object>> refused = events("actor", email).stream()
                .filter(e -> RefusedAttempts.ACCESS_DENIED.equals(e.get("action"))).toList();
        assertThat(refused).extracting(e -> e.get("target"))
                .containsExactlyInAnyOrder("PUT /api/v1/settings/llm", "POST /admin/settings/llm");
        assertThat(refused).allSatisfy(e -> {
            assertThat(e.get("kind")).isEqualTo("auth");
            assertThat((String) e.get("detail")).isEqualTo("the role does not allow this (role viewer)");
        });
    }

    @Test
    void aSessionsWriteWithoutItsCsrfTokenIsRecorded() {
        String email = "audit-csrf-" + System.nanoTime() + "@keyhouse.test";
        ApiClient.viewerToken(email);
        String session = Browser.session(email, "viewer-password-" + email.hashCode());
        given().cookie(SessionTokens.SESSION_COOKIE, session).redirects().follow(false).post("/logout")
                .then().statusCode(403);

        assertThat(events("actor", email)).anySatisfy(e -> {
            assertThat(e.get("action")).isEqualTo(RefusedAttempts.CSRF_REFUSED);
            assertThat(e.get("target")).isEqualTo("POST /logout");
        });
    }

    @Test
    void aFailedSignInIsRecordedWithTheAccountAndAddress() {
        String email = "audit-failed-" + System.nanoTime() + "@keyhouse.test";
        ApiClient.viewerToken(email);
        given().contentType(ContentType.JSON).body(Map.of("email", email, "password", "not-the-password-1"))
                .post("/api/v1/auth/token").then().statusCode(401);

        List<Map<String, Object>> failed = events("kind", "auth").stream()
                .filter(e -> "sign-in.failed".equals(e.get("action")) && email.equals(e.get("target"))).toList();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0)).containsEntry("actor", "anonymous");
        assertThat((String) failed.get(0).get("detail")).startsWith("from ");
        assertThat(failed.toString()).doesNotContain("not-the-password-1");
    }

    @Test
    void aSettingsSaveShowsOldAndNewValuesAndTheKeysFingerprintsOnly() {
        String admin = admin();
        String firstKey = "sk-ant-audit-first-" + System.nanoTime();
        String secondKey = "sk-ant-audit-second-" + System.nanoTime();
        long first = save(admin, currentVersion(admin), "claude-audit-old", firstKey);
        long version = save(admin, first, "claude-audit-new", secondKey);

        Map<String, Object> saved = events("kind", "llm").stream()
                .filter(e -> ("llm version " + version).equals(e.get("target"))).findFirst().orElseThrow();
        assertThat(saved).containsEntry("action", "setting.save")
                .containsEntry("oldFingerprint", fingerprints.of(firstKey))
                .containsEntry("newFingerprint", fingerprints.of(secondKey));
        assertThat((String) saved.get("detail")).startsWith("changed model claude-audit-old → claude-audit-new, apiKey;");
        String page = given().auth().oauth2(admin).queryParam("kind", "llm").get("/admin/audit").then().statusCode(200)
                .extract().asString();
        assertThat(page).contains("changed model claude-audit-old → claude-audit-new, apiKey")
                .contains("<code>" + fingerprints.of(firstKey) + "</code> → <code>" + fingerprints.of(secondKey) + "</code>");
        assertThat(saved.toString() + page).doesNotContain(firstKey).doesNotContain(secondKey);

        // issue 19 point 6: the same fields and key again change nothing: no version, no audit entry
        assertThat(save(admin, version, "claude-audit-new", secondKey)).isEqualTo(version);
        assertThat(events("kind", "llm").stream().filter(e -> ("llm version " + (version + 1)).equals(e.get("target"))))
                .isEmpty();
        // the same key typed again with another change: saved, the key said to be the same
        long again = save(admin, version, "claude-audit-newer", secondKey);
        Map<String, Object> reentered = events("kind", "llm").stream()
                .filter(e -> ("llm version " + again).equals(e.get("target"))).findFirst().orElseThrow();
        assertThat((String) reentered.get("detail")).startsWith("changed model claude-audit-new → claude-audit-newer;"
                + " apiKey entered again (the same);");
        // breaker b20 (L2): a kept key's fingerprints read "X (unchanged)" on the page, never "X → X"
        String kept = fingerprints.of(secondKey);
        assertThat(given().auth().oauth2(admin).queryParam("kind", "llm").get("/admin/audit").then().statusCode(200)
                .extract().asString()).contains("<code>" + kept + "</code> <span class=\"muted\">(unchanged)</span>")
                .doesNotContain("<code>" + kept + "</code> → <code>" + kept + "</code>");
    }

    /**
     * Follow-up, point 5: a runtime target's update names each changed field old → new (driver settings as
     * {@code config.<name>}) and its signing secret by fingerprints only, in the text and in the entry's columns.
     */
    @Test
    void aRuntimeTargetUpdateShowsOldAndNewValuesAndTheSecretsFingerprintsOnly() {
        String admin = admin();
        String tag = Long.toString(System.nanoTime(), 36);
        String first = "audit-webhook-secret-first-" + tag;
        String second = "audit-webhook-secret-second-" + tag;
        long id = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "audit-hook-" + tag, "driver", "http", "dependsOn", List.of("llm"), "config",
                        Map.of("url", "http://127.0.0.1:9/hook-a", "secret", first)))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        try {
            given().auth().oauth2(admin).contentType(ContentType.JSON)
                    .body(Map.of("dependsOn", List.of("llm", "tts"), "config", Map.of("url",
                            "http://127.0.0.1:9/hook-b", "timeoutSeconds", "5", "secret", second)))
                    .put("/api/v1/runtimes/" + id).then().statusCode(200);
            Map<String, Object> updated = newest("runtimes", "runtime.update", "audit-hook-" + tag);
            assertThat((String) updated.get("detail")).isEqualTo("changed dependsOn llm → llm,tts,"
                    + " config.url http://127.0.0.1:9/hook-a → http://127.0.0.1:9/hook-b, config.timeoutSeconds (unset) → 5,"
                    + " config.secret fingerprint " + fingerprints.of(first) + " → " + fingerprints.of(second));
            assertThat(updated).containsEntry("oldFingerprint", fingerprints.of(first))
                    .containsEntry("newFingerprint", fingerprints.of(second));
            assertThat(updated.toString()).doesNotContain(first).doesNotContain(second);
        } finally {
            given().auth().oauth2(admin).delete("/api/v1/runtimes/" + id).then().statusCode(204);
        }
    }

    /** Follow-up, point 5: a user's role change and disabling read old → new. */
    @Test
    void aUsersRoleAndStateChangesShowOldAndNew() {
        String admin = admin();
        String email = Browser.uniqueEmail("audit-role");
        long id = Browser.newUser(email, "viewer");
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("role", "admin"))
                .patch("/api/v1/users/" + id).then().statusCode(200);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("disabled", true))
                .patch("/api/v1/users/" + id).then().statusCode(200);
        assertThat(newest("user", "user.role", email)).containsEntry("detail", "changed role viewer → admin");
        assertThat(newest("user", "user.disable", email)).containsEntry("detail", "changed state enabled → disabled");
    }

    /** Follow-up, point 5: a shared secret's save reads old → new: its value by fingerprints, its name and links. */
    @Test
    void aSharedSecretSaveShowsOldAndNewValuesAndTheValuesFingerprintsOnly() {
        String admin = admin();
        String tag = Long.toString(System.nanoTime(), 36);
        String variable = "AUDIT_" + tag.toUpperCase(java.util.Locale.ROOT) + "_SECRET";
        String first = "audit-shared-first-" + tag;
        String second = "audit-shared-second-" + tag;
        long id = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "audit-shared-" + tag, "variable", variable, "value", first, "targets", List.of()))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath().getLong("id");
        String etag = given().auth().oauth2(admin).get("/api/v1/shared-secrets/" + id).header("ETag");
        etag = given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("name", "audit-renamed-" + tag, "value", second))
                .put("/api/v1/shared-secrets/" + id).then().statusCode(200).extract().header("ETag");
        try {
            Map<String, Object> saved = newest(dev.keyhouse.sharedsecrets.SharedSecrets.AUDIT_KIND, "shared-secret.save", "shared secret audit-renamed-" + tag + " version 2");
            assertThat(saved).containsEntry("detail", "changed value fingerprint " + fingerprints.of(first) + " → "
                    + fingerprints.of(second) + ", value typed, name audit-shared-" + tag + " → audit-renamed-" + tag)
                    .containsEntry("oldFingerprint", fingerprints.of(first))
                    .containsEntry("newFingerprint", fingerprints.of(second));
            assertThat(saved.toString()).doesNotContain(first).doesNotContain(second);
        } finally {
            given().auth().oauth2(admin).header("If-Match", etag).delete("/api/v1/shared-secrets/" + id).then()
                    .statusCode(204);
        }
    }

    /** Follow-up, point 5: a fallback provider entry's save names each changed field old → new, as a setting's does. */
    @Test
    void aProviderEntrySaveShowsOldAndNewValues() {
        String admin = admin();
        String tag = Long.toString(System.nanoTime(), 36);
        String key = "audit-entry-key-" + tag + "-0a1b2c";
        String entries = "/api/v1/settings/llm/providers";
        // fallbacks follow a primary: the llm primary is anthropic (as the settings test saves it), the entry openai
        save(admin, currentVersion(admin), "claude-audit-primary", "sk-ant-audit-primary-" + tag);
        String provider = "openai";
        var created = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("provider", provider, "model", "audit-model-old-" + tag, "apiKey", key)).post(entries);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        long id = created.jsonPath().getLong("id");
        String etag = given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", created.header("ETag"))
                .body(Map.of("provider", provider, "model", "audit-model-new-" + tag)).put(entries + "/" + id)
                .then().statusCode(200).extract().header("ETag");
        try {
            Map<String, Object> saved = events("kind", "llm").stream()
                    .filter(e -> "setting.entry.save".equals(e.get("action"))).findFirst().orElseThrow();
            assertThat((String) saved.get("detail")).contains("changed model audit-model-old-" + tag + " → audit-model-new-"
                    + tag);
            assertThat(saved.toString()).doesNotContain(key);
            // issue 19 point 6: the same fields and key again change nothing: the same ETag, said unchanged
            String same = etag;
            given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                    .body(Map.of("provider", provider, "model", "audit-model-new-" + tag, "apiKey", key))
                    .put(entries + "/" + id).then().statusCode(200).header("ETag", same)
                    .body("unchanged", org.hamcrest.Matchers.is(true));
            // the same key typed again with another change is no change of the key: said so, never "changed apiKey"
            etag = given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                    .body(Map.of("provider", provider, "model", "audit-model-newer-" + tag, "apiKey", key))
                    .put(entries + "/" + id).then().statusCode(200).extract().header("ETag");
            Map<String, Object> again = events("kind", "llm").stream()
                    .filter(e -> "setting.entry.save".equals(e.get("action"))).findFirst().orElseThrow();
            assertThat((String) again.get("detail")).contains("apiKey entered again (the same)").doesNotContain("changed apiKey");
            assertThat(again).containsEntry("oldFingerprint", fingerprints.of(key))
                    .containsEntry("newFingerprint", fingerprints.of(key));
        } finally {
            given().auth().oauth2(admin).header("If-Match", etag).delete(entries + "/" + id).then().statusCode(200);
        }
    }

    /**
     * Issue 19 (h19g point 3): the delete of a fallback names the last version the entry had (the one If-Match
     * named), not the version of the history's delete row, which no GET ever showed.
     */
    @Test
    void aProviderEntryDeleteNamesTheEntrysLastVersion() {
        String admin = admin();
        String tag = Long.toString(System.nanoTime(), 36);
        String entries = "/api/v1/settings/llm/providers";
        save(admin, currentVersion(admin), "claude-audit-primary", "sk-ant-audit-primary-" + tag);
        var created = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("provider", "openai", "model", "audit-delete-" + tag, "apiKey", "audit-del-key-" + tag))
                .post(entries);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        long id = created.jsonPath().getLong("id");
        String etag = given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", created.header("ETag"))
                .body(Map.of("enabled", false)).put(entries + "/" + id).then().statusCode(200).extract().header("ETag");
        assertThat(etag).isEqualTo("\"2\"");
        given().auth().oauth2(admin).header("If-Match", etag).delete(entries + "/" + id).then().statusCode(200);
        Map<String, Object> deleted = newest("llm", "setting.entry.delete", "llm fallback " + id + " version 2");
        assertThat((String) deleted.get("detail")).isEqualTo("deleted llm fallback " + id + " (openai) at position "
                + created.jsonPath().getInt("position") + ", at its version 2");
        List<Map<String, Object>> saves = events("kind", "llm").stream()
                .filter(e -> String.valueOf(e.get("action")).startsWith("setting.entry.")
                        && String.valueOf(e.get("target")).startsWith("llm fallback " + id + " ")).toList();
        assertThat(saves).extracting(e -> e.get("target")).as("every version the audit names, newest first")
                .containsExactly("llm fallback " + id + " version 2", "llm fallback " + id + " version 2",
                        "llm fallback " + id + " version 1");
    }

    /** The newest event of {@code action} on {@code target} among the newest page of {@code kind}'s. */
    private static Map<String, Object> newest(String kind, String action, String target) {
        return events("kind", kind).stream().filter(e -> action.equals(e.get("action")) && target.equals(e.get("target")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " on " + target));
    }

    @Test
    void thePageShowsTimesToTheSecondInUtcWithTheExactInstantInTheMarkup() {
        String admin = admin();
        Map<String, Object> newest = events("kind", "auth").get(0);
        String at = (String) newest.get("at");
        String page = given().auth().oauth2(admin).queryParam("kind", "auth").get("/admin/audit").then().statusCode(200)
                .extract().asString();
        // 2026-12-01T05:23:42.123456Z is shown as 2026-12-01 05:23:42 UTC
        String shown = at.substring(0, 10) + " " + at.substring(11, 19) + " UTC";
        assertThat(page).contains("<time datetime=\"" + at + "\">" + shown + "</time>");
        assertThat(page.replaceAll("datetime=\"[^\"]*\"", "")).doesNotContainPattern("\\d{2}:\\d{2}:\\d{2}\\.\\d");
    }

    /** The newest page of events matching one filter; signs in once per class, as each sign-in is an event too. */
    private static List<Map<String, Object>> events(String filter, String value) {
        JsonPath page = given().auth().oauth2(admin()).queryParam(filter, value).get("/api/v1/audit")
                .then().statusCode(200).extract().jsonPath();
        return page.getList("items");
    }

    private static String admin;

    private static synchronized String admin() {
        if (admin == null) {
            admin = ApiClient.adminToken();
        }
        return admin;
    }

    private static long currentVersion(String admin) {
        return Long.parseLong(given().auth().oauth2(admin).get("/api/v1/settings/llm").then().statusCode(200)
                .extract().header("ETag").replace("\"", ""));
    }

    private static long save(String admin, long version, String model, String key) {
        return given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", "\"" + version + "\"")
                .body(Map.of("provider", "anthropic", "model", model, "apiKey", key)).put("/api/v1/settings/llm")
                .then().statusCode(200).extract().jsonPath().getLong("version");
    }
}
