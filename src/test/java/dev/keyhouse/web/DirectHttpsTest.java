package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTest;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Keyhouse serving HTTPS itself ({@link Profiles.OperatorSettings}): both cookies are Secure and the answers carry HSTS over
 * the TLS port, with no proxy and no forwarded header involved; the plain port of the same server gets neither.
 */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class DirectHttpsTest {

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    @Test
    void overTlsBothCookiesAreSecureAndTheAnswersCarryHsts() {
        String base = https.toString().replaceAll("/$", "");
        assertThat(base).startsWith("https://");
        String email = Browser.uniqueEmail("direct-https");
        Browser.newUser(email, "viewer");

        Response login = given().relaxedHTTPSValidation().get(base + "/login");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.header(StrictTransportSecurity.HEADER)).isEqualTo(StrictTransportSecurity.VALUE);
        assertThat(SessionTest.setCookie(login, "csrf-token")).contains("; Secure").contains("SameSite=Strict");

        Response signedIn = given().relaxedHTTPSValidation().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie("csrf-token", login.getCookie("csrf-token")).formParam("csrf-token", Browser.tokenIn(login.asString()))
                .formParam("email", email).formParam("password", Browser.PASSWORD).post(base + "/login");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        assertThat(signedIn.header("Location")).isEqualTo("/admin");
        assertThat(signedIn.header(StrictTransportSecurity.HEADER)).isEqualTo(StrictTransportSecurity.VALUE);
        assertThat(SessionTest.setCookie(signedIn, SessionTokens.SESSION_COOKIE)).contains("; Secure")
                .contains("SameSite=Strict").contains("HttpOnly");

        Response plain = given().get("/login");
        assertThat(plain.header(StrictTransportSecurity.HEADER)).isNull();
        assertThat(SessionTest.setCookie(plain, "csrf-token")).contains("SameSite=Strict").doesNotContain("Secure");
    }
}
