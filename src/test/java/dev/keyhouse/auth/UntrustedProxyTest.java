package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.web.StrictTransportSecurity;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * TRUSTED_PROXIES names another host ({@link Profiles.OperatorSettings}): the forwarded headers the tests send from
 * loopback come from a peer nobody trusts, so Keyhouse ignores them, the client address and the scheme alike.
 */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class UntrustedProxyTest {

    @Test
    void anUntrustedPeersForwardedForIsIgnoredSoEveryAttemptCountsAgainstThePeer() {
        String email = Browser.uniqueEmail("untrusted-proxy");
        String planted = "Planted-" + UUID.randomUUID();
        // if X-Forwarded-For were believed, each attempt would be a fresh client; it is not, so the peer is slowed
        for (int i = 0; i < SignInThrottle.FREE_PER_PAIR; i++) {
            ThrottlingTest.tokenRequest(email, planted, "198.51.100." + (40 + i)).then().statusCode(401);
        }
        Response slowed = ThrottlingTest.tokenRequest(email, planted, "198.51.100.50");
        ThrottlingTest.assertThrottled(slowed, SignInThrottle.FIRST_DELAY);
    }

    @Test
    void anUntrustedPeersForwardedProtoIsIgnored() {
        Response login = given().header("X-Forwarded-Proto", "https").get("/login");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.header(StrictTransportSecurity.HEADER)).isNull();
        assertThat(SessionTest.setCookie(login, "csrf-token"))
                .contains("SameSite=Strict").doesNotContainIgnoringCase("secure");
    }
}
