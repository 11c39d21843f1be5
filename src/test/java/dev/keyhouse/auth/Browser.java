package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import dev.keyhouse.ApiClient;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** What a browser or a script does to sign in, for tests that need a signed-in caller. */
public final class Browser {

    private Browser() {
    }

    /** The visitor CSRF cookie the sign-in page set and the token its form carries (sign-in only). */
    public record Csrf(String cookie, String token) {

        /** A fresh pair, as GET /login hands one to a new visitor. */
        public static Csrf fetch() {
            Response page = given().get("/login");
            page.then().statusCode(200);
            return new Csrf(page.getCookie("csrf-token"), tokenIn(page.asString()));
        }

        /** A form request carrying this pair. */
        public RequestSpecification form() {
            return given().redirects().follow(false).contentType(ContentType.URLENC)
                    .cookie("csrf-token", cookie).formParam("csrf-token", token);
        }
    }

    /**
     * The CSRF token of a signed-in session as its pages carry it (the sign-out form of GET /admin/settings, which
     * viewers see too): the token every write of that session must send.
     */
    public static String csrfOf(String session) {
        Response page = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .get("/admin/settings");
        page.then().statusCode(200);
        return tokenIn(page.asString());
    }

    /** A form request of a signed-in browser: its session cookie and the session's CSRF token. */
    public static RequestSpecification signedInForm(String session) {
        return signedInForm(session, csrfOf(session));
    }

    /** A form request with this session cookie and this CSRF token (for a session that may have ended since). */
    public static RequestSpecification signedInForm(String session, String token) {
        return given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).formParam("csrf-token", token);
    }

    /** The csrf-token hidden input of an HTML page. */
    public static String tokenIn(String html) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("name=\"csrf-token\" value=\"([^\"]+)\"").matcher(html);
        assertThat(m.find()).as("the page has a csrf-token input").isTrue();
        return m.group(1);
    }

    /** Signs in through the form; returns the session cookie's value. */
    public static String session(String email, String password) {
        Response response = Csrf.fetch().form()
                .formParam("email", email).formParam("password", password).formParam("next", "/admin/users")
                .post("/login");
        response.then().statusCode(303);
        String cookie = response.getCookie(SessionTokens.SESSION_COOKIE);
        assertThat(cookie).as("session cookie of " + email).isNotBlank();
        return cookie;
    }

    /** Signs in through the token endpoint; returns the bearer token. */
    public static String bearer(String email, String password) {
        return given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}")
                .post("/api/v1/auth/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** The bootstrap administrator's bearer token, signed in once per running application ({@link ApiClient#admin}). */
    public static String adminBearer() {
        return ApiClient.admin();
    }

    /** A new user made by the admin over REST; the password is {@link #PASSWORD}. */
    public static long newUser(String email, String role) {
        return ((Number) given().auth().oauth2(adminBearer()).contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"role\":\"" + role + "\"}")
                .post("/api/v1/users")
                .then().statusCode(201).extract().path("id")).longValue();
    }

    public static final String PASSWORD = "a-user-password-of-test";

    /** The session of a new user of {@code role} (admin, viewer), its e-mail unique ({@link #uniqueEmail}). */
    public static String newSession(String what, String role) {
        String email = uniqueEmail(what);
        newUser(email, role);
        return session(email, PASSWORD);
    }

    /**
     * Follows a form's 303 as a browser does ({@link dev.keyhouse.web.Flash}): GETs its Location with the session and
     * the flash cookie the 303 set, asserts that answer is 200 and expires the cookie (its message is shown once), and
     * returns it.
     */
    public static Response followFlash(String session, Response redirect) {
        assertThat(redirect.statusCode()).as(redirect.asString()).isEqualTo(303);
        String flash = redirect.getCookie(dev.keyhouse.web.Flash.COOKIE);
        assertThat(flash).as("the 303 names its message in the flash cookie").isNotNull();
        assertThat(redirect.header("Location")).as("the message is not in the address").doesNotContain("done=");
        Response page = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .cookie(dev.keyhouse.web.Flash.COOKIE, flash).get(redirect.header("Location"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().getValues("Set-Cookie")).as("the page expires the flash: a reload does not repeat it")
                .anyMatch(c -> c.startsWith(dev.keyhouse.web.Flash.COOKIE + "=;") && c.contains("Max-Age=0"));
        return page;
    }

    /** An e-mail no other test uses: throttle state and users outlive a single test. */
    public static String uniqueEmail(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8) + "@keyhouse.test";
    }
}
