package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Issue 20: every text answer says its charset: error pages and problem+json bodies of every kind (404, 400, 403,
 * 405, 409, 412, 428, the early refusals of {@link MalformedRequests}) as well as pages, JSON and static files carry
 * {@code charset=UTF-8} in their Content-Type ({@link TextCharset}).
 */
@QuarkusTest
class TextCharsetTest {

    private static final String UTF8 = ";charset=UTF-8";

    @Test
    void errorPagesAndProblemsOfEveryStatusSayUtf8() {
        String admin = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String viewerEmail = Browser.uniqueEmail("charset-viewer");
        Browser.newUser(viewerEmail, "viewer");
        String viewer = Browser.session(viewerEmail, Browser.PASSWORD);
        String bearer = Browser.adminBearer();

        // the 409 pair: a shared secret whose name is taken, by API and by page
        String name = "t-charset-" + System.nanoTime();
        String variable = "T_CHARSET_" + System.nanoTime() + "_SECRET";
        Response created = given().auth().oauth2(bearer).contentType(ContentType.JSON)
                .body(Map.of("name", name, "variable", variable, "targets", List.of()))
                .post("/api/v1/shared-secrets");
        created.then().statusCode(201);
        try {
            Map<String, Response> answers = new java.util.LinkedHashMap<>();
            answers.put("404 page", given().cookie(SessionTokens.SESSION_COOKIE, admin).get("/admin/no-such-page"));
            answers.put("404 problem", given().auth().oauth2(bearer).get("/api/v1/no-such-thing"));
            answers.put("400 form", Browser.signedInForm(admin).formParam("email", "not-an-address")
                    .formParam("password", "short").formParam("role", "viewer").post("/admin/users"));
            answers.put("400 form field", Browser.signedInForm(admin).formParam("enabled", "maybe")
                    .post("/admin/runtimes/1/enabled"));
            answers.put("400 problem", given().auth().oauth2(bearer).contentType(ContentType.JSON)
                    .body("{\"email\":\"x\"}").post("/api/v1/users"));
            answers.put("400 early page", given().urlEncodingEnabled(false)
                    .cookie(SessionTokens.SESSION_COOKIE, admin).get("/admin/users?x=%01"));
            answers.put("400 early page (query not UTF-8)", given().urlEncodingEnabled(false)
                    .cookie(SessionTokens.SESSION_COOKIE, admin).get("/admin/audit?kind=%ff%fe"));
            answers.put("400 early problem", given().urlEncodingEnabled(false).auth().oauth2(bearer)
                    .get("/api/v1/users?x=%01"));
            answers.put("403 page", Browser.signedInForm(viewer).formParam("email", "a@b.example")
                    .post("/admin/users"));
            answers.put("403 problem", given().auth().oauth2(ApiClient.viewerToken(Browser.uniqueEmail("charset")))
                    .contentType(ContentType.JSON).body("{}").post("/api/v1/users"));
            answers.put("405 page", given().cookie(SessionTokens.SESSION_COOKIE, admin).delete("/admin/users"));
            answers.put("405 problem", given().auth().oauth2(bearer).delete("/api/v1/users"));
            answers.put("409 problem", given().auth().oauth2(bearer).contentType(ContentType.JSON)
                    .body(Map.of("name", name, "variable", variable + "_X")).post("/api/v1/shared-secrets"));
            answers.put("409 page", Browser.signedInForm(admin).formParam("name", name)
                    .formParam("variable", variable + "_Y").formParam("generate", "yes")
                    .post("/admin/shared-secrets"));
            answers.put("428 problem", given().auth().oauth2(bearer).post("/api/v1/shared-secrets/"
                    + created.jsonPath().getLong("id") + "/generate"));
            answers.put("200 page", given().cookie(SessionTokens.SESSION_COOKIE, admin).get("/admin/users"));
            answers.put("200 json", given().auth().oauth2(bearer).get("/api/v1/users"));
            answers.put("200 css", given().get("/static/keyhouse.css"));

            answers.forEach((what, answer) -> {
                int status = Integer.parseInt(what.matches("\\d{3} .*") ? what.substring(0, 3) : "200");
                assertThat(answer.statusCode()).as(what).isEqualTo(status);
                String type = answer.header("Content-Type");
                assertThat(type).as(what).endsWithIgnoringCase("charset=UTF-8");
                if (what.endsWith("problem")) {
                    assertThat(type).as(what).isEqualToIgnoringCase("application/problem+json" + UTF8);
                } else if (what.contains("page") || what.contains("form")) {
                    assertThat(type).as(what + ": one spelling on every page").isEqualTo("text/html" + UTF8);
                }
            });
        } finally {
            given().auth().oauth2(bearer).header("If-Match", created.header("ETag"))
                    .delete("/api/v1/shared-secrets/" + created.jsonPath().getLong("id")).then().statusCode(204);
        }
    }

    @Test
    void aTextTypeWithoutCharsetGetsUtf8AndOthersAreLeftAlone() {
        assertThat(TextCharset.withCharset("application/problem+json")).isEqualTo("application/problem+json" + UTF8);
        assertThat(TextCharset.withCharset("text/html")).isEqualTo("text/html" + UTF8);
        assertThat(TextCharset.withCharset("application/json")).isEqualTo("application/json" + UTF8);
        assertThat(TextCharset.withCharset("text/html; charset=UTF-8")).as("one spelling").isEqualTo("text/html" + UTF8);
        assertThat(TextCharset.withCharset("text/html;Charset=\"utf-8\"")).isEqualTo("text/html" + UTF8);
        assertThat(TextCharset.withCharset("text/plain; charset=ISO-8859-1")).isEqualTo("text/plain; charset=ISO-8859-1");
        assertThat(TextCharset.withCharset("text/html; charset=UTF-8; q=1")).isEqualTo("text/html; charset=UTF-8; q=1");
        assertThat(TextCharset.withCharset("image/png")).isEqualTo("image/png");
        assertThat(TextCharset.withCharset("application/octet-stream")).isEqualTo("application/octet-stream");
        assertThat(TextCharset.withCharset(null)).isNull();
    }
}
