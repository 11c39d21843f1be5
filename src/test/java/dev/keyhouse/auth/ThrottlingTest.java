package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
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
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
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

    /**
     * A host cannot start clean with a fresh address of its own: IPv6 clients count by /64 (every address of
     * 2001:db8:5:6::/64 is one client; 2001:db8:5:7:: is another), an IPv4 address written as IPv6 counts as that
     * IPv4 address, and forwarded values that are not addresses count as the proxy's own (loopback here), each
     * slowed as one after the free failures.
     */
    @Test
    void ipv6CountsByItsSlash64AndIpv4WrittenAsIpv6AsItself() {
        String email = Browser.uniqueEmail("throttle-v6");
        Browser.newUser(email, "viewer");
        String planted = plantedPassword();
        List<List<String>> sameClient = List.of(
                List.of("2001:db8:5:6::1", "2001:db8:5:6::2", "2001:db8:5:6:ffff:ffff:ffff:ffff",
                        "2001:db8:5:6:1234:5678:9abc:def0"),
                List.of("10.9.9.5", "::ffff:10.9.9.5", "::ffff:a09:905", "0:0:0:0:0:ffff:10.9.9.5"),
                List.of("2002:c633:640a::1", "2002:c633:640a:1::2", "198.51.100.10", "2002:c633:640a:ffff::3"));
        for (List<String> client : sameClient) {
            for (int i = 0; i < SignInThrottle.FREE_PER_PAIR; i++) {
                tokenRequest(email, planted, client.get(i)).then().statusCode(401);
            }
            assertThrottled(tokenRequest(email, Browser.PASSWORD, client.get(SignInThrottle.FREE_PER_PAIR)),
                    SignInThrottle.FIRST_DELAY);
        }
        // the neighbouring /64 and another IPv4 address are other clients, not held back
        tokenRequest(email, Browser.PASSWORD, "2001:db8:5:7::1").then().statusCode(200);
        tokenRequest(email, Browser.PASSWORD, "10.9.9.6").then().statusCode(200);
    }

    @Test
    void forwardedValuesThatAreNotAddressesCountAsTheProxysOwn() {
        String email = Browser.uniqueEmail("throttle-garbage");
        Browser.newUser(email, "viewer");
        String planted = plantedPassword();
        try (LogCapture log = LogCapture.install()) {
            List<String> garbage = List.of("not-an-address", "unknown", "_hidden", "999.1.1.1");
            for (int i = 0; i < SignInThrottle.FREE_PER_PAIR; i++) {
                tokenRequest(email, planted, garbage.get(i)).then().statusCode(401);
            }
            assertThrottled(tokenRequest(email, Browser.PASSWORD, garbage.get(SignInThrottle.FREE_PER_PAIR)),
                    SignInThrottle.FIRST_DELAY);
            assertThat(log.text()).contains("forwarded a client address that is not an IP address")
                    .contains("sign-in failed for " + email + " from 127.0.0.1")
                    .doesNotContain("not-an-address").doesNotContain("from null");
        }
        tokenRequest(email, Browser.PASSWORD, "198.51.100.77").then().statusCode(200);
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
