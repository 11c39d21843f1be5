package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * Issue 20 (breaker, point 5): no page shows a raw ISO 8601 time ({@code 2026-12-01T05:23:42.123456Z}); each time is
 * {@code <time datetime="<ISO>">2026-12-01 05:23:42 UTC</time>} (the audit log's {@code {x.time}}), the ISO form only
 * in the {@code datetime} attribute. Every admin page is rendered with a restart run, a shared secret, a rotation job
 * and a sign-in behind it, so each kind of time is on some page.
 */
@QuarkusTest
class HumanTimesTest {

    @jakarta.inject.Inject
    javax.sql.DataSource db;

    /** An ISO 8601 date-time as {@code Instant.toString} writes it (seconds, fraction optional). */
    private static final Pattern ISO = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z?");
    private static final Pattern DATETIME = Pattern.compile("\\sdatetime=\"[^\"]*\"");
    private static final Pattern TIME = Pattern.compile(
            "<time datetime=\"(\\d{4}-\\d{2}-\\d{2}T[^\"]+)\">(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC)</time>");

    @Test
    void noPageShowsARawIsoTime() throws Exception {
        String admin = ApiClient.admin();
        String unique = Long.toString(System.nanoTime(), 36);
        long target = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "times-" + unique, "driver", "command", "dependsOn", List.of("tts"),
                        "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        JsonPath secret = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "times-" + unique, "variable", "TIMES_" + unique.toUpperCase()))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath();
        try {
            long run = given().auth().oauth2(admin).contentType(ContentType.JSON)
                    .post("/api/v1/runtimes/" + target + "/restart").then().statusCode(202).extract().jsonPath()
                    .getLong("id");
            // a value under a key configured nowhere gives the job work (with none, no job starts: 409)
            long job;
            try (var orphan = dev.keyhouse.rotation.UnknownKeyValue.insert(db, "human-times/unknown-key")) {
                job = rotationJob(admin);
                await(() -> !"running".equals(given().auth().oauth2(admin)
                        .get("/api/v1/admin/rotate-credentials/" + job).jsonPath().getString("state")));
            }
            await(() -> given().auth().oauth2(admin).get("/api/v1/restarts/" + run).jsonPath().getBoolean("finished"));

            String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            Map<String, Boolean> pages = new LinkedHashMap<>(); // path -> must show a time
            pages.put("/admin/settings", false); // a time once some kind was saved: "Last changed" (checked below)
            pages.put("/admin/settings/llm", false);
            pages.put("/admin/runtimes", false);
            pages.put("/admin/runtimes/" + target, false);
            pages.put("/admin/restarts/" + run, true);
            pages.put("/admin/restarts/" + run + "/live", true);
            pages.put("/admin/rotate-credentials", true);
            pages.put("/admin/rotate-credentials?job=" + job, true);
            pages.put("/admin/users", true);
            pages.put("/admin/shared-secrets", true);
            pages.put("/admin/shared-secrets/" + secret.getLong("id"), true);
            pages.put("/admin/audit", true);
            pages.put("/admin/environment", false);
            List<String> faults = new ArrayList<>();
            for (Map.Entry<String, Boolean> page : pages.entrySet()) {
                String html = given().cookie(SessionTokens.SESSION_COOKIE, session).get(page.getKey()).then()
                        .statusCode(200).extract().asString();
                String text = DATETIME.matcher(html).replaceAll("");
                Matcher raw = ISO.matcher(text);
                while (raw.find()) {
                    faults.add(page.getKey() + ": …" + text.substring(Math.max(0, raw.start() - 80), raw.end()));
                }
                Matcher time = TIME.matcher(html);
                boolean shown = false;
                while (time.find()) {
                    shown = true;
                    assertThat(TemplateExtensions.utc(java.time.Instant.parse(time.group(1))))
                            .as(page.getKey()).isEqualTo(time.group(2));
                }
                if (page.getValue() || html.contains("Last changed")) {
                    assertThat(shown).as(page.getKey() + " shows a <time> element").isTrue();
                }
            }
            assertThat(faults).as("raw ISO times outside datetime attributes").isEmpty();
        } finally {
            given().auth().oauth2(admin).header("If-Match", "\"" + secret.getLong("version") + "\"")
                    .delete("/api/v1/shared-secrets/" + secret.getLong("id")).then().statusCode(204);
            given().auth().oauth2(admin).delete("/api/v1/runtimes/" + target).then().statusCode(204);
        }
    }

    /** Starts a re-encryption job (or takes the one running); its id. */
    private static long rotationJob(String admin) {
        var started = given().auth().oauth2(admin).contentType(ContentType.JSON).post("/api/v1/admin/rotate-credentials");
        if (started.statusCode() == 409) {
            return started.jsonPath().getLong("runningJob");
        }
        return started.then().statusCode(202).extract().jsonPath().getLong("id");
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
