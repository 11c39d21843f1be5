package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** The browser session: sign-in redirects, sign-out, and where `next` may send the browser. */
@QuarkusTest
public class SessionTest {

    @Test
    void signingOutClearsTheCookieAndTheAdminPagesAskToSignInAgain() {
        Browser.Csrf csrf = Browser.Csrf.fetch();
        Response signedIn = csrf.form().formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD).post("/login");
        String session = signedIn.getCookie(SessionTokens.SESSION_COOKIE);
        given().cookie(SessionTokens.SESSION_COOKIE, session).redirects().follow(false).get("/admin/users")
                .then().statusCode(200);

        Response out = Browser.signedInForm(session).post("/logout");
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(URI.create(out.getHeader("Location")).getPath()).isEqualTo("/login");
        String cleared = setCookie(out, SessionTokens.SESSION_COOKIE);
        assertThat(cleared).startsWith(SessionTokens.SESSION_COOKIE + "=;").contains("Max-Age=0")
                .contains("HttpOnly").contains("SameSite=Strict").contains("Path=/");

        // what the browser sends after that Set-Cookie: an empty cookie, or none
        for (Response after : new Response[] {
                given().cookie(SessionTokens.SESSION_COOKIE, "").redirects().follow(false).get("/admin/users"),
                given().redirects().follow(false).get("/admin/users")}) {
            assertThat(after.statusCode()).isEqualTo(303);
            assertThat(after.getHeader("Location")).contains("/login?next=%2Fadmin%2Fusers");
        }
    }

    @Test
    void signingInAfterARedirectLandsBackOnTheRequestedPage() {
        Response asked = given().redirects().follow(false).get("/admin/users?done=user-added");
        assertThat(asked.statusCode()).isEqualTo(303);
        URI login = URI.create(asked.getHeader("Location"));
        assertThat(login.getPath()).isEqualTo("/login");
        assertThat(login.getRawQuery()).isEqualTo("next=%2Fadmin%2Fusers%3Fdone%3Duser-added");

        Response form = given().urlEncodingEnabled(false).get(login.getPath() + "?" + login.getRawQuery());
        assertThat(form.asString()).contains("name=\"next\" value=\"/admin/users?done=user-added\"");
        Response signedIn = new Browser.Csrf(form.getCookie("csrf-token"), Browser.tokenIn(form.asString())).form()
                .formParam("email", TestSettings.ADMIN_EMAIL).formParam("password", TestSettings.ADMIN_PASSWORD)
                .formParam("next", "/admin/users?done=user-added")
                .post("/login");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        URI landing = URI.create(signedIn.getHeader("Location"));
        assertThat(landing.getPath() + "?" + landing.getQuery()).isEqualTo("/admin/users?done=user-added");
        assertThat(landing.getHost()).as("relative, like the redirect to sign in").isNull();
        assertThat(login.getHost()).isNull();

        given().cookie(SessionTokens.SESSION_COOKIE, signedIn.getCookie(SessionTokens.SESSION_COOKIE))
                .redirects().follow(false).get(landing.getPath() + "?" + landing.getQuery())
                .then().statusCode(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"//evil.example", "https://evil.example", "/\\evil.example", "http:/evil.example",
            "/\t/evil.example", "evil.example", "///evil.example"})
    void nextNeverLeavesKeyhouse(String next) {
        Response form = given().queryParam("next", next).get("/login");
        if (next.chars().anyMatch(Character::isISOControl)) {
            // a control character in any query parameter is refused before the page runs, naming the parameter
            assertThat(form.statusCode()).isEqualTo(400);
            assertThat(form.asString()).contains("next: has the control character").doesNotContain("evil.example");
            form = given().get("/login");
        } else {
            assertThat(form.asString()).contains("name=\"next\" value=\"/admin\"");
        }

        Response signedIn = new Browser.Csrf(form.getCookie("csrf-token"), Browser.tokenIn(form.asString())).form()
                .formParam("email", TestSettings.ADMIN_EMAIL).formParam("password", TestSettings.ADMIN_PASSWORD)
                .formParam("next", next)
                .post("/login");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        // a relative Location: no host at all, so none to leave Keyhouse for
        assertThat(signedIn.getHeader("Location")).isEqualTo("/admin");
    }

    @Test
    void theSessionCookieIsHttpOnlyStrictAndNotSecureOverPlainHttp() {
        Response signedIn = Browser.Csrf.fetch().form().formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD).post("/login");
        String cookie = setCookie(signedIn, SessionTokens.SESSION_COOKIE);
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/")
                .doesNotContain("Secure");
        // a forwarded scheme is not trusted unless proxy forwarding is configured
        Response spoofed = Browser.Csrf.fetch().form().header("X-Forwarded-Proto", "https")
                .formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD).post("/login");
        assertThat(setCookie(spoofed, SessionTokens.SESSION_COOKIE)).doesNotContain("Secure");
    }

    public static String setCookie(Response response, String name) {
        return response.getHeaders().getValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "="))
                .findFirst().orElseThrow(() -> new AssertionError("no Set-Cookie for " + name + " in "
                        + response.getHeaders()));
    }
}
