package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Issue 20, point 7, on the runtime target, shared secret and user forms: one submit of a multiply wrong form names
 * every problem, and the refusal shows the form as typed, a secret included (refused or not), sent {@code no-store};
 * the next GET of the page shows the secret nowhere. (The settings form: SettingsPageTest; the
 * secret nowhere else: LeakTest.)
 */
@QuarkusTest
class RefusedFormsTest {

    private String session;

    @BeforeEach
    void signIn() {
        session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
    }

    @Test
    void aRuntimeTargetFormNamesNameDependsOnAndTheDriversRuleAtOnce() {
        long before = targets();
        Response refused = Browser.signedInForm(session).formParam("name", "bad name").formParam("driver", "http")
                .formParam("config.url", "http://127.0.0.1:9/reload").formParam("config.secret", "short")
                .post("/admin/runtimes");

        refused.then().statusCode(400);
        assertThat(refused.getHeaders().getValues("Cache-Control")).as("sent once").containsExactly("no-store");
        assertThat(refused.asString()).contains("must be 1 to 100 letters")
                .contains("must name at least one provider kind, or the target must use a shared secret")
                .contains("must be at least")
                .contains("value=\"bad name\"").contains("value=\"http://127.0.0.1:9/reload\"")
                .as("the refused secret is kept too, next to its message")
                .containsPattern("type=\"password\"[^>]*value=\"short\"");

        String secret = "runtime-form-secret-kept-7d21c9a4e0";
        Response kept = Browser.signedInForm(session).formParam("name", "bad name").formParam("driver", "http")
                .formParam("dependsOn", "llm").formParam("config.url", "http://127.0.0.1:9/reload")
                .formParam("config.secret", secret).post("/admin/runtimes");
        kept.then().statusCode(400);
        assertThat(kept.asString()).containsPattern("type=\"password\"[^>]*value=\"" + secret + "\"");
        assertThat(page("/admin/runtimes")).doesNotContain(secret);
        assertThat(targets()).as("nothing was created").isEqualTo(before);
    }

    @Test
    void aSharedSecretFormKeepsTheTypedValueAndNamesEveryField() {
        String value = "shared-form-value-kept-3b8e51f0c2";
        Response refused = Browser.signedInForm(session).formParam("name", "BadName")
                .formParam("variable", "lower").formParam("generate", "no").formParam("value", value)
                .post("/admin/shared-secrets");

        refused.then().statusCode(400);
        assertThat(refused.getHeaders().getValues("Cache-Control")).as("sent once").containsExactly("no-store");
        assertThat(refused.asString()).contains("Name: must be 1 to 63").contains("Variable: must be 1 to 128")
                .contains("value=\"BadName\"").contains("value=\"lower\"")
                .containsPattern("type=\"password\"[^>]*value=\"" + value + "\"");
        assertThat(page("/admin/shared-secrets")).doesNotContain(value);
    }

    @Test
    void aSharedSecretFormWithABadGenerateChoiceNamesEveryOtherFieldToo() {
        Response refused = Browser.signedInForm(session).formParam("name", "").formParam("variable", "lower")
                .formParam("generate", "perhaps").formParam("targets", "999999999").post("/admin/shared-secrets");

        refused.then().statusCode(400);
        assertThat(refused.asString()).as("one answer names all four").contains("must be yes or no")
                .contains("Name: is required").contains("Variable: must be 1 to 128")
                .contains("Targets: no runtime target has the id 999999999");

        String value = "shared-form-both-chosen-5e0a7c31d9";
        Response both = Browser.signedInForm(session).formParam("name", "BadName").formParam("variable", "OK_VAR")
                .formParam("generate", "yes").formParam("value", value).formParam("targets", "x")
                .post("/admin/shared-secrets");
        both.then().statusCode(400);
        assertThat(both.asString()).contains("Generate or use this value: a value is typed but Generate is chosen")
                .contains("Name: must be 1 to 63").contains("Targets: must be runtime target ids")
                .containsPattern("type=\"password\"[^>]*value=\"" + value + "\"");
    }

