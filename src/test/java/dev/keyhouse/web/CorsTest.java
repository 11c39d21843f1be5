package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;

/**
 * CORS with CORS_ORIGINS and CORS_LAN_IP unset: Quarkus' filter allows the loopback origins on HTTP_PORT (8080 here,
 * whatever port the test server really listens on) and refuses every other origin; same-origin requests, the
 * admin pages' own forms included, are untouched. {@link CorsConfiguredTest} sets the variables.
 */
@QuarkusTest
class CorsTest {

    static final String API = "/api/v1/users";

    @Test
    void aPreflightFromALoopbackOriginIsAllowed() {
        for (String origin : new String[] {"http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080"}) {
            Response preflight = preflight(origin);
            assertThat(preflight.statusCode()).as(origin).isEqualTo(200);
            assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(origin);
            assertThat(preflight.header("Access-Control-Allow-Methods")).contains("PUT");
            assertThat(preflight.header("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
            assertThat(preflight.header("Access-Control-Allow-Credentials")).isEqualTo("false");
        }
    }

    @Test
    void aPreflightFromAnyOtherOriginIsRefused() {
        for (String origin : new String[] {"https://evil.example", "http://localhost:3000", "http://192.168.1.20:8080",
                "https://localhost:8080"}) {
            Response preflight = preflight(origin);
            assertThat(preflight.statusCode()).as(origin).isEqualTo(403);
            assertThat(preflight.header("Access-Control-Allow-Origin")).as(origin).isNull();
        }
    }

    @Test
    void aSimpleRequestGetsTheAllowOriginHeaderOnlyFromAnAllowedOrigin() {
        String bearer = Browser.adminBearer();
        Response allowed = given().auth().oauth2(bearer).header("Origin", "http://127.0.0.1:8080").get(API);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("http://127.0.0.1:8080");
        assertThat(allowed.header("Access-Control-Expose-Headers")).contains("ETag");

        Response other = given().auth().oauth2(bearer).header("Origin", "https://evil.example").get(API);
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
        assertThat(other.asString()).doesNotContain(TestSettings.ADMIN_EMAIL);

        Response noOrigin = given().auth().oauth2(bearer).get(API);
        assertThat(noOrigin.statusCode()).isEqualTo(200);
        assertThat(noOrigin.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void theAdminPagesOwnFormsStillWork() {
        String self = "http://localhost:" + RestAssured.port;
        Browser.Csrf csrf = Browser.Csrf.fetch();
        Response signedIn = csrf.form().header("Origin", self).formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD).post("/login");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        assertThat(signedIn.getCookie("keyhouse_session")).isNotBlank();
    }

    static Response preflight(String origin) {
        return given().header("Origin", origin).header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "authorization,content-type,if-match")
                .options(API);
    }
}
