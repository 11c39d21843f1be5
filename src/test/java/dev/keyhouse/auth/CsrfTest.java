package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * The CSRF rules by example: the writes the assessment made with the session cookie alone (no body, text/plain)
 * are refused and change nothing; a session's token is its own (new at each sign-in, useless with another session,
 * not made by a cookie the client sets); sign-in takes the visitor token; bearer requests need none.
 * {@code dev.keyhouse.web.CsrfMatrixTest} tries every write route with every content type.
 */
@QuarkusTest
class CsrfTest {

    @Inject
    DataSource db;

    /** The examples: restart, delete, revoke, rotation start, rollback and sign-out by cookie alone. */
    @Test
    void theAssessmentsCookieOnlyWritesAreRefusedAndChangeNothing() {
        String admin = Browser.adminBearer();
        long target = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "csrf-" + System.nanoTime(), "driver", "command", "dependsOn", List.of("llm"),
                        "enabled", false, "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        long tokenId = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "csrf-" + System.nanoTime(), "role", "viewer"))
                .post("/api/v1/tokens").then().statusCode(201).extract().jsonPath().getLong("id");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String runs = count("restart_runs");
        String jobs = count("rotation_jobs");
        String llm = Rows.column(db, "SELECT version FROM provider_settings WHERE kind = 'llm'").toString();

        List<String> writes = List.of(
                "POST /admin/runtimes/" + target + "/restart", "POST /api/v1/runtimes/" + target + "/restart",
                "POST /admin/runtimes/" + target + "/delete", "DELETE /api/v1/runtimes/" + target,
                "POST /admin/users/tokens/" + tokenId + "/revoke", "DELETE /api/v1/tokens/" + tokenId,
                "POST /admin/rotate-credentials", "POST /api/v1/admin/rotate-credentials",
                "POST /admin/settings/llm/rollback", "POST /api/v1/settings/llm/rollback", "POST /logout");
        List<Function<RequestSpecification, RequestSpecification>> bodies = List.of(
                RequestSpecification::noContentType,
                request -> request.contentType("text/plain").body("csrf-token=anything"),
                request -> request.contentType(ContentType.JSON).body("{}"));
        for (String write : writes) {
            String[] methodAndPath = write.split(" ", 2);
            for (Function<RequestSpecification, RequestSpecification> body : bodies) {
                Response response = body.apply(given().redirects().follow(false)
                        .cookie(SessionTokens.SESSION_COOKIE, session)).request(methodAndPath[0], methodAndPath[1]);
                // no body: 403; with a body the route does not take, the 415 of content negotiation may come first
                assertThat(response.statusCode()).as(write).isIn(body == bodies.get(0) ? List.of(403) : List.of(403, 415));
                if (response.statusCode() == 403) {
                    assertThat(response.asString()).as(write).contains("CSRF token");
                }
            }
        }

        assertThat(count("restart_runs")).as("no restart was planned").isEqualTo(runs);
        assertThat(count("rotation_jobs")).as("no rotation was started").isEqualTo(jobs);
        assertThat(Rows.column(db, "SELECT version FROM provider_settings WHERE kind = 'llm'").toString())
                .as("nothing was rolled back").isEqualTo(llm);
        given().auth().oauth2(admin).get("/api/v1/runtimes/" + target).then().statusCode(200);
        assertThat(Rows.column(db, "SELECT revoked_at FROM api_tokens WHERE id = ?", tokenId)).containsOnlyNulls();
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users")
                .then().statusCode(200);

        // the same writes with the session's token go through (here: the restart and the sign-out)
        String csrf = Browser.csrfOf(session);
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .header(CsrfTokens.HEADER, csrf).contentType(io.restassured.http.ContentType.URLENC)
                .formParam("confirmed", "yes").post("/admin/runtimes/" + target + "/restart")
                .then().statusCode(303);
        assertThat(count("restart_runs")).isNotEqualTo(runs);
        Browser.signedInForm(session, csrf).post("/logout").then().statusCode(303);
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users")
                .then().statusCode(303);
    }

    @Test
    void aSessionsTokenIsNewAtEachSignInAndWorksForThatSessionOnly() {
        String email = Browser.uniqueEmail("csrf-bound");
        Browser.newUser(email, "admin");
        String first = Browser.session(email, Browser.PASSWORD);
        String second = Browser.session(email, Browser.PASSWORD);
        String other = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String firstToken = Browser.csrfOf(first);
        String secondToken = Browser.csrfOf(second);
        assertThat(firstToken).as("a new sign-in, a new token").isNotEqualTo(secondToken);
        assertThat(Browser.csrfOf(first)).as("stable within a session").isEqualTo(firstToken);
        assertThat(firstToken).matches("[A-Za-z0-9_-]{43}");

        Browser.Csrf visitor = Browser.Csrf.fetch();
        Map<String, String> refused = Map.of(
                "the same user's other session", secondToken,
                "another user's session", Browser.csrfOf(other),
                "the visitor token of the sign-in page", visitor.token(),
                "the token with one character changed", flip(firstToken),
                "an empty token", "");
        String name = "csrf-bound-" + System.nanoTime();
        refused.forEach((what, token) -> {
            Response response = Browser.signedInForm(first, token).cookie(CsrfTokens.VISITOR_COOKIE, visitor.cookie())
                    .formParam("name", name).formParam("role", "viewer").post("/admin/users/tokens");
            assertThat(response.statusCode()).as(what).isEqualTo(403);
            assertThat(response.contentType()).as(what).startsWith("text/html");
            assertThat(response.asString()).as(what).contains("CSRF token");
        });
        assertThat(Rows.column(db, "SELECT count(*) FROM api_tokens WHERE name = ?", name)).containsExactly("0");

        Browser.signedInForm(first, firstToken).formParam("name", name).formParam("role", "viewer")
                .post("/admin/users/tokens").then().statusCode(200);
        assertThat(Rows.column(db, "SELECT count(*) FROM api_tokens WHERE name = ?", name)).containsExactly("1");
    }