    @Test
    void aSharedSecretEditWithABadTargetBoxNamesTheOtherFieldsToo() {
        long id = newSharedSecret("refused-forms-edit", "REFUSED_FORMS_EDIT");
        try {
            Response refused = Browser.signedInForm(session).formParam("version", "1").formParam("name", "BadName")
                    .formParam("variable", "lower").formParam("targets", "x").post("/admin/shared-secrets/" + id);
            refused.then().statusCode(400);
            assertThat(refused.asString()).contains("Targets: must be runtime target ids")
                    .contains("Name: must be 1 to 63").contains("Variable: must be 1 to 128");
        } finally {
            deleteSharedSecret(id);
        }
    }

    @Test
    void aNewUserFormKeepsThePasswordUnlessItWasRefused() {
        String password = "user-form-password-kept-92c1d7";
        Response refused = Browser.signedInForm(session).formParam("email", "not an address")
                .formParam("password", password).formParam("role", "viewer").post("/admin/users");

        refused.then().statusCode(400);
        assertThat(refused.getHeaders().getValues("Cache-Control")).as("sent once").containsExactly("no-store");
        assertThat(refused.asString()).contains("must be an e-mail address").contains("value=\"not an address\"")
                .containsPattern("type=\"password\"[^>]*value=\"" + password + "\"");
        assertThat(page("/admin/users")).doesNotContain(password);

        Response both = Browser.signedInForm(session).formParam("email", "not an address")
                .formParam("password", "short").formParam("role", "nobody").post("/admin/users");
        both.then().statusCode(400);
        assertThat(both.asString()).as("every field's problem in one answer").contains("must be an e-mail address")
                .contains("must be admin or viewer").as("the refused password is kept too")
                .containsPattern("type=\"password\"[^>]*value=\"short\"");
        assertThat(both.getHeaders().getValues("Cache-Control")).as("sent once").containsExactly("no-store");
    }

    @Test
    void aRefusedNewPasswordIsShownAgainInItsStep() {
        String email = Browser.uniqueEmail("refused-step");
        long id = Browser.newUser(email, "viewer");
        Response refused = Browser.signedInForm(session).formParam("action", "password").formParam("password", email)
                .formParam("confirmed", "yes").post("/admin/users/" + id);

        refused.then().statusCode(400);
        assertThat(refused.getHeaders().getValues("Cache-Control")).as("sent once").containsExactly("no-store");
        assertThat(refused.asString()).as("the step again, its field as typed, with why")
                .contains("Set a new password for " + email + "?")
                .containsPattern("type=\"password\"[^>]*value=\"" + java.util.regex.Pattern.quote(email) + "\"")
                .contains("<p class=\"field-error\">The new password of " + email + " is too easy to guess");
        assertThat(page("/admin/users/" + id + "/password")).as("the next GET of the step")
                .doesNotContain("value=\"" + email + "\"");
        Browser.bearer(email, Browser.PASSWORD); // the password is unchanged
    }

    @Test
    void aRefusedSharedSecretValueIsKeptInItsField() {
        StringBuilder random = new StringBuilder("shared-form-value-too-long-");
        while (random.length() <= 4100) {
            random.append(java.util.UUID.randomUUID());
        }
        String value = random.toString();
        Response refused = Browser.signedInForm(session).formParam("name", "refused-forms-long")
                .formParam("variable", "REFUSED_FORMS_LONG").formParam("generate", "no").formParam("value", value)
                .post("/admin/shared-secrets");

        refused.then().statusCode(400);
        assertThat(refused.getHeaders().getValues("Cache-Control")).as("sent once").containsExactly("no-store");
        assertThat(refused.asString()).contains("Value: must be at most 4096 characters")
                .containsPattern("type=\"password\"[^>]*value=\"" + value + "\"");
        assertThat(page("/admin/shared-secrets")).doesNotContain("shared-form-value-too-long-");
    }

