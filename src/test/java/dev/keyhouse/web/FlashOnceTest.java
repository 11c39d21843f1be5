package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Issue 20 (breaker, point 2): the message of a change just made (the flash) is rendered once, by the layout, on
 * every page that shows one: runtime targets (list and a target's page), users, API tokens, shared secrets (list and
 * a secret's page).
 */
@QuarkusTest
class FlashOnceTest {

    private static final Pattern FLASH = Pattern.compile("class=\"flash\"");

    private String session;

    @BeforeEach
    void signIn() {
        session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
    }

    @Test
    void runtimeTargetMessagesAreShownOnce() {
        String name = "flash-once-" + UUID.randomUUID().toString().substring(0, 8);
        Response added = Browser.signedInForm(session).formParam("name", name).formParam("driver", "http")
                .formParam("dependsOn", "llm").formParam("config.url", "http://127.0.0.1:9/reload")
                .formParam("config.secret", "flash-once-signing-secret-5a0c7e2d9b41").post("/admin/runtimes");
        assertOnce(followed(added), "Runtime target added.");
        long id = given().auth().oauth2(Browser.adminBearer()).get("/api/v1/runtimes").jsonPath()
                .getLong("find { it.name == '" + name + "' }.id");
        try {
            assertOnce(followed(Browser.signedInForm(session).post("/admin/runtimes/" + id + "/hold")),
                    "Runtime target on hold");
        } finally {
            given().auth().oauth2(Browser.adminBearer()).delete("/api/v1/runtimes/" + id).then().statusCode(204);
        }
    }

    @Test
    void userAndTokenMessagesAreShownOnce() {
        Response added = Browser.signedInForm(session).formParam("email", Browser.uniqueEmail("flash-once"))
                .formParam("password", "flash-once-password-8d2f4b1c").formParam("role", "viewer")
                .post("/admin/users");
        assertOnce(followed(added), "User added.");

        Response token = Browser.signedInForm(session).formParam("name", "flash-once-token")
                .formParam("role", "viewer").post("/admin/users/tokens");
        token.then().statusCode(200);
        assertOnce(token.asString(), "API token created.");
    }

    @Test
    void sharedSecretMessagesAreShownOnce() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Response created = Browser.signedInForm(session).formParam("name", "flash-once-" + suffix)
                .formParam("variable", "FLASH_ONCE_" + suffix.toUpperCase()).formParam("generate", "yes")
                .post("/admin/shared-secrets");
        assertOnce(followed(created), "Shared secret added.");
        long id = given().auth().oauth2(Browser.adminBearer()).get("/api/v1/shared-secrets").jsonPath()
                .getLong("find { it.name == 'flash-once-" + suffix + "' }.id");
        try {
            // a save that changes something (the name): one that changes nothing says "Nothing changed" instead
            Response saved = Browser.signedInForm(session).formParam("version", "1")
                    .formParam("name", "flash-once-" + suffix + "-renamed").formParam("variable", "FLASH_ONCE_" + suffix
                            .toUpperCase()).post("/admin/shared-secrets/" + id);
            assertOnce(followed(saved), "Shared secret saved.");
            Response same = Browser.signedInForm(session).formParam("version", "2")
                    .formParam("name", "flash-once-" + suffix + "-renamed").formParam("variable", "FLASH_ONCE_" + suffix
                            .toUpperCase()).post("/admin/shared-secrets/" + id);
            assertOnce(followed(same), "Nothing changed: shared secret flash-once-" + suffix
                    + "-renamed stays at version 2.");
        } finally {
            int version = given().auth().oauth2(Browser.adminBearer()).get("/api/v1/shared-secrets/" + id)
                    .jsonPath().getInt("version");
            given().auth().oauth2(Browser.adminBearer()).header("If-Match", "\"" + version + "\"")
                    .delete("/api/v1/shared-secrets/" + id).then().statusCode(204);
        }
    }

    /** The page a form's 303 leads to, fetched with the flash cookie the 303 set, as a browser does. */
    private String followed(Response posted) {
        assertThat(posted.statusCode()).as(posted.asString()).isEqualTo(303);
        String flash = posted.getCookie(Flash.COOKIE);
        assertThat(flash).as("the redirect names a message").isNotBlank();
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .cookie(Flash.COOKIE, flash).get(posted.header("Location")).then().statusCode(200).extract()
                .asString();
    }

    private static void assertOnce(String page, String text) {
        Matcher flashes = FLASH.matcher(page);
        int count = 0;
        while (flashes.find()) {
            count++;
        }
        assertThat(count).as("one flash on the page").isEqualTo(1);
        assertThat(page.split(Pattern.quote(text), -1)).as("'" + text + "' shown once").hasSize(2);
    }
}
