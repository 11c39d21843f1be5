package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** Behind a TLS-terminating proxy that Keyhouse is configured to trust, the session cookie is Secure. */
@QuarkusTest
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
class SessionBehindProxyTest {

    @Test
    void theSessionCookieIsSecureWhenTheProxySaysHttps() {
        Response signedIn = Browser.Csrf.fetch().form().header("X-Forwarded-Proto", "https")
                .formParam("email", TestSettings.ADMIN_EMAIL).formParam("password", TestSettings.ADMIN_PASSWORD)
                .post("/login");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        assertThat(SessionTest.setCookie(signedIn, SessionTokens.SESSION_COOKIE))
                .contains("; Secure").contains("HttpOnly").contains("SameSite=Strict");

        Response out = Browser.Csrf.fetch().form().header("X-Forwarded-Proto", "https").post("/logout");
        assertThat(SessionTest.setCookie(out, SessionTokens.SESSION_COOKIE)).contains("Max-Age=0").contains("; Secure");

        Response plain = Browser.Csrf.fetch().form()
                .formParam("email", TestSettings.ADMIN_EMAIL).formParam("password", TestSettings.ADMIN_PASSWORD)
                .post("/login");
        assertThat(SessionTest.setCookie(plain, SessionTokens.SESSION_COOKIE)).doesNotContain("Secure");
    }
}
