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

    public static String adminToken() {
        return token(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
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
