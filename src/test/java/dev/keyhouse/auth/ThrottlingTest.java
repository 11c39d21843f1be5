package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Repeated failures are answered 429 with Retry-After, on the form and the token endpoint, per account and per
 * client address. Runs behind a (trusted, loopback) proxy so each test fails from its own X-Forwarded-For address
 * and the loopback address other tests sign in from is never locked.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxy.class)
class ThrottlingTest {

    @Inject
    DataSource db;

    @Test
    void anAccountIsLockedOnTheTokenEndpointAfterFiveFailuresAndTheLogNamesNoPassword() {
        String email = Browser.uniqueEmail("throttle-token");
        Browser.newUser(email, "viewer");
        String planted = plantedPassword();
        try (LogCapture log = LogCapture.install()) {
            for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
                tokenRequest(email, planted, "198.51.100.11").then().statusCode(401);
            }
            Response locked = tokenRequest(email, planted, "198.51.100.11");
            assertThrottled(locked);
            assertThat(locked.contentType()).startsWith("application/problem+json");
            // locked for the account, whatever address asks next, even with the right password
            assertThrottled(tokenRequest(email, Browser.PASSWORD, "198.51.100.12"));

            assertThat(log.text()).contains("sign-in throttled for " + email)
                    .contains("sign-in failed for " + email)
                    .doesNotContain(planted).doesNotContain(Browser.PASSWORD);
        }
        assertThat(Rows.containing(db, planted)).as("the database").isEmpty();
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", email))
                .contains("sign-in.failed", "sign-in.throttled");
    }

    @Test
    void anAccountIsLockedOnTheFormAfterFiveFailures() {
        String email = Browser.uniqueEmail("throttle-form");
        Browser.newUser(email, "viewer");
        String planted = plantedPassword();
        Browser.Csrf csrf = Browser.Csrf.fetch();
        try (LogCapture log = LogCapture.install()) {
            for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
                formRequest(csrf, email, planted, "198.51.100.21").then().statusCode(401);
            }
            Response locked = formRequest(csrf, email, Browser.PASSWORD, "198.51.100.21");
            assertThrottled(locked);
            assertThat(locked.getCookie(SessionTokens.SESSION_COOKIE)).as("no session for a throttled attempt").isNull();
            assertThat(locked.asString()).contains("Too many failed sign-ins").doesNotContain(planted);

            assertThat(log.text()).contains("sign-in throttled for " + email)
                    .doesNotContain(planted).doesNotContain(Browser.PASSWORD);
        }
    }

    @Test
    void anAddressIsLockedForEveryAccountAfterTwentyFailures() {
        String address = "203.0.113.77";
        String planted = plantedPassword();
        String victim = Browser.uniqueEmail("throttle-address-victim");
        Browser.newUser(victim, "viewer");
        try (LogCapture log = LogCapture.install()) {
            // spread over accounts so no account reaches its own limit
            for (int i = 0; i < SignInThrottle.MAX_FAILURES_PER_ADDRESS; i++) {
                tokenRequest(Browser.uniqueEmail("throttle-address-" + i), planted, address).then().statusCode(401);
            }
            assertThrottled(tokenRequest(victim, Browser.PASSWORD, address));
            assertThrottled(formRequest(Browser.Csrf.fetch(), victim, Browser.PASSWORD, address));
            assertThat(log.text()).contains("sign-in throttled for " + victim + " from " + address)
                    .doesNotContain(planted);
        }
        // another address is not affected
        tokenRequest(victim, Browser.PASSWORD, "203.0.113.78").then().statusCode(200);
    }

    @Test
    void aPasswordTypedIntoTheEmailFieldIsNeitherLoggedNorAudited() {
        String planted = plantedPassword();
        try (LogCapture log = LogCapture.install()) {
            tokenRequest(planted, planted, "198.51.100.31").then().statusCode(401);
            assertThat(log.text()).contains("sign-in failed for an unknown account from 198.51.100.31")
                    .doesNotContain(planted);
        }
        assertThat(Rows.containing(db, planted)).as("the database, audit table included").isEmpty();
    }

    private static Response tokenRequest(String email, String password, String from) {
        return given().header("X-Forwarded-For", from).contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}")
                .post("/api/v1/auth/token");
    }

    private static Response formRequest(Browser.Csrf csrf, String email, String password, String from) {
        return csrf.form().header("X-Forwarded-For", from)
                .formParam("email", email).formParam("password", password).post("/login");
    }

    private static void assertThrottled(Response response) {
        assertThat(response.statusCode()).isEqualTo(429);
        String retryAfter = response.getHeader("Retry-After");
        assertThat(retryAfter).as("Retry-After").matches("[0-9]+");
        assertThat(Long.parseLong(retryAfter)).isBetween(1L, SignInThrottle.WINDOW.toSeconds());
    }

    private static String plantedPassword() {
        return "Planted-" + UUID.randomUUID();
    }
}
