package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** Forms carry a CSRF token (double-submit cookie); requests without it are refused before anything happens. */
@QuarkusTest
class CsrfTest {

    @Inject
    DataSource db;

    @Test
    void addingAUserThroughTheFormNeedsTheToken() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Browser.Csrf csrf = Browser.Csrf.fetch();

        String missing = Browser.uniqueEmail("csrf-missing");
        Response withoutToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookie("csrf-token", csrf.cookie())
                .formParam("email", missing).formParam("password", Browser.PASSWORD).formParam("role", "viewer")
                .post("/admin/users");
        assertRefused(withoutToken);
        assertThat(usersWithEmail(missing)).as("not processed").isZero();

        String wrong = Browser.uniqueEmail("csrf-wrong");
        Response wrongToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookie("csrf-token", csrf.cookie())
                .formParam("csrf-token", "x" + csrf.token())
                .formParam("email", wrong).formParam("password", Browser.PASSWORD).formParam("role", "viewer")
                .post("/admin/users");
        assertRefused(wrongToken);
        assertThat(usersWithEmail(wrong)).isZero();

        String noCookie = Browser.uniqueEmail("csrf-nocookie");
        Response tokenWithoutCookie = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).formParam("csrf-token", csrf.token())
                .formParam("email", noCookie).formParam("password", Browser.PASSWORD).formParam("role", "viewer")
                .post("/admin/users");
        assertRefused(tokenWithoutCookie);
        assertThat(usersWithEmail(noCookie)).isZero();

        String ok = Browser.uniqueEmail("csrf-ok");
        csrf.form().cookie(SessionTokens.SESSION_COOKIE, session)
                .formParam("email", ok).formParam("password", Browser.PASSWORD).formParam("role", "viewer")
                .post("/admin/users")
                .then().statusCode(303);
        assertThat(usersWithEmail(ok)).isOne();
    }

    @Test
    void signingInThroughTheFormNeedsTheToken() {
        String email = Browser.uniqueEmail("csrf-login");
        Browser.newUser(email, "viewer");
        Browser.Csrf csrf = Browser.Csrf.fetch();

        Response withoutToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie("csrf-token", csrf.cookie())
                .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
        assertRefused(withoutToken);
        assertThat(withoutToken.getCookie(SessionTokens.SESSION_COOKIE)).isNull();

        Response wrongToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie("csrf-token", csrf.cookie()).formParam("csrf-token", Browser.Csrf.fetch().token())
                .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
        assertRefused(wrongToken);
        assertThat(wrongToken.getCookie(SessionTokens.SESSION_COOKIE)).isNull();
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", email))
                .as("no sign-in was attempted").doesNotContain("sign-in", "sign-in.failed");

        Response withToken = csrf.form().formParam("email", email).formParam("password", Browser.PASSWORD)
                .post("/login");
        withToken.then().statusCode(303);
        assertThat(withToken.getCookie(SessionTokens.SESSION_COOKIE)).isNotBlank();
    }

    @Test
    void signingOutThroughTheFormNeedsTheToken() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Response withoutToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).post("/logout");
        assertRefused(withoutToken);
        assertThat(withoutToken.getCookie(SessionTokens.SESSION_COOKIE)).isNull();
    }

    @Test
    void aBearerJsonRequestNeedsNoCsrfToken() {
        String email = Browser.uniqueEmail("csrf-bearer");
        given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + Browser.PASSWORD + "\",\"role\":\"viewer\"}")
                .post("/api/v1/users")
                .then().statusCode(201);
        assertThat(usersWithEmail(email)).isOne();
    }

    /** quarkus-rest-csrf answers 400; never a 500, never a redirect that looks like success. */
    private static void assertRefused(Response response) {
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.getHeader("Location")).isNull();
        assertThat(response.asString()).doesNotContain("Exception", "at io.", "at dev.");
    }

    private long usersWithEmail(String email) {
        return Long.parseLong(Rows.column(db, "SELECT count(*) FROM users WHERE email = ?", email).get(0));
    }
}
