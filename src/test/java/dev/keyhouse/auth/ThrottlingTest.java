package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Metrics;
import dev.keyhouse.Profiles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Repeated failures are slowed with 429 and Retry-After, on the form and the token endpoint, per (account, address)
 * pair, per address and per account, and never at an address with no recent failure. Runs behind a trusted
 * (loopback) proxy, TRUSTED_PROXIES: each test fails from its own X-Forwarded-For addresses, which the throttle counts
 * as the clients', and the loopback address other tests sign in from is never slowed.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxy.class)
class ThrottlingTest {

    @Inject
    DataSource db;

    @Test
    void anAttackerAtOneAddressIsSlowedWhileTheOwnerAtAnotherSignsInAtOnce() {
        String email = Browser.uniqueEmail("throttle-token");
        Browser.newUser(email, "viewer");
        String planted = plantedPassword();
        double throttled = Metrics.value("keyhouse_sign_ins_total", "outcome=\"throttled\"");
        try (LogCapture log = LogCapture.install()) {
            for (int i = 0; i < SignInThrottle.FREE_PER_PAIR; i++) {
                tokenRequest(email, planted, "198.51.100.11").then().statusCode(401);
            }
            Response slowed = tokenRequest(email, planted, "198.51.100.11");
            assertThrottled(slowed, SignInThrottle.FIRST_DELAY);
            assertThat(slowed.contentType()).startsWith("application/problem+json");
            assertThrottled(tokenRequest(email, Browser.PASSWORD, "198.51.100.11"), SignInThrottle.FIRST_DELAY);

            // the owner, at another address behind the same proxy, is not held back at all
            tokenRequest(email, Browser.PASSWORD, "198.51.100.12").then().statusCode(200);
            tokenRequest(email, Browser.PASSWORD, "2001:db8::12").then().statusCode(200);

            assertThat(log.text()).contains("sign-in throttled for " + email + " from 198.51.100.11")
                    .contains("sign-in failed for " + email)
                    .contains("sign-in: " + email + " from 198.51.100.12")
                    .doesNotContain(planted).doesNotContain(Browser.PASSWORD);
        }
        assertThat(Metrics.value("keyhouse_sign_ins_total", "outcome=\"throttled\"")).isEqualTo(throttled + 2);
        assertThat(Rows.containing(db, planted)).as("the database").isEmpty();
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", email))
                .contains("sign-in.failed", "sign-in.throttled", "sign-in");
    }

    @Test
    void theFormSlowsThePairAndLetsTheOwnerInFromAnotherAddress() {
        String email = Browser.uniqueEmail("throttle-form");
        Browser.newUser(email, "viewer");
        String planted = plantedPassword();
        Browser.Csrf csrf = Browser.Csrf.fetch();
        try (LogCapture log = LogCapture.install()) {
            for (int i = 0; i < SignInThrottle.FREE_PER_PAIR; i++) {
                formRequest(csrf, email, planted, "198.51.100.21").then().statusCode(401);
            }
            Response slowed = formRequest(csrf, email, Browser.PASSWORD, "198.51.100.21");
            assertThrottled(slowed, SignInThrottle.FIRST_DELAY);
            assertThat(slowed.getCookie(SessionTokens.SESSION_COOKIE)).as("no session for a throttled attempt").isNull();
            assertThat(slowed.asString()).containsPattern("Too many failed sign-ins. Try again in [1-5] seconds?\\.")
                    .doesNotContain(planted);

            Response owner = formRequest(csrf, email, Browser.PASSWORD, "198.51.100.22");
            assertThat(owner.statusCode()).isEqualTo(303);
            assertThat(owner.getCookie(SessionTokens.SESSION_COOKIE)).isNotBlank();

            assertThat(log.text()).contains("sign-in throttled for " + email)
                    .doesNotContain(planted).doesNotContain(Browser.PASSWORD);
        }
    }

    @Test
    void manyFailuresForAnAccountSlowFailingAddressesButNotTheOwnerAtACleanOne() {
        String email = Browser.uniqueEmail("throttle-account");
        Browser.newUser(email, "viewer");
        String planted = plantedPassword();
        String[] cleanAddresses = {"192.0.2.99", "2001:db8::99", "198.51.100.99"};
        for (int round = 0; round < cleanAddresses.length; round++) {
            // one failure from each of many addresses: no pair or address reaches its limit, the account passes its
            // own (a sign-in forgets the account's count, so each round builds it up again)
            String failing = "198.51.100." + (100 + 20 * round);
            for (int i = 0; i <= SignInThrottle.FREE_PER_ACCOUNT + 1; i++) {
                tokenRequest(email, planted, "198.51.100." + (100 + 20 * round + i)).then().statusCode(401);
            }
            assertThrottled(tokenRequest(email, Browser.PASSWORD, failing), SignInThrottle.ACCOUNT_CAP);
            assertThrottled(formRequest(Browser.Csrf.fetch(), email, Browser.PASSWORD, failing),
                    SignInThrottle.ACCOUNT_CAP);
            String clean = cleanAddresses[round];
            if (round % 2 == 0) {
                tokenRequest(email, Browser.PASSWORD, clean).then().statusCode(200);
            } else {
                formRequest(Browser.Csrf.fetch(), email, Browser.PASSWORD, clean).then().statusCode(303);
            }
        }
    }

    @Test
    void anAddressFailingAcrossAccountsIsSlowedForEveryAccountAndNoOtherAddressIs() {
        String address = "203.0.113.77";
        String planted = plantedPassword();
        String victim = Browser.uniqueEmail("throttle-address-victim");
        Browser.newUser(victim, "viewer");
        try (LogCapture log = LogCapture.install()) {
            // spread over accounts so no account or pair reaches its own limit
            for (int i = 0; i < SignInThrottle.FREE_PER_ADDRESS; i++) {
                tokenRequest(Browser.uniqueEmail("throttle-address-" + i), planted, address).then().statusCode(401);
            }
            assertThrottled(tokenRequest(victim, Browser.PASSWORD, address), SignInThrottle.FIRST_DELAY);
            assertThrottled(formRequest(Browser.Csrf.fetch(), victim, Browser.PASSWORD, address),
                    SignInThrottle.FIRST_DELAY);
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

    static Response tokenRequest(String email, String password, String from) {
        return given().header("X-Forwarded-For", from).contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}")
                .post("/api/v1/auth/token");
    }

    static Response formRequest(Browser.Csrf csrf, String email, String password, String from) {
        return csrf.form().header("X-Forwarded-For", from)
                .formParam("email", email).formParam("password", password).post("/login");
    }

    /** A 429 whose Retry-After is whole seconds, at least one and at most {@code atMost}. */
    static void assertThrottled(Response response, Duration atMost) {
        assertThat(response.statusCode()).isEqualTo(429);
        String retryAfter = response.getHeader("Retry-After");
        assertThat(retryAfter).as("Retry-After").matches("[0-9]+");
        assertThat(Long.parseLong(retryAfter)).isBetween(1L, atMost.toSeconds());
    }

    private static String plantedPassword() {
        return "Planted-" + UUID.randomUUID();
    }
}
