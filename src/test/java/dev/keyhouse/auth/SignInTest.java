package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static io.restassured.matcher.RestAssuredMatchers.detailedCookie;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

@QuarkusTest
class SignInTest {

    @Test
    void tokenEndpointIssuesABearerTokenThatOpensTheApi() {
        String token = given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL + "\",\"password\":\"" + TestSettings.ADMIN_PASSWORD + "\"}")
                .post("/api/v1/auth/token")
                .then().statusCode(200)
                .body("token_type", equalTo("Bearer"))
                .extract().path("access_token");
        assertThat(token).isNotBlank();
        given().auth().oauth2(token).get("/api/v1/users").then().statusCode(200);
    }

    @Test
    void wrongPasswordIsAProblem() {
        given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL + "\",\"password\":\"nope-nope-nope\"}")
                .post("/api/v1/auth/token")
                .then().statusCode(401).contentType(startsWith("application/problem+json"));
    }

    @Test
    void formSignInSetsASessionCookie() {
        Response form = given().get("/login?next=/admin/users");
        form.then().statusCode(200).body(containsString("csrf-token"));
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        Response signedIn = given().redirects().follow(false)
                .cookies(form.getCookies())
                .formParam("csrf-token", csrf)
                .formParam("email", TestSettings.ADMIN_EMAIL)
                .formParam("password", TestSettings.ADMIN_PASSWORD)
                .formParam("next", "/admin/users")
                .post("/login");
        signedIn.then().statusCode(303).header("Location", containsString("/admin/users"))
                .cookie(SessionTokens.SESSION_COOKIE, detailedCookie().httpOnly(true).sameSite("Strict").path("/"));
        given().cookie(SessionTokens.SESSION_COOKIE, signedIn.getCookie(SessionTokens.SESSION_COOKIE))
                .redirects().follow(false)
                .get("/admin/users").then().statusCode(200);
    }

    @Test
    void anonymousPageRequestRedirectsToLoginAndApiGets401() {
        given().redirects().follow(false).get("/admin/users")
                .then().statusCode(303).header("Location", containsString("/login?next=%2Fadmin%2Fusers"));
        given().get("/api/v1/users").then().statusCode(401).contentType(startsWith("application/problem+json"));
    }
}
