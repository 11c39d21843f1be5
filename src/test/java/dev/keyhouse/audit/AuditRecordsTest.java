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
