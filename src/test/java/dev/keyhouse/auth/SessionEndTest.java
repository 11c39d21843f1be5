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

/**
 * Events that end a user's sessions on the server (issue 13 §6): a password change, disabling the user, lowering
 * their role and signing out. After each, the session cookie and the bearer session token issued before it are
 * refused (a page sends the browser to sign in, the API answers 401, and no admin API token can be minted with
 * them), while a new sign-in works. API tokens are not sessions: they survive a password change and sign-out, stop
 * while their creator is disabled and act with no more than the creator's current role. (The bootstrap password
 * reset is {@link BootstrapAdminResetTest}.)
 */
@QuarkusTest
class SessionEndTest {

    private static final String PAGE = "/admin/users";
    private static final String API = "/api/v1/users";
    private static final String NEW_PASSWORD = "a-changed-password-of-test";

    @Inject
    DataSource db;

    /** A session cookie and a bearer session token of one user, both issued before the event. */
    private record Held(String cookie, String bearer) {

        static Held signIn(String email, String password) {
            return new Held(Browser.session(email, password), Browser.bearer(email, password));
        }

        void work() {
            given().cookie(SessionTokens.SESSION_COOKIE, cookie).redirects().follow(false).get(PAGE)
                    .then().statusCode(200);
            given().auth().oauth2(bearer).get(API).then().statusCode(200);
        }

        void areEnded() {
            Response page = given().cookie(SessionTokens.SESSION_COOKIE, cookie).redirects().follow(false).get(PAGE);
            assertThat(page.statusCode()).as("old session cookie on a page").isEqualTo(303);
            assertThat(page.getHeader("Location")).contains("/login?next=");
            given().cookie(SessionTokens.SESSION_COOKIE, cookie).get(API).then().statusCode(401);
            given().auth().oauth2(bearer).get(API).then().statusCode(401);
            given().auth().oauth2(bearer).redirects().follow(false).get(PAGE).then().statusCode(303);
            // the harm of a surviving session: minting an admin API token
            given().auth().oauth2(bearer).contentType(ContentType.JSON)
                    .body("{\"name\":\"after-the-end\",\"role\":\"admin\"}").post("/api/v1/tokens")
                    .then().statusCode(401);
        }
    }

