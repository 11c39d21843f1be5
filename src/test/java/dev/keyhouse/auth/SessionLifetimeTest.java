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

        // never expiring: exp - iat overflows a long, or iat lies before any session could still live
        long nowSecond = now.getEpochSecond();
        refused.put("iat -2^62, exp 2^62", times(user, -(1L << 62), 1L << 62));
        refused.put("iat -9223372036854775000, exp in 50 years",
                times(user, -9_223_372_036_854_775_000L, nowSecond + 50L * 365 * 86_400));
        refused.put("iat Long.MIN_VALUE, exp Long.MAX_VALUE", times(user, Long.MIN_VALUE, Long.MAX_VALUE));
        refused.put("iat -1, exp in a minute", times(user, -1, nowSecond + 60));
        refused.put("iat 0, exp in a minute", times(user, 0, nowSecond + 60));
        refused.put("iat a lifetime and 2 minutes ago, exp in a minute",
                times(user, nowSecond - SECONDS - 120, nowSecond + 60));
        refused.put("exp equal to iat", times(user, nowSecond, nowSecond));
        refused.put("exp before iat", times(user, nowSecond, nowSecond - 1));
        refused.put("iat a fraction", times(user, nowSecond + 0.5, nowSecond + 60));
        refused.put("exp a fraction", times(user, nowSecond, nowSecond + 60.5));
        refused.put("iat 2^64, exp 2^64 + 60", times(user, java.math.BigInteger.ONE.shiftLeft(64),
                java.math.BigInteger.ONE.shiftLeft(64).add(java.math.BigInteger.valueOf(60))));
        refused.put("exp 1e300", times(user, nowSecond, 1e300));
        refused.put("exp a string", times(user, nowSecond, String.valueOf(nowSecond + 60)));

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

    private String times(User user, Object iat, Object exp) {
        return ForgedTokens.withTimes(user, keys, iat, exp);
    }

    @Test
    void theSessionCookieLivesJwtExpireMinutes() {
        Response signedIn = Browser.Csrf.fetch().form().formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD).post("/login");
        assertThat(SessionTest.setCookie(signedIn, SessionTokens.SESSION_COOKIE)).contains("Max-Age=" + SECONDS + ";");
    }
}
