package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.settings.ProviderEnvironment;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * {@code POST /api/v1/internal/runtime-status} (issue 16, first increment): only the runtime token is accepted,
 * every bad header or field is a 400 naming it, a report is upserted per runtime and audited when its status
 * changes, the Runtimes page and {@code GET /api/v1/runtimes/instances} show it, and a burst of reports far larger
 * than the connection pool all answer 204.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RuntimeStatusTest {

    private static final String PATH = "/api/v1/internal/runtime-status";

    @Inject
    ProviderEnvironment environment;
    @Inject
    DataSource db;
    @ConfigProperty(name = "quarkus.datasource.jdbc.max-size", defaultValue = "20")
    int poolSize;
    @TestHTTPResource(PATH)
    URI endpoint;

    private final RuntimeApi api = new RuntimeApi();
    private long version;

    @BeforeEach
    void configured() {
        version = environment.current().version();
        // at least version 2, so a report on an older version (1) exists to be shown as not current
        while (version < 2) {
            api.saveLlmKey("sk-status-test-" + RuntimeRestartTest.unique() + "-5b2e91").then().statusCode(200);
            version = environment.current().version();
        }
    }

    private static RequestSpecification runtime(String name) {
        RequestSpecification request = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                .contentType(ContentType.JSON);
        return name == null ? request : request.header("X-Keyhouse-Runtime", name);
    }

    private static Response report(String name, String body) {
        return runtime(name).body(body).post(PATH);
    }

    private long count(String sql, Object... parameters) {
        return Long.parseLong(Rows.column(db, sql, parameters).get(0));
    }

    private String okBody() {
        return "{\"version\": " + version + ", \"status\": \"ok\"}";
    }

    @Test
    void onlyTheRuntimeTokenIsAccepted() {
        String name = "status-auth-" + RuntimeRestartTest.unique();
        given().contentType(ContentType.JSON).header("X-Keyhouse-Runtime", name).body(okBody()).post(PATH)
                .then().statusCode(401).header("WWW-Authenticate", "Bearer");
        given().auth().oauth2("not-the-token").contentType(ContentType.JSON).header("X-Keyhouse-Runtime", name)
                .body(okBody()).post(PATH).then().statusCode(401);
        given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("X-Keyhouse-Runtime", name)
                .body(okBody()).post(PATH).then().statusCode(401);
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        given().cookie(SessionTokens.SESSION_COOKIE, session).header("X-CSRF-Token", Browser.csrfOf(session))
                .contentType(ContentType.JSON).header("X-Keyhouse-Runtime", name).body(okBody()).post(PATH)
                .then().statusCode(401);
        // issue 19 point 2: more digits than any version is a version ahead, answered as version + 1 is
        assertThat(report(name, "{\"version\": 99999999999999999999999, \"status\": \"ok\"}").jsonPath()
                .getString("errors[0].message")).isEqualTo("is above the current runtime-config version " + version);
        assertThat(count("SELECT count(*) FROM runtime_status WHERE runtime = ?", name))
                .as("no refused report is stored").isZero();

        report(name, okBody()).then().statusCode(204);
        assertThat(count("SELECT count(*) FROM runtime_status WHERE runtime = ?", name)).isOne();
    }

    @Test
    void theRuntimeHeaderIsRequiredAndChecked() {
        String tooLong = "r".repeat(201);
        for (String header : new String[] {null, "", "   ", tooLong, "caf\u00e9-1", "tab\there"}) {
            Response response = header == null ? report(null, okBody())
                    : runtime(null).header("X-Keyhouse-Runtime", header).body(okBody()).post(PATH);
            response.then().statusCode(400);
            assertThat(response.asString()).as("header " + header).contains("X-Keyhouse-Runtime");
        }
    }

    @Test
    void eachBadFieldIsA400NamingIt() {
        String name = "status-bad-" + RuntimeRestartTest.unique();
        Map<String, String> bodies = new java.util.LinkedHashMap<>();
        bodies.put("{\"status\": \"ok\"}", "version");
        bodies.put("{\"version\": 0, \"status\": \"ok\"}", "version");
        bodies.put("{\"version\": -3, \"status\": \"ok\"}", "version");
        bodies.put("{\"version\": 1.5, \"status\": \"ok\"}", "version");
        bodies.put("{\"version\": \"1\", \"status\": \"ok\"}", "version");
        bodies.put("{\"version\": true, \"status\": \"ok\"}", "version");
        bodies.put("{\"version\": 99999999999999999999999, \"status\": \"ok\"}", "version");
        bodies.put("{\"version\": " + (version + 1) + ", \"status\": \"ok\"}", "version");
        bodies.put("{\"version\": 1}", "status");
        bodies.put("{\"version\": 1, \"status\": \"OK\"}", "status");
        bodies.put("{\"version\": 1, \"status\": \"degraded\"}", "status");
        bodies.put("{\"version\": 1, \"status\": null}", "status");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"detail\": \"\"}", "detail");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"detail\": \"sk-proj abc\"}", "detail");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"detail\": \"key=sk-live-123\"}", "detail");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"detail\": \"" + "a".repeat(65) + "\"}", "detail");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"detail\": \"Bearer/abc\"}", "detail");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"detail\": \"caf\u00e9\"}", "detail");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"detail\": 42}", "detail");
        // b10 M3: the kind whose provider call failed, one of the provider kinds, with a failing report only
        bodies.put("{\"version\": 1, \"status\": \"failing\", \"kind\": \"speech\"}", "kind");
        bodies.put("{\"version\": 1, \"status\": \"failing\", \"kind\": \"STT\"}", "kind");
        bodies.put("{\"version\": 1, \"status\": \"failing\", \"kind\": \"\"}", "kind");
        bodies.put("{\"version\": 1, \"status\": \"failing\", \"kind\": 3}", "kind");
        bodies.put("{\"version\": 1, \"status\": \"failing\", \"kind\": [\"stt\"]}", "kind");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"kind\": \"stt\"}", "kind");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"apiKey\": \"sk-x\"}", "apiKey");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"Status\": \"ok\"}", "Status");
        bodies.put("{\"version\": 1, \"status\": \"ok\", \"status\": \"failing\"}", "status");
        bodies.put("[1, 2]", "");
        bodies.put("\"ok\"", "");
        bodies.put("{\"version\": 1,", "");
        bodies.put("", "");
        bodies.forEach((body, field) -> {
            Response response = report(name, body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(response.asString()).as(body).contains(field);
        });
        assertThat(count("SELECT count(*) FROM runtime_status WHERE runtime = ?", name))
                .as("no refused report is stored").isZero();

        report(name, "{\"version\": " + version + ", \"status\": \"failing\", \"detail\": \"http:401_invalid-key."
                + "a\"}").then().statusCode(204);
        // the longest code kept: 64 characters of words (one run of 64 letters is shaped like a key: see below)
        String longest = "upstream_provider_rejected_credential_temporarily_unavailablenow";
        assertThat(longest).hasSize(64);
        report(name, "{\"version\": 1, \"status\": \"ok\", \"detail\": \"" + longest + "\"}").then()
                .statusCode(204);
    }

    /**
     * Issue 16 (breaker): a detail shaped like a key, or carrying (a run of 8 letters and digits of) a secret Keyhouse
     * serves now, is a 400 naming {@code detail}; nothing of it reaches the answer, the log, the database or the
     * audit. The reason codes runtimes send stay valid.
     */
    @Test
    void aDetailShapedLikeAKeyOrCarryingAServedSecretIsRefused() {
        String key = "sk-detail-" + RuntimeRestartTest.unique() + "-quokkazebra" + RuntimeRestartTest.unique();
        api.saveLlmKey(key).then().statusCode(200);
        long current = environment.current().version();
        assertThat(environment.current().env()).containsEntry("LLM_API_KEY", key);
        String name = "status-secret-" + RuntimeRestartTest.unique();
        java.util.Random random = new java.util.Random();
        String hex40 = hex(random, 40);
        String hex32 = hex(random, 32);
        List<String> refused = List.of(key, hex40, "deepgram:" + hex40, hex32, "http:401_" + hex32,
                "sk-proj-Ab3dEf9hIj2kLm5nOp8qRs1tUv4wXy7z", "sk-ant-api03-xYz12AbC", "invalid_quokkaze",
                "QUOKKA.ZEBRA", "bad:" + key.substring(key.length() - 8), "a".repeat(64), "aB3dE_fG5hI");
        try (dev.keyhouse.auth.LogCapture log = dev.keyhouse.auth.LogCapture.installFirst()) {
            for (String detail : refused) {
                Response response = report(name, "{\"version\": " + current + ", \"status\": \"failing\","
                        + " \"detail\": \"" + detail + "\"}");
                assertThat(response.statusCode()).as(detail).isEqualTo(400);
                assertThat(response.jsonPath().getList("errors.field")).as(detail).containsExactly("detail");
                assertThat(response.asString()).as(detail).doesNotContain(detail);
            }
            for (String detail : refused) {
                assertThat(log.text()).as("the log").doesNotContain(detail);
            }
        }
        assertThat(count("SELECT count(*) FROM runtime_status WHERE runtime = ?", name)).isZero();
        assertThat(count("SELECT count(*) FROM audit_events WHERE actor = ?", "runtime:" + name)).isZero();

        for (String code : List.of("invalid_key", "no_credit", "http:401", "unreachable", "rate_limited",
                "http:429", "API_KEY_INVALID", "insufficient_quota")) {
            report(name, "{\"version\": " + current + ", \"status\": \"failing\", \"detail\": \"" + code + "\"}")
                    .then().statusCode(204);
            assertThat(Rows.column(db, "SELECT detail FROM runtime_status WHERE runtime = ?", name)).containsExactly(code);
        }
    }

    private static String hex(java.util.Random random, int length) {
        StringBuilder hex = new StringBuilder();
        while (hex.length() < length) {
            hex.append(Integer.toHexString(random.nextInt(16)));
        }
        return hex.toString();
    }

    @Test
    void aReportIsUpsertedAndAuditedOnlyWhenItsStatusChanges() {
        String name = "status-upsert-" + RuntimeRestartTest.unique();
        report(name, okBody()).then().statusCode(204);
        report(name, okBody()).then().statusCode(204);
        report(name, "{\"version\": " + version + ", \"status\": \"failing\", \"detail\": \"invalid_key\"}")
                .then().statusCode(204);
        report(name, "{\"version\": " + version + ", \"status\": \"failing\", \"detail\": \"no_credit\"}")
                .then().statusCode(204);
        report(name, okBody()).then().statusCode(204);

        assertThat(count("SELECT count(*) FROM runtime_status WHERE runtime = ?", name)).isOne();
        assertThat(count("SELECT count(*) FROM runtime_status WHERE runtime = ? AND status = 'ok'"
                + " AND detail IS NULL AND settings_version = " + version + " AND reported_from = '127.0.0.1'", name))
                .as("the last report, with the address it came from").isOne();
        JsonPath audit = given().auth().oauth2(api.admin()).get("/api/v1/audit?actor=runtime:" + name).then().statusCode(200)
                .extract().jsonPath();
        List<String> details = new ArrayList<>();
        for (Map<String, Object> event : audit.<Map<String, Object>>getList("items")) {
            if ("runtime.status".equals(event.get("action")) && name.equals(event.get("target"))) {
                details.add((String) event.get("detail"));
            }
        }
        assertThat(details).as("first report, ok → failing, failing → ok; repeats are not audited")
                .containsExactlyInAnyOrder("first report → ok on configuration version " + version,
                        "ok → failing on configuration version " + version + ": invalid_key",
                        "failing → ok on configuration version " + version);
    }

    @Test
    void theRuntimesPageAndRestShowTheLastReport() {
        String reported = "status-shown-" + RuntimeRestartTest.unique();
        String fetchedOnly = "status-fetched-" + RuntimeRestartTest.unique();
        api.fetchRuntimeConfig(reported).then().statusCode(200);
        api.fetchRuntimeConfig(fetchedOnly).then().statusCode(200);
        report(reported, "{\"version\": " + version + ", \"status\": \"failing\", \"detail\": \"invalid_key\"}")
                .then().statusCode(204);
        String named = "status-named-" + RuntimeRestartTest.unique();
        report(named, "{\"version\": " + version + ", \"status\": \"failing\", \"detail\": \"invalid_key\","
                + " \"kind\": \"stt\"}").then().statusCode(204);
        String old = "status-old-" + RuntimeRestartTest.unique();
        report(old, "{\"version\": " + (version - 1) + ", \"status\": \"ok\"}").then().statusCode(204);

        JsonPath rest = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/instances").then().statusCode(200)
                .extract().jsonPath();
        assertThat(rest.getLong("currentVersion")).isEqualTo(version);
        Map<String, Object> shown = rest.getMap("runtimes.find { it.name == '" + reported + "' }");
        assertThat(shown).containsEntry("current", true).containsEntry("fetchedVersion", (int) version);
        assertThat(rest.getString("runtimes.find { it.name == '" + reported + "' }.report.status")).isEqualTo("failing");
        assertThat(rest.getString("runtimes.find { it.name == '" + reported + "' }.report.detail"))
                .isEqualTo("invalid_key");
        assertThat(rest.getLong("runtimes.find { it.name == '" + reported + "' }.report.version")).isEqualTo(version);
        assertThat(rest.getInt("runtimes.find { it.name == '" + reported + "' }.age")).isBetween(0, 60);
        assertThat(rest.getString("runtimes.find { it.name == '" + reported + "' }.report.kind")).isNull();
        assertThat(rest.getString("runtimes.find { it.name == '" + named + "' }.report.kind")).isEqualTo("stt");
        assertThat(rest.getString("runtimes.find { it.name == '" + named + "' }.report.detail"))
                .isEqualTo("invalid_key");
        Map<String, Object> fetched = rest.getMap("runtimes.find { it.name == '" + fetchedOnly + "' }");
        assertThat(fetched).containsEntry("report", null).containsEntry("current", true);
        assertThat(rest.getBoolean("runtimes.find { it.name == '" + old + "' }.current"))
                .as("a report on an older version is not current").isFalse();

        String viewerEmail = Browser.uniqueEmail("status-viewer");
        Browser.newUser(viewerEmail, "viewer");
        String viewer = Browser.session(viewerEmail, Browser.PASSWORD);
        String html = given().cookie(SessionTokens.SESSION_COOKIE, viewer).get("/admin/runtimes/live").then()
                .statusCode(200).extract().asString();
        String row = html.substring(html.indexOf("data-runtime=\"" + reported + "\""));
        row = row.substring(0, row.indexOf("</tr>"));
        assertThat(row).contains("failing", "invalid_key", version + " <span class=\"muted\">(current)</span>",
                "s ago");
        String namedRow = html.substring(html.indexOf("data-runtime=\"" + named + "\""));
        assertThat(namedRow.substring(0, namedRow.indexOf("</tr>"))).contains("invalid_key (stt)");
        assertThat(count("SELECT count(*) FROM audit_events WHERE action = 'runtime.status' AND detail = ?",
                "first report → failing on configuration version " + version + ": invalid_key (stt)"))
                .as("audited with its kind").isEqualTo(1);
        String fetchedRow = html.substring(html.indexOf("data-runtime=\"" + fetchedOnly + "\""));
        fetchedRow = fetchedRow.substring(0, fetchedRow.indexOf("</tr>"));
        assertThat(fetchedRow).contains("never reported", "version " + version);
        String oldRow = html.substring(html.indexOf("data-runtime=\"" + old + "\""));
        assertThat(oldRow.substring(0, oldRow.indexOf("</tr>"))).contains("(not current)");
    }

    @Test
    void farMoreConcurrentReportsThanPooledConnectionsAllAnswer204() throws Exception {
        int reports = poolSize * 10;
        String tag = RuntimeRestartTest.unique();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < reports; i++) {
            HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TestSettings.RUNTIME_CONFIG_TOKEN)
                    .header("X-Keyhouse-Runtime", "status-burst-" + tag + "-" + (i % (reports / 2)))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"version\": " + version + ", \"status\": \""
                            + ((i % (reports / 2)) % 2 == 0 ? "ok" : "failing") + "\"}"))
                    .build();
            answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertThat(answer.get().statusCode()).as(answer.get().body()).isEqualTo(204);
        }
        assertThat(took).as(reports + " reports against a pool of " + poolSize).isLessThan(Duration.ofSeconds(30));
        assertThat(count("SELECT count(*) FROM runtime_status WHERE runtime LIKE ?",
                "status-burst-" + tag + "-%")).as("one row per runtime name").isEqualTo(reports / 2);
        // each name was reported twice at once with the same status: its first report is audited, the repeat not
        assertThat(count("SELECT count(*) FROM audit_events WHERE action = 'runtime.status' AND actor LIKE ?",
                "runtime:status-burst-" + tag + "-%")).as("one audited change per runtime").isEqualTo(reports / 2);
    }
}
