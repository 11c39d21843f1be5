package dev.keyhouse;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;

/** Bearer tokens for tests, from the real token endpoint. */
public final class ApiClient {

    private ApiClient() {
    }

    public static String token(String email, String password) {
        return given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}")
                .post("/api/v1/auth/token")
                .then().statusCode(200)
                .extract().path("access_token");
    }

    /**
     * A fresh sign-in of the bootstrap administrator, with the password the running application was given
     * ({@link TestSettings#adminPassword()}): for tests about signing in, or that count sign-ins.
     */
    public static String adminToken() {
        return token(TestSettings.ADMIN_EMAIL, TestSettings.adminPassword());
    }

    /** The application {@link #admin} signed in to, and the token it got. */
    private static Object adminApp;
    private static String admin;

    /**
     * The bootstrap administrator's bearer token for a test's setup and requests: one sign-in per running
     * application, reused while that application still accepts it (a sign-in is a bcrypt check, a quarter of a
     * second or more, and setup helpers ask for the token on nearly every call). Signs in again after a restart,
     * when the token was refused (its session ended: a sign-out, a password change) or when it expires within two
     * minutes. Tests about signing in use {@link #adminToken()}.
     */
    public static synchronized String admin() {
        Object app = io.quarkus.arc.Arc.container();
        if (app == null || app != adminApp || admin == null || expiresWithin(admin, java.time.Duration.ofMinutes(2))
                || given().auth().oauth2(admin).get("/api/v1/users").statusCode() != 200) {
            admin = adminToken();
            adminApp = app;
        }
        return admin;
    }

    /** Whether the JWT's {@code exp} is less than {@code margin} from now (true when it has none). */
    private static boolean expiresWithin(String jwt, java.time.Duration margin) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            return true;
        }
        String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]),
                java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher exp = java.util.regex.Pattern.compile("\"exp\"\\s*:\\s*(\\d+)").matcher(claims);
        return !exp.find() || java.time.Instant.ofEpochSecond(Long.parseLong(exp.group(1)))
                .isBefore(java.time.Instant.now().plus(margin));
    }

    /** A viewer created through the API (idempotent per e-mail); returns its bearer token. */
    public static String viewerToken(String email) {
        String password = "viewer-password-" + email.hashCode();
        given().auth().oauth2(adminToken()).contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\",\"role\":\"viewer\"}")
                .post("/api/v1/users");
        return token(email, password);
    }
}
