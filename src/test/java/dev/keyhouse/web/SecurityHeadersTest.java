package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Every page, error pages included, carries the security headers; admin and sign-in pages are never cached. */
@QuarkusTest
class SecurityHeadersTest {

    @Test
    void theLoginPage() {
        Response page = given().get("/login?next=/admin/users");
        assertThat(page.statusCode()).isEqualTo(200);
        assertSecurityHeaders(page);
        assertNoStore(page);
    }

    @Test
    void aFailedSignIn() {
        Response failed = Browser.Csrf.fetch().form()
                .formParam("email", "nobody@keyhouse.test").formParam("password", "not-the-password")
                .post("/login");
        assertThat(failed.statusCode()).isEqualTo(401);
        assertSecurityHeaders(failed);
        assertNoStore(failed);
    }

    @Test
    void adminPagesSignedIn() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Response users = given().cookie(SessionTokens.SESSION_COOKIE, session).redirects().follow(false)
                .get("/admin/users");
        assertThat(users.statusCode()).isEqualTo(200);
        assertSecurityHeaders(users);
        assertNoStore(users);

        Response home = given().cookie(SessionTokens.SESSION_COOKIE, session).redirects().follow(false).get("/admin");
        assertThat(home.statusCode()).isEqualTo(303);
        assertSecurityHeaders(home);
        assertNoStore(home);
    }

    @Test
    void errorPagesUnderAdmin() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Response missing = given().cookie(SessionTokens.SESSION_COOKIE, session).redirects().follow(false)
                .get("/admin/no-such-page");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("text/html");
        assertSecurityHeaders(missing);
        assertNoStore(missing);

        Response anonymousMissing = given().redirects().follow(false).get("/admin/no-such-page");
        assertThat(anonymousMissing.statusCode()).isEqualTo(404);
        assertSecurityHeaders(anonymousMissing);
        assertNoStore(anonymousMissing);

        // only POST exists there
        Response wrongMethod = given().cookie(SessionTokens.SESSION_COOKIE, session).redirects().follow(false)
                .get("/admin/users/1");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.contentType()).startsWith("text/html");
        assertSecurityHeaders(wrongMethod);
        assertNoStore(wrongMethod);

        Response anonymous = given().redirects().follow(false).get("/admin/users");
        assertThat(anonymous.statusCode()).isEqualTo(303);
        assertSecurityHeaders(anonymous);
        assertNoStore(anonymous);
    }

    @Test
    void apiErrorsAndOtherPages() {
        Response unauthorized = given().get("/api/v1/users");
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertSecurityHeaders(unauthorized);
        assertNoStore(unauthorized);

        Response notFound = given().get("/no-such-page");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertSecurityHeaders(notFound);

        Response stylesheet = given().get("/static/keyhouse.css");
        assertThat(stylesheet.statusCode()).isEqualTo(200);
        assertSecurityHeaders(stylesheet);
    }

    private static void assertSecurityHeaders(Response response) {
        String csp = response.getHeader("Content-Security-Policy");
        assertThat(csp).as("Content-Security-Policy").isNotNull();
        String scripts = Arrays.stream(csp.split(";")).map(String::strip)
                .filter(d -> d.startsWith("script-src ")).findFirst().orElse(null);
        assertThat(scripts).as("script-src").isEqualTo("script-src 'self'");
        assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval").contains("frame-ancestors 'none'")
                .contains("object-src 'none'");
        assertThat(response.getHeader("X-Frame-Options")).isEqualTo("DENY");
        // same-origin: other origins get no referrer, and the pages' own POSTs carry their real Origin for CORS
        assertThat(response.getHeader("Referrer-Policy")).isEqualTo("same-origin");
        assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    private static void assertNoStore(Response response) {
        assertThat(response.getHeaders().getValues("Cache-Control")).as("Cache-Control").contains("no-store");
    }
}