    @Test
    void aPasswordChangeEndsEverySessionAndOnlyTheNewPasswordSignsIn() {
        String email = Browser.uniqueEmail("password-change");
        long id = Browser.newUser(email, "admin");
        Held held = Held.signIn(email, Browser.PASSWORD);
        String apiToken = apiToken(held.bearer(), "survives-password-change");
        held.work();

        patch(id, "{\"password\":\"" + NEW_PASSWORD + "\"}").then().statusCode(200);

        held.areEnded();
        tokenRequest(email, Browser.PASSWORD).then().statusCode(401);
        Held.signIn(email, NEW_PASSWORD).work();
        given().auth().oauth2(apiToken).get(API).then().statusCode(200);
        assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE target = ? ORDER BY id",
                email)).contains(TestSettings.ADMIN_EMAIL + " user.password");
        assertThat(Rows.containing(db, NEW_PASSWORD)).as("the new password anywhere in the database").isEmpty();
    }

    @Test
    void aPasswordSetOnTheUsersPageEndsEverySession() {
        String email = Browser.uniqueEmail("page-password");
        long id = Browser.newUser(email, "viewer");
        Held held = Held.signIn(email, Browser.PASSWORD);
        String admin = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);

        Response tooShort = Browser.signedInForm(admin)
                .formParam("action", "password").formParam("password", "short").formParam("confirmed", "yes")
                .post("/admin/users/" + id);
        assertThat(tooShort.statusCode()).isEqualTo(400);
        assertThat(tooShort.asString()).contains("<p class=\"field-error\">The new password of " + email
                + " must be at least 12 characters</p>").doesNotContain("password: must");
        held.work();

        Response set = Browser.signedInForm(admin)
                .formParam("action", "password").formParam("password", NEW_PASSWORD).formParam("confirmed", "yes")
                .post("/admin/users/" + id);
        assertThat(set.statusCode()).isEqualTo(303);
        assertThat(set.getHeader("Location")).isEqualTo("/admin/users");
        assertThat(set.getCookie(dev.keyhouse.web.Flash.COOKIE)).isEqualTo("password-set");
        held.areEnded();
        Held.signIn(email, NEW_PASSWORD).work();
    }

    @Test
    void aShortPasswordIsRefusedAndEndsNothing() {
        String email = Browser.uniqueEmail("password-short");
        long id = Browser.newUser(email, "viewer");
        Held held = Held.signIn(email, Browser.PASSWORD);

        Response refused = patch(id, "{\"password\":\"short\"}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.jsonPath().getList("errors.field", String.class)).containsExactly("password");
        held.work();
    }

    @Test
    void disablingEndsEverySessionAndStopsTheUsersApiTokensUntilEnabledAgain() {
        String email = Browser.uniqueEmail("disabled");
        long id = Browser.newUser(email, "admin");
        Held held = Held.signIn(email, Browser.PASSWORD);
        String apiToken = apiToken(held.bearer(), "made-before-disable");
        held.work();

        patch(id, "{\"disabled\":true}").then().statusCode(200);

        held.areEnded();
        given().auth().oauth2(apiToken).get(API).then().statusCode(401);
        tokenRequest(email, Browser.PASSWORD).then().statusCode(401);

        patch(id, "{\"disabled\":false}").then().statusCode(200);
        held.areEnded();
        given().auth().oauth2(apiToken).get(API).then().statusCode(200);
        Held.signIn(email, Browser.PASSWORD).work();
    }

    @Test
    void aDemotionEndsEverySessionAndTheUsersAdminTokensActAsViewerTokens() {
        String email = Browser.uniqueEmail("demoted");
        long id = Browser.newUser(email, "admin");
        Held held = Held.signIn(email, Browser.PASSWORD);
        String apiToken = apiToken(held.bearer(), "admin-token-of-a-demoted-admin");
        held.work();

        patch(id, "{\"role\":\"viewer\"}").then().statusCode(200);

        held.areEnded();
        Held again = Held.signIn(email, Browser.PASSWORD);
        again.work();
        createToken(again.bearer()).then().statusCode(403);
        given().auth().oauth2(apiToken).get(API).then().statusCode(200);
        createToken(apiToken).then().statusCode(403);

        // a promotion takes nothing away: the viewer's session goes on, as an admin
        patch(id, "{\"role\":\"admin\"}").then().statusCode(200);
        again.work();
        createToken(again.bearer()).then().statusCode(201);
    }

    @Test
    void signingOutEndsTheSessionOnTheServerNotJustInTheBrowser() {
        String email = Browser.uniqueEmail("signed-out");
        Browser.newUser(email, "admin");
        Held held = Held.signIn(email, Browser.PASSWORD);
        String apiToken = apiToken(held.bearer(), "survives-sign-out");
        held.work();

        Response out = Browser.signedInForm(held.cookie())
                .post("/logout");
        assertThat(out.statusCode()).isEqualTo(303);

        // a copy of the cookie (and the same user's bearer session) no longer opens anything
        held.areEnded();
        given().auth().oauth2(apiToken).get(API).then().statusCode(200);
        Held.signIn(email, Browser.PASSWORD).work();
        assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE target = ? ORDER BY id",
                email)).contains(email + " sign-out");
    }

    @Test
    void signingOutWithAnEndedOrNoSessionStillSignsOut() {
        String email = Browser.uniqueEmail("signed-out-twice");
        Browser.newUser(email, "viewer");
        String cookie = Browser.session(email, Browser.PASSWORD);
        String token = Browser.csrfOf(cookie);
        for (int i = 0; i < 2; i++) {
            Response out = Browser.signedInForm(cookie, token).post("/logout");
            assertThat(out.statusCode()).isEqualTo(303);
            assertThat(out.getHeader("Location")).endsWith("/login");
        }
    }

    private static Response patch(long id, String body) {
        return given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON).body(body)
                .patch("/api/v1/users/" + id);
    }

    private static Response createToken(String bearer) {
        return given().auth().oauth2(bearer).contentType(ContentType.JSON)
                .body("{\"name\":\"made-" + System.nanoTime() + "\",\"role\":\"viewer\"}").post("/api/v1/tokens");
    }

    private static String apiToken(String bearer, String name) {
        return given().auth().oauth2(bearer).contentType(ContentType.JSON)
                .body("{\"name\":\"" + name + "\",\"role\":\"admin\"}").post("/api/v1/tokens")
                .then().statusCode(201).extract().path("token");
    }

    private static Response tokenRequest(String email, String password) {
        return given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}")
                .post("/api/v1/auth/token");
    }
}
