package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTest;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Behind a trusted proxy (TRUSTED_PROXIES = loopback) that says {@code X-Forwarded-Proto: https}: both cookies are
 * Secure and every answer carries HSTS. Over plain HTTP, neither. SameSite=Strict on both cookies either way.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
class HttpsBehindProxyTest {

    static final String CSRF_COOKIE = "csrf-token";

    @Test
    void overHttpsViaTheTrustedProxyBothCookiesAreSecureAndEveryAnswerCarriesHsts() {
        assertCookiesAndHsts(true);
    }

    @Test
    void overPlainHttpNoCookieIsSecureAndNoAnswerCarriesHsts() {
        assertCookiesAndHsts(false);
    }

    @Test
    void everyKindOfAnswerOverHttpsCarriesHstsAndNoneOverHttp() {
        // a page, an API refusal, an API answer, a 404, health, static files, the API description, a CORS refusal
        List<String> paths = List.of("/login", "/api/v1/users", "/admin/no-such-page", "/no-such-path",
                "/q/health/live", "/static/keyhouse.css", "/q/openapi");
        for (String path : paths) {
            assertThat(https(given()).get(path).header(StrictTransportSecurity.HEADER)).as("https %s", path)
                    .isEqualTo(StrictTransportSecurity.VALUE);
            assertThat(given().get(path).header(StrictTransportSecurity.HEADER)).as("http %s", path).isNull();
            assertThat(given().header("X-Forwarded-Proto", "http").get(path).header(StrictTransportSecurity.HEADER))
                    .as("http via the proxy %s", path).isNull();
        }
        Response refused = https(given()).header("Origin", "https://evil.example").get("/api/v1/users");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.header(StrictTransportSecurity.HEADER)).isEqualTo(StrictTransportSecurity.VALUE);
    }

    /** The scheme a trusted proxy names is read in any letter case: Secure and HSTS for each spelling of https. */
    @Test
    void theForwardedSchemeIsReadInAnyLetterCase() {
        for (String https : List.of("https", "HTTPS", "Https", "hTTpS", " HTTPS", "HTTPS, http")) {
            Response login = given().header("X-Forwarded-Proto", https).get("/login");
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(SessionTest.setCookie(login, CSRF_COOKIE)).as("Secure for %s", https)
                    .containsIgnoringCase("; Secure");
            assertThat(login.header(StrictTransportSecurity.HEADER)).as("HSTS for %s", https)
                    .isEqualTo(StrictTransportSecurity.VALUE);
        }
        for (String http : List.of("http", "HTTP", "Http", "httpsx", "ws")) {
            Response login = given().header("X-Forwarded-Proto", http).get("/login");
            assertThat(SessionTest.setCookie(login, CSRF_COOKIE)).as("no Secure for %s", http)
                    .doesNotContainIgnoringCase("Secure");
            assertThat(login.header(StrictTransportSecurity.HEADER)).as("no HSTS for %s", http).isNull();
        }
    }

    private static void assertCookiesAndHsts(boolean https) {
        String email = Browser.uniqueEmail(https ? "https-cookies" : "http-cookies");
        Browser.newUser(email, "viewer");

        Response login = maybe(https, given()).get("/login");
        assertThat(login.statusCode()).isEqualTo(200);
        String csrfCookie = SessionTest.setCookie(login, CSRF_COOKIE);
        assertAttributes(csrfCookie, https);
        assertHsts(login, https);

        String token = Browser.tokenIn(login.asString());
        Response signedIn = maybe(https, given()).redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .cookie(CSRF_COOKIE, login.getCookie(CSRF_COOKIE)).formParam("csrf-token", token)
                .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        assertAttributes(SessionTest.setCookie(signedIn, SessionTokens.SESSION_COOKIE), https);
        assertThat(SessionTest.setCookie(signedIn, SessionTokens.SESSION_COOKIE)).contains("HttpOnly");
        assertHsts(signedIn, https);

        String session = signedIn.getCookie(SessionTokens.SESSION_COOKIE);
        Response page = maybe(https, given()).cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users");
        assertThat(page.statusCode()).isEqualTo(200);
        assertHsts(page, https);

        Response out = maybe(https, given()).redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .cookie(SessionTokens.SESSION_COOKIE, session)
                .formParam("csrf-token", Browser.tokenIn(page.asString())).post("/logout");
        assertThat(out.statusCode()).isEqualTo(303);
        String cleared = SessionTest.setCookie(out, SessionTokens.SESSION_COOKIE);
        assertThat(cleared).contains("Max-Age=0");
        assertAttributes(cleared, https);
        assertHsts(out, https);
    }

    private static void assertAttributes(String setCookie, boolean https) {
        assertThat(setCookie).as("SameSite on %s", setCookie).containsIgnoringCase("SameSite=Strict");
        if (https) {
            assertThat(setCookie).as("Secure over https: %s", setCookie).containsIgnoringCase("; Secure");
        } else {
            assertThat(setCookie).as("no Secure over http: %s", setCookie).doesNotContainIgnoringCase("Secure");
        }
    }

    private static void assertHsts(Response response, boolean https) {
        if (https) {
            assertThat(response.header(StrictTransportSecurity.HEADER)).isEqualTo(StrictTransportSecurity.VALUE);
        } else {
            assertThat(response.header(StrictTransportSecurity.HEADER)).isNull();
        }
    }

    private static RequestSpecification maybe(boolean https, RequestSpecification request) {
        return https ? https(request) : request;
    }

    private static RequestSpecification https(RequestSpecification request) {
        return request.header("X-Forwarded-Proto", "https");
    }
}
