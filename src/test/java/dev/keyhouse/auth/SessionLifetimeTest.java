package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * JWT_EXPIRE_MINUTES sets how long a session lives: the token's lifetime, expires_in and the cookie's Max-Age, and
 * the longest a presented token may live from iat to exp.
 */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class SessionLifetimeTest {

    private static final long SECONDS = OperatorSettings.EXPIRE_MINUTES * 60L;

    @Inject
    UserAdmin userAdmin;
    @Inject
    SigningKeys keys;

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
        io.restassured.RestAssured.given().auth().oauth2(issued.jsonPath().getString("access_token"))
                .get("/api/v1/users").then().statusCode(200);
    }

    /**
     * Correctly signed tokens are refused when they would live longer than JWT_EXPIRE_MINUTES from iat to exp, are
     * dated more than the allowed clock skew ahead, or carry no iat: by bearer on the API and as the session cookie.
     */
    @Test
    void aTokenLongerThanJwtExpireMinutesOrIssuedInTheFutureIsRefused() {
        User user = userAdmin.add("lifetime-test", Browser.uniqueEmail("lifetime"), Browser.PASSWORD, Role.ADMIN_NAME);
        Instant now = Instant.now();
        Duration max = Duration.ofSeconds(SECONDS);
        Map<String, String> accepted = Map.of(
                "exactly JWT_EXPIRE_MINUTES", ForgedTokens.living(user, keys, now, max),
                "shorter", ForgedTokens.living(user, keys, now.minusSeconds(60), Duration.ofMinutes(2)),
                "issued 30 s ahead, within the clock skew", ForgedTokens.living(user, keys, now.plusSeconds(30),
                        Duration.ofMinutes(2)));
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("one second longer", ForgedTokens.living(user, keys, now, max.plusSeconds(1)));
        refused.put("twice as long, issued a while ago", ForgedTokens.living(user, keys, now.minus(max), max.multipliedBy(2)));
        refused.put("a hundred years", ForgedTokens.hundredYears(user, keys));
        refused.put("issued 2 minutes ahead", ForgedTokens.living(user, keys, now.plusSeconds(120), Duration.ofMinutes(2)));
        refused.put("issued a year ahead", ForgedTokens.living(user, keys, now.plus(Duration.ofDays(365)), max));
        refused.put("no iat", ForgedTokens.withoutIssuedAt(user, keys));
        Map<String, Object> textIat = ForgedTokens.part(ForgedTokens.living(user, keys, now, max), 1);
        textIat.put("iat", "yesterday");
        refused.put("iat not a number", ForgedTokens.signedClaims(textIat, keys));

        accepted.forEach((what, token) -> {
            io.restassured.RestAssured.given().auth().oauth2(token).get("/api/v1/users").then().statusCode(200);
            io.restassured.RestAssured.given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, token)
                    .get("/admin/users").then().statusCode(200);
        });
        refused.forEach((what, token) -> {
            assertThat(io.restassured.RestAssured.given().auth().oauth2(token).get("/api/v1/users").statusCode())
                    .as(what).isEqualTo(401);
            Response page = io.restassured.RestAssured.given().redirects().follow(false)
                    .cookie(SessionTokens.SESSION_COOKIE, token).get("/admin/users");
            assertThat(page.statusCode()).as(what).isEqualTo(303);
            assertThat(page.header("Location")).as(what).contains("/login?next=");
        });
    }

    @Test
    void theSessionCookieLivesJwtExpireMinutes() {
        Response signedIn = Browser.Csrf.fetch().form().formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD).post("/login");
        assertThat(SessionTest.setCookie(signedIn, SessionTokens.SESSION_COOKIE)).contains("Max-Age=" + SECONDS + ";");
    }
}