    /**
     * Issue 20 (breaker, point 1): an over-long non-secret value is refused naming its field and shown again as
     * typed, on every form that has one (runtime target, shared secret, user, API token, settings).
     */
    @Test
    void anOverLongValueIsShownAgainAsTyped() {
        String name = "n".repeat(150);
        assertKept(Browser.signedInForm(session).formParam("name", name).formParam("driver", "http")
                .formParam("dependsOn", "llm").formParam("config.url", "http://127.0.0.1:9/reload")
                .post("/admin/runtimes"), name);
        String variable = "V".repeat(200);
        assertKept(Browser.signedInForm(session).formParam("name", name).formParam("variable", variable)
                .formParam("generate", "yes").post("/admin/shared-secrets"), name, variable);
        String email = "e".repeat(300) + "@example.com";
        assertKept(Browser.signedInForm(session).formParam("email", email)
                .formParam("password", "long-email-password-3c9e1a").formParam("role", "viewer")
                .post("/admin/users"), email);
        String tokenName = "t".repeat(150);
        assertKept(Browser.signedInForm(session).formParam("name", tokenName).formParam("role", "viewer")
                .post("/admin/users/tokens"), tokenName);
        String model = "m".repeat(300);
        assertKept(Browser.signedInForm(session).formParam("version", "0").formParam("provider", "openai")
                .formParam("model", model).formParam("checkOverride", "true")
                .formParam("checkOverrideReason", "r".repeat(600)).post("/admin/settings/llm"), model,
                "r".repeat(600));
    }

    /** Issue 20 (breaker, point 3): a bad yes/no box on the settings form is labelled as every other error. */
    @Test
    void aBadOverrideBoxOnTheSettingsFormIsLabelled() {
        Response refused = Browser.signedInForm(session).formParam("version", "0").formParam("provider", "openai")
                .formParam("model", "m").formParam("checkOverride", "maybe").post("/admin/settings/llm");
        assertThat(refused.statusCode()).isEqualTo(400);
        // issue 20 (truth 2, point 7): no-store once, from the HTTP filter, not again from the page
        assertThat(refused.getHeaders().getValues("Cache-Control")).as("sent once").containsExactly("no-store");
        assertThat(refused.asString()).contains(
                "<p class=\"field-error\">Save although the key check fails: must be true when ticked, or left out");
    }

    /**
     * Issue 20 (breaker, point 4): an edit form with a required field emptied is a 400 naming it, as the add form
     * answers; nothing is saved.
     */
    @Test
    void anEmptiedRequiredFieldOnASharedSecretEditIsRefused() {
        long id = newSharedSecret("refused-forms-empty", "REFUSED_FORMS_EMPTY");
        try {
            Response refused = Browser.signedInForm(session).formParam("version", "1").formParam("name", "")
                    .formParam("variable", "").post("/admin/shared-secrets/" + id);
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.asString()).contains("Name: is required").contains("Variable: is required");
            assertThat(given().auth().oauth2(Browser.adminBearer()).get("/api/v1/shared-secrets/" + id).jsonPath()
                    .getInt("version")).as("nothing saved").isEqualTo(1);
        } finally {
            deleteSharedSecret(id);
        }
    }

    /**
     * Pagewords, point 6: a settings save over a version another admin replaced (409) names what changed by the
     * form's labels, not the JSON names the REST answer keeps.
     */
    private static long newSharedSecret(String name, String variable) {
        return given().auth().oauth2(Browser.adminBearer()).contentType("application/json")
                .body(Map.of("name", name, "variable", variable)).post("/api/v1/shared-secrets").then()
                .statusCode(201).extract().jsonPath().getLong("id");
    }

    private static void deleteSharedSecret(long id) {
        given().auth().oauth2(Browser.adminBearer()).header("If-Match", "\"1\"").delete("/api/v1/shared-secrets/" + id)
                .then().statusCode(204);
    }

    private static void assertKept(Response refused, String... values) {
        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(400);
        for (String value : values) {
            assertThat(refused.asString()).as("shown again as typed").contains("value=\"" + value + "\"");
        }
    }

    private String page(String path) {
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get(path).then()
                .statusCode(200).extract().asString();
    }

    private static long targets() {
        List<Object> all = given().auth().oauth2(Browser.adminBearer()).get("/api/v1/runtimes").jsonPath()
                .getList("$");
        return all.size();
    }
}
