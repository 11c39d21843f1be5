package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.UUID;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.SessionTokens;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Signs in the way clients do: bearer tokens for the API, a session cookie for pages. */
final class Clients {

    static final String VIEWER_PASSWORD = "viewer-password-12345";

    private static String adminToken;

    private Clients() {
    }

    static synchronized String admin() {
        if (adminToken == null) {
            adminToken = token(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        }
        return adminToken;
    }

    /** A new viewer, created through the API; returns its e-mail. */
    static String newViewer() {
        String email = "viewer-" + UUID.randomUUID() + "@keyhouse.test";
        given().auth().oauth2(admin()).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", VIEWER_PASSWORD, "role", "viewer"))
                .post("/api/v1/users").then().statusCode(201);
        return email;
    }

    static String token(String email, String password) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", password))
                .post("/api/v1/auth/token").then().statusCode(200).extract().path("access_token");
    }

    /** The session cookie of a form sign-in. */
    static String session(String email, String password) {
        Response form = given().get("/login");
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        return given().redirects().follow(false).cookies(form.getCookies())
                .formParam("csrf-token", csrf).formParam("email", email).formParam("password", password)
                .formParam("next", "/admin/settings")
                .post("/login").then().statusCode(303).extract().cookie(SessionTokens.SESSION_COOKIE);
    }

    /** The current version of a kind, from its ETag. */
    static long version(String kind) {
        String etag = given().auth().oauth2(admin()).get("/api/v1/settings/" + kind)
                .then().statusCode(200).extract().header("ETag");
        return Long.parseLong(etag.replace("\"", ""));
    }

    static Response put(String kind, long version, Object body) {
        return given().auth().oauth2(admin()).contentType(ContentType.JSON).header("If-Match", "\"" + version + "\"")
                .body(body).put("/api/v1/settings/" + kind);
    }

    /**
     * Saves tts twice over REST: voice meera with key {@code first}, then voice arvind with key {@code second}.
     *
     * @return the version after both saves (the second's)
     */
    static long twoTtsKeys(String first, String second) {
        long version = version("tts");
        put("tts", version, java.util.Map.of("provider", "sarvam", "voice", "meera", "apiKey", first))
                .then().statusCode(200);
        put("tts", version + 1, java.util.Map.of("provider", "sarvam", "voice", "arvind", "apiKey", second))
                .then().statusCode(200);
        return version + 2;
    }

    /** Rolls tts back over REST from {@code version}. */
    static void rollBackTts(long version) {
        given().auth().oauth2(admin()).header("If-Match", "\"" + version + "\"").post("/api/v1/settings/tts/rollback")
                .then().statusCode(200);
    }
}
