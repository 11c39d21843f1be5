package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** JWT_EXPIRE_MINUTES sets how long a session lives: the token's lifetime, expires_in and the cookie's Max-Age. */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class SessionLifetimeTest {

    private static final long SECONDS = OperatorSettings.EXPIRE_MINUTES * 60L;

    @Test
    void bearerTokensLiveJwtExpireMinutes() {
        Response issued = io.restassured.RestAssured.given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL + "\",\"password\":\"" + TestSettings.ADMIN_PASSWORD
                        + "\"}")
                .post("/api/v1/auth/token");
        assertThat(issued.statusCode()).isEqualTo(200);
        assertThat(issued.jsonPath().getLong("expires_in")).isEqualTo(SECONDS);
        Map<String, Object> claims = ForgedTokens.part(issued.jsonPath().getString("access_token"), 1);
        assertThat(((Number) claims.get("exp")).longValue() - ((Number) claims.get("iat")).longValue())
                .isEqualTo(SECONDS);
    }

    @Test
    void theSessionCookieLivesJwtExpireMinutes() {
        Response signedIn = Browser.Csrf.fetch().form().formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD).post("/login");
        assertThat(SessionTest.setCookie(signedIn, SessionTokens.SESSION_COOKIE)).contains("Max-Age=" + SECONDS + ";");
    }
}
