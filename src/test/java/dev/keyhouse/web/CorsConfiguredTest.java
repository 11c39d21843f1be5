package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.auth.Browser;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * CORS with CORS_ORIGINS and CORS_LAN_IP set ({@link OperatorSettings}): the listed origins and the LAN address's
 * http origin on HTTP_PORT are allowed; the loopback default is replaced, so it is refused like any other origin.
 */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class CorsConfiguredTest {

    private static final String LAN_ORIGIN = "http://" + OperatorSettings.LAN_IP + ":8080";

    @Test
    void corsOriginsAreAllowedInPreflightAndSimpleRequests() {
        String bearer = Browser.adminBearer();
        for (String origin : new String[] {OperatorSettings.ADMIN_ORIGIN, OperatorSettings.DEV_ORIGIN}) {
            Response preflight = CorsTest.preflight(origin);
            assertThat(preflight.statusCode()).as(origin).isEqualTo(200);
            assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(origin);
            Response simple = given().auth().oauth2(bearer).header("Origin", origin).get(CorsTest.API);
            assertThat(simple.statusCode()).isEqualTo(200);
            assertThat(simple.header("Access-Control-Allow-Origin")).isEqualTo(origin);
        }
    }

    @Test
    void theLanIpAddsItsHttpOriginOnTheHttpPort() {
        Response preflight = CorsTest.preflight(LAN_ORIGIN);
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(LAN_ORIGIN);
        Response simple = given().auth().oauth2(Browser.adminBearer()).header("Origin", LAN_ORIGIN).get(CorsTest.API);
        assertThat(simple.header("Access-Control-Allow-Origin")).isEqualTo(LAN_ORIGIN);
        assertThat(CorsTest.preflight("https://" + OperatorSettings.LAN_IP + ":8080").statusCode()).isEqualTo(403);
    }

    @Test
    void corsOriginsReplaceTheLoopbackDefault() {
        for (String origin : new String[] {"http://localhost:8080", "http://127.0.0.1:8080", "https://evil.example"}) {
            Response preflight = CorsTest.preflight(origin);
            assertThat(preflight.statusCode()).as(origin).isEqualTo(403);
            assertThat(preflight.header("Access-Control-Allow-Origin")).as(origin).isNull();
            Response simple = given().auth().oauth2(Browser.adminBearer()).header("Origin", origin).get(CorsTest.API);
            assertThat(simple.statusCode()).as(origin).isEqualTo(403);
            assertThat(simple.header("Access-Control-Allow-Origin")).as(origin).isNull();
        }
    }
}