    /** The assessment's client-chosen pair: the cookie and the field set by the attacker to the same value. */
    @Test
    void aClientChosenTokenPairIsRefusedForSessionsAndForSignIn() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String chosen = "A".repeat(43);
        String name = "csrf-pair-" + System.nanoTime();
        given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookie(CsrfTokens.VISITOR_COOKIE, chosen)
                .formParam(CsrfTokens.FORM_FIELD, chosen).formParam("name", name).formParam("role", "viewer")
                .post("/admin/users/tokens").then().statusCode(403);
        // the attacker's own, valid visitor pair does not stand in for a session's token either
        Browser.Csrf attackers = Browser.Csrf.fetch();
        attackers.form().cookie(SessionTokens.SESSION_COOKIE, session).formParam("name", name)
                .formParam("role", "viewer").post("/admin/users/tokens").then().statusCode(403);
        assertThat(Rows.column(db, "SELECT count(*) FROM api_tokens WHERE name = ?", name)).containsExactly("0");

        String email = Browser.uniqueEmail("csrf-pair");
        Browser.newUser(email, "viewer");
        for (String pair : List.of(chosen, attackers.cookie())) {
            Response signIn = given().redirects().follow(false).contentType(ContentType.URLENC)
                    .cookie(CsrfTokens.VISITOR_COOKIE, pair).formParam(CsrfTokens.FORM_FIELD, pair)
                    .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
            assertThat(signIn.statusCode()).isEqualTo(403);
            assertThat(signIn.getCookie(SessionTokens.SESSION_COOKIE)).isNull();
        }
    }

    @Test
    void signingInThroughTheFormNeedsTheVisitorToken() {
        String email = Browser.uniqueEmail("csrf-login");
        Browser.newUser(email, "viewer");
        Browser.Csrf csrf = Browser.Csrf.fetch();
        assertThat(csrf.cookie()).as("the sign-in page sets the visitor cookie").matches("[A-Za-z0-9_-]{43}");
        assertThat(csrf.token()).isNotEqualTo(csrf.cookie());

        Response withoutToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(CsrfTokens.VISITOR_COOKIE, csrf.cookie())
                .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
        assertRefused(withoutToken);

        Response wrongToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(CsrfTokens.VISITOR_COOKIE, csrf.cookie()).formParam("csrf-token", Browser.Csrf.fetch().token())
                .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
        assertRefused(wrongToken);

        Response tokenWithoutCookie = given().redirects().follow(false).contentType(ContentType.URLENC)
                .formParam("csrf-token", csrf.token())
                .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
        assertRefused(tokenWithoutCookie);

        Response inTheHeader = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(CsrfTokens.VISITOR_COOKIE, csrf.cookie()).header(CsrfTokens.HEADER, csrf.token())
                .formParam("email", email).formParam("password", Browser.PASSWORD).post("/login");
        inTheHeader.then().statusCode(303);
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", email).stream()
                .filter(action -> action.startsWith("sign-in")))
                .as("only the request with the token was attempted").containsExactly("sign-in");

        Response withToken = csrf.form().formParam("email", email).formParam("password", Browser.PASSWORD)
                .post("/login");
        withToken.then().statusCode(303);
        assertThat(withToken.getCookie(SessionTokens.SESSION_COOKIE)).isNotBlank();
        assertThat(withToken.getHeaders().getValues("Set-Cookie"))
                .as("sign-in drops the visitor cookie: the next visit gets a new one")
                .anyMatch(c -> c.startsWith(CsrfTokens.VISITOR_COOKIE + "=;") && c.contains("Max-Age=0"));
    }

    @Test
    void aBearerRequestNeedsNoCsrfToken() {
        String email = Browser.uniqueEmail("csrf-bearer");
        given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + Browser.PASSWORD + "\",\"role\":\"viewer\"}")
                .post("/api/v1/users")
                .then().statusCode(201);
        assertThat(Rows.column(db, "SELECT count(*) FROM users WHERE email = ?", email)).containsExactly("1");

        // an API token wins over a session cookie sent along; a bearer JWT does not (SmallRye JWT reads the cookie
        // first), so that request is the cookie's and needs its token
        String apiToken = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body(Map.of("name", "csrf-bearer-" + System.nanoTime(), "role", "admin"))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String second = Browser.uniqueEmail("csrf-bearer-cookie");
        String body = "{\"email\":\"" + second + "\",\"password\":\"" + Browser.PASSWORD + "\",\"role\":\"viewer\"}";
        given().auth().oauth2(Browser.adminBearer()).cookie(SessionTokens.SESSION_COOKIE, session)
                .contentType(ContentType.JSON).body(body).post("/api/v1/users")
                .then().statusCode(403);
        given().auth().oauth2(apiToken).cookie(SessionTokens.SESSION_COOKIE, session)
                .contentType(ContentType.JSON).body(body).post("/api/v1/users")
                .then().statusCode(201);
    }

    /** 403, a page naming the CSRF token; never a 500, never a redirect that looks like success, no session. */
    private static void assertRefused(Response response) {
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.getHeader("Location")).isNull();
        assertThat(response.getCookie(SessionTokens.SESSION_COOKIE)).isNull();
        assertThat(response.asString()).contains("CSRF token").doesNotContain("Exception", "at io.", "at dev.");
    }

    private String count(String table) {
        return Rows.column(db, "SELECT count(*) FROM " + table).get(0);
    }

    private static String flip(String token) {
        char last = token.charAt(token.length() - 1);
        return token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
    }
}
