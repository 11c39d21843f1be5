package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ConfirmSteps;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** Admins manage users and API tokens; what is stored, shown and audited. */
@QuarkusTest
class UsersAndTokensTest {

    @Inject
    DataSource db;

    @Test
    void anAdminAddsAUserThroughTheFormAndThePasswordIsStoredOnlyAsBcrypt() {
        String email = Browser.uniqueEmail("form-user");
        String password = "Form-user-pa55word-" + System.nanoTime();
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Response added = Browser.signedInForm(session)
                .formParam("email", email).formParam("password", password).formParam("role", "viewer")
                .post("/admin/users");
        assertThat(added.statusCode()).isEqualTo(303);
        assertThat(added.getHeader("Location")).isEqualTo("/admin/users");
        assertThat(added.getCookie(dev.keyhouse.web.Flash.COOKIE)).isEqualTo("user-added");

        assertThat(Rows.column(db, "SELECT password_hash FROM users WHERE email = ?", email))
                .singleElement().asString().startsWith("$2");
        assertThat(Rows.containing(db, password)).as("the plaintext password anywhere in the database").isEmpty();
        assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE target = ? ORDER BY id", email))
                .contains(TestSettings.ADMIN_EMAIL + " user.add");
        Browser.bearer(email, password);
    }

    /**
     * Issue 20, item 5, without JavaScript: Disable and Revoke are GET forms to a confirmation step, a POST form with
     * the session's CSRF token and {@code confirmed=yes}; the action's POST without it answers the same step and
     * changes nothing; with it, the user is disabled and the token revoked. Enabling asks nothing.
     */
    @Test
    void disableAndRevokeAskFirstWithoutJavaScript() {
        String email = Browser.uniqueEmail("confirm-user");
        long user = Browser.newUser(email, "viewer");
        long token = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"name\":\"confirm-token\",\"role\":\"viewer\"}").post("/api/v1/tokens")
                .then().statusCode(201).extract().jsonPath().getLong("id");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String list = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users").then().statusCode(200)
                .extract().asString();
        assertThat(list).contains("<form class=\"inline\" method=\"get\" action=\"/admin/users/" + user + "/disable\">")
                .contains("<form method=\"get\" action=\"/admin/users/tokens/" + token + "/revoke\">")
                .doesNotContain("value=\"disable\"").doesNotContain("method=\"post\" action=\"/admin/users/tokens/"
                        + token + "/revoke\"");

        String disableStep = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users/" + user + "/disable")
                .then().statusCode(200).extract().asString();
        assertThat(disableStep).contains("Disable user " + email + "?")
                .contains("<input type=\"hidden\" name=\"action\" value=\"disable\">");
        ConfirmSteps.assertStep(disableStep, "/admin/users/" + user);
        String revokeStep = given().cookie(SessionTokens.SESSION_COOKIE, session)
                .get("/admin/users/tokens/" + token + "/revoke").then().statusCode(200).extract().asString();
        assertThat(revokeStep).contains("Revoke API token confirm-token?");
        ConfirmSteps.assertStep(revokeStep, "/admin/users/tokens/" + token + "/revoke");

        Response asked = Browser.signedInForm(session).formParam("action", "disable").post("/admin/users/" + user);
        assertThat(asked.statusCode()).isEqualTo(200);
        ConfirmSteps.assertStep(asked.asString(), "/admin/users/" + user);
        asked = Browser.signedInForm(session).post("/admin/users/tokens/" + token + "/revoke");
        assertThat(asked.statusCode()).isEqualTo(200);
        ConfirmSteps.assertStep(asked.asString(),
                "/admin/users/tokens/" + token + "/revoke");
        assertThat(Rows.column(db, "SELECT disabled::text FROM users WHERE id = ?", user)).containsExactly("false");
        assertThat(Rows.column(db, "SELECT revoked_at FROM api_tokens WHERE id = ?", token)).containsOnlyNulls();

        assertThat(Browser.signedInForm(session).formParam("action", "disable").formParam("confirmed", "yes")
                .post("/admin/users/" + user).statusCode()).isEqualTo(303);
        assertThat(Browser.signedInForm(session).formParam("confirmed", "yes")
                .post("/admin/users/tokens/" + token + "/revoke").statusCode()).isEqualTo(303);
        assertThat(Rows.column(db, "SELECT disabled::text FROM users WHERE id = ?", user)).containsExactly("true");
        assertThat(Rows.column(db, "SELECT revoked_at FROM api_tokens WHERE id = ?", token)).doesNotContainNull();
        assertThat(Browser.signedInForm(session).formParam("action", "enable").post("/admin/users/" + user)
                .statusCode()).as("enabling asks nothing").isEqualTo(303);
    }

    /**
     * Issue 20 (truth 2, point 3): an action that would change nothing (disable a disabled user, enable an enabled
     * one, give the role they have, revoke a revoked token) got a confirm step and a success flash. Each is a 409
     * saying it already is so — at the step and at its confirmation, on the page and over REST — with no audit entry.
     */
    @Test
    void anActionThatChangesNothingIsA409SayingSoAndIsNotAudited() {
        String email = Browser.uniqueEmail("noop-user");
        long user = Browser.newUser(email, "viewer");
        String tokenName = "noop-" + System.nanoTime();
        long token = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"name\":\"" + tokenName + "\",\"role\":\"viewer\"}").post("/api/v1/tokens")
                .then().statusCode(201).extract().jsonPath().getLong("id");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String enabled = "User " + email + " is already enabled: nothing was changed.";
        assertThat(Browser.signedInForm(session).formParam("action", "enable").post("/admin/users/" + user).asString())
                .contains(enabled);
        assertThat(Browser.signedInForm(session).formParam("action", "role").formParam("role", "viewer")
                .post("/admin/users/" + user).asString()).contains("User " + email + " is already a viewer");
        given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON).body("{\"disabled\":true}")
                .patch("/api/v1/users/" + user).then().statusCode(200);
        given().auth().oauth2(Browser.adminBearer()).delete("/api/v1/tokens/" + token).then().statusCode(200);
        long audited = Rows.column(db, "SELECT id FROM audit_events").size();

        String disabled = "User " + email + " is already disabled: nothing was changed.";
        String revoked = "API token " + tokenName + " is already revoked: nothing was changed.";
        List<Response> answers = new ArrayList<>();
        answers.add(given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users/" + user + "/disable"));
        answers.add(Browser.signedInForm(session).formParam("action", "disable").post("/admin/users/" + user));
        answers.add(Browser.signedInForm(session).formParam("action", "disable").formParam("confirmed", "yes")
                .post("/admin/users/" + user));
        for (Response answer : answers) {
            assertThat(answer.statusCode()).isEqualTo(409);
            assertThat(answer.asString()).contains(disabled).doesNotContain("name=\"confirmed\"");
        }
        Response api = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"disabled\":true}").patch("/api/v1/users/" + user);
        api.then().statusCode(409).contentType("application/problem+json");
        assertThat(api.jsonPath().getString("detail")).isEqualTo(disabled);
        answers.clear();
        answers.add(given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users/tokens/" + token + "/revoke"));
        answers.add(Browser.signedInForm(session).post("/admin/users/tokens/" + token + "/revoke"));
        answers.add(Browser.signedInForm(session).formParam("confirmed", "yes")
                .post("/admin/users/tokens/" + token + "/revoke"));
        for (Response answer : answers) {
            assertThat(answer.statusCode()).isEqualTo(409);
            assertThat(answer.asString()).contains(revoked).doesNotContain("name=\"confirmed\"");
        }
        api = given().auth().oauth2(Browser.adminBearer()).delete("/api/v1/tokens/" + token);
        api.then().statusCode(409);
        assertThat(api.jsonPath().getString("detail")).isEqualTo(revoked);
        assertThat(Rows.column(db, "SELECT id FROM audit_events WHERE action IN ('user.disable', 'user.enable',"
                + " 'user.role', 'token.revoke') AND target IN (?, ?) ORDER BY id", email, tokenName))
                .as("one disable, one revoke: the refused ones are not audited").hasSize(2);
        assertThat(Rows.column(db, "SELECT id FROM audit_events").size()).as("nothing audited since").isEqualTo(
                audited);
    }

    /**
     * Issue 20: Change role and Set password act on another user, so each asks first. The role's POST without
     * {@code confirmed=yes} answers the step (the new role named, carried as a hidden field) and changes nothing; a
     * password typed with it is not carried into its step (no secret rendered back): the step has its own empty
     * password field, and the password is unchanged until the step's POST sets it. A confirmed value other than yes
     * is a 400 naming it.
     */
    @Test
    void changingARoleAndSettingAPasswordAskFirst() {
        String email = Browser.uniqueEmail("confirm-role");
        long user = Browser.newUser(email, "viewer");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String list = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users").then().statusCode(200)
                .extract().asString();
        assertThat(list).contains("<form class=\"inline\" method=\"get\" action=\"/admin/users/" + user
                + "/password\">").contains(">Change role…</button>");

        Response role = Browser.signedInForm(session).formParam("action", "role").formParam("role", "admin")
                .post("/admin/users/" + user);
        assertThat(role.statusCode()).isEqualTo(200);
        ConfirmSteps.assertStep(role.asString(), "/admin/users/" + user);
        assertThat(role.asString()).contains("Make " + email + " admin?")
                .contains("<input type=\"hidden\" name=\"action\" value=\"role\">")
                .contains("<input type=\"hidden\" name=\"role\" value=\"admin\">");
        assertThat(Rows.column(db, "SELECT role FROM users WHERE id = ?", user)).containsExactly("viewer");
        assertThat(Browser.signedInForm(session).formParam("action", "role").formParam("role", "admin")
                .formParam("confirmed", "maybe").post("/admin/users/" + user).statusCode()).isEqualTo(400);
        assertThat(Rows.column(db, "SELECT role FROM users WHERE id = ?", user)).containsExactly("viewer");
        assertThat(Browser.signedInForm(session).formParam("action", "role").formParam("role", "admin")
                .formParam("confirmed", "yes").post("/admin/users/" + user).statusCode()).isEqualTo(303);
        assertThat(Rows.column(db, "SELECT role FROM users WHERE id = ?", user)).containsExactly("admin");

        String typed = "Typed-on-the-list-" + System.nanoTime();
        Response asked = Browser.signedInForm(session).formParam("action", "password").formParam("password", typed)
                .post("/admin/users/" + user);
        assertThat(asked.statusCode()).isEqualTo(200);
        String step = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users/" + user + "/password")
                .then().statusCode(200).extract().asString();
        for (String html : List.of(asked.asString(), step)) {
            ConfirmSteps.assertStep(html, "/admin/users/" + user);
            assertThat(html).contains("Set a new password for " + email + "?").doesNotContain(typed)
                    .contains("<input type=\"hidden\" name=\"action\" value=\"password\">")
                    .contains("name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"12\""
                            + " required>");
        }
        Browser.session(email, Browser.PASSWORD); // the password is unchanged: signing in with it works
        String newPassword = "Set-in-the-step-" + System.nanoTime();
        assertThat(Browser.signedInForm(session).formParam("action", "password").formParam("password", newPassword)
                .formParam("confirmed", "yes").post("/admin/users/" + user).statusCode()).isEqualTo(303);
        Browser.session(email, newPassword);
    }

    @Test
    void anAdminAddsAUserOverRest() {
        String email = Browser.uniqueEmail("rest-user");
        String password = "Rest-user-pa55word-" + System.nanoTime();
        JsonPath created = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\",\"role\":\"admin\"}")
                .post("/api/v1/users")
                .then().statusCode(201).extract().jsonPath();
        assertThat(created.getString("email")).isEqualTo(email);
        assertThat(created.getString("role")).isEqualTo("admin");
        assertThat(created.prettify()).doesNotContain(password).doesNotContain("$2");

        assertThat(Rows.column(db, "SELECT password_hash FROM users WHERE email = ?", email))
                .singleElement().asString().startsWith("$2");
        assertThat(Rows.containing(db, password)).isEmpty();
        Browser.bearer(email, password);
    }

    @Test
    void restValidationErrorsNameTheFields() {
        Response bad = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"email\":\"not-an-address\",\"password\":\"short\",\"role\":\"owner\"}")
                .post("/api/v1/users");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.contentType()).startsWith("application/problem+json");
        assertThat(bad.jsonPath().getList("errors.field", String.class)).containsExactlyInAnyOrder("email", "password", "role");
        assertThat(bad.jsonPath().getString("errors.find { it.field == 'password' }.message")).contains("12");

        given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL.toUpperCase() + "\",\"password\":\"long-enough-password\",\"role\":\"viewer\"}")
                .post("/api/v1/users")
                .then().statusCode(400);
        Response duplicate = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL + "\",\"password\":\"long-enough-password\",\"role\":\"viewer\"}")
                .post("/api/v1/users");
        assertThat(duplicate.jsonPath().getList("errors.field", String.class)).containsExactly("email");
    }

    /**
     * Issue 14, item 10: every place a password is set (a new user over REST and on the page, a password set over
     * REST and on the page) refuses common, breached-pattern and guessable passwords on the field password, and
     * nothing is stored or changed; a strong passphrase is taken.
     */
    /**
     * A password is checked, stored and verified in one form (NFKC): set in fullwidth letters, it signs in typed in
     * ASCII and in fullwidth, on the token endpoint and the form; a different password does not.
     */
    @Test
    void aPasswordSignsInTypedInAnyCompatibilityForm() {
        String email = Browser.uniqueEmail("nfkc");
        String fullwidth = "\uff2c\uff41\uff4e\uff54\uff45\uff52\uff4e-\uff4f\uff43\uff48\uff52\uff45-"
                + "\uff4d\uff49\uff47\uff52\uff41\uff54\uff45-47";
        String json = "{\"email\":\"" + email + "\",\"password\":\"" + fullwidth + "\",\"role\":\"viewer\"}";
        given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON).body(json).post("/api/v1/users")
                .then().statusCode(201);
        for (String typed : List.of("Lantern-ochre-migrate-47", fullwidth)) {
            given().contentType(ContentType.JSON)
                    .body("{\"email\":\"" + email + "\",\"password\":\"" + typed + "\"}").post("/api/v1/auth/token")
                    .then().statusCode(200);
        }
        given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + email + "\",\"password\":\"lantern-ochre-migrate-47\"}")
                .post("/api/v1/auth/token").then().statusCode(401);
    }

    @Test
    void guessablePasswordsAreRefusedWhereverAPasswordIsSet() {
        String email = Browser.uniqueEmail("weak-passwords");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        long id = Browser.newUser(Browser.uniqueEmail("weak-change"), "viewer");
        String changed = Rows.column(db, "SELECT id FROM users WHERE id = ?", id).get(0);
        String changedEmail = Rows.column(db, "SELECT email FROM users WHERE id = ?", id).get(0);
        List<String> common = List.of("password1234", "            ", "keyhousekeyhouse", "qwertyuiop[]",
                "1qaz2wsx3edc4rfv", "Password1234!", "abcdefghijkl",
                // lookalike forms: fullwidth, circled, struck through with combining marks, Cyrillic letters
                "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13\uff14",
                "\u24df\u24d0\u24e2\u24e2\u24e6\u24de\u24e1\u24d3\u2460\u2461\u2462\u2463",
                "\uff51\uff57\uff45\uff52\uff54\uff59\uff55\uff49\uff4f\uff50\uff11\uff12\uff13",
                "p\u0336a\u0336s\u0336s\u0336w\u0336o\u0336r\u0336d\u03361234", "p\u0430ssw\u043erd1234");
        List<String> forTheNewUser = new ArrayList<>(common);
        forTheNewUser.add(email);
        for (String weak : forTheNewUser) {
            String json = "{\"email\":\"" + email + "\",\"password\":\"" + weak + "\",\"role\":\"viewer\"}";
            Response created = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON).body(json)
                    .post("/api/v1/users");
            assertThat(created.statusCode()).as(weak).isEqualTo(400);
            assertThat(created.jsonPath().getList("errors.field", String.class)).as(weak).containsExactly("password");
            assertThat(created.jsonPath().getString("errors[0].message")).as(weak)
                    .matches("is too easy to guess.*|must not start or end with a space");
            // UTF-8, as a browser sends the page's form (RestAssured's default would be ISO-8859-1)
            Response form = Browser.signedInForm(session).contentType(ContentType.URLENC.withCharset("UTF-8"))
                    .formParam("email", email).formParam("password", weak).formParam("role", "viewer")
                    .post("/admin/users");
            assertThat(form.statusCode()).as(weak).isEqualTo(400);
            assertThat(form.asString()).as(weak).containsPattern(
                    "<p class=\"field-error\">Password: (is too easy to guess|must not start or end with a space)");
        }
        List<String> forTheChangedUser = new ArrayList<>(common);
        forTheChangedUser.add(changedEmail);
        for (String weak : forTheChangedUser) {
            Response patched = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                    .body("{\"password\":\"" + weak + "\"}").patch("/api/v1/users/" + changed);
            assertThat(patched.statusCode()).as(weak).isEqualTo(400);
            assertThat(patched.jsonPath().getList("errors.field", String.class)).as(weak).containsExactly("password");
            Response set = Browser.signedInForm(session).contentType(ContentType.URLENC.withCharset("UTF-8"))
                    .formParam("action", "password").formParam("password", weak).formParam("confirmed", "yes")
                    .post("/admin/users/" + changed);
            assertThat(set.statusCode()).as(weak).isEqualTo(400);
            assertThat(set.asString()).as(weak).containsPattern(
                    "<p class=\"field-error\">The new password of " + java.util.regex.Pattern.quote(changedEmail)
                            + " (is too easy to guess|must not start or end with a space)");
        }
        assertThat(Rows.column(db, "SELECT email FROM users WHERE email = ?", email)).isEmpty();
        Browser.bearer(changedEmail, Browser.PASSWORD);
        given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"password\":\"Lantern-ochre-migrate-47\"}").patch("/api/v1/users/" + changed)
                .then().statusCode(200);
        Browser.bearer(changedEmail, "Lantern-ochre-migrate-47");
    }

    /**
     * Issue 20 breaker, point 3: the API-token form names each field in its errors as the other forms do ("Name: ...",
     * "Role: ..."), each after its own field in that form, and keeps what was typed; the add-user form's do too.
     */
    @Test
    void theTokenFormNamesTheFieldOfEachErrorAsTheOtherFormsDo() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Response refused = Browser.signedInForm(session).formParam("name", "bad\u0007name").formParam("role", "root")
                .post("/admin/users/tokens");
        assertThat(refused.statusCode()).isEqualTo(400);
        String html = refused.asString();
        int form = html.indexOf("action=\"/admin/users/tokens\"");
        int nameInput = html.indexOf("id=\"token-name\"");
        int nameError = html.indexOf("<p class=\"field-error\">Name: must be 1 to 100 characters");
        int roleSelect = html.indexOf("id=\"token-role\"");
        int roleError = html.indexOf("<p class=\"field-error\">Role: must be admin or viewer</p>");
        assertThat(form).isPositive();
        assertThat(nameError).as("after the name input, before the role").isGreaterThan(nameInput)
                .isLessThan(roleSelect);
        assertThat(roleError).as("after the role select, in the token form").isGreaterThan(roleSelect);
        assertThat(html).as("never the bare field id, nor under the user form").doesNotContain("role: must")
                .doesNotContain(">must be admin or viewer");
        assertThat(html.indexOf("Role: must be admin or viewer")).as("once").isEqualTo(html.lastIndexOf(
                "Role: must be admin or viewer"));
        assertThat(html).contains("id=\"token-name\" name=\"name\" required maxlength=\"100\" value=\"bad");

        Response user = Browser.signedInForm(session).formParam("email", "not an address")
                .formParam("password", "short").formParam("role", "root").post("/admin/users");
        assertThat(user.statusCode()).isEqualTo(400);
        assertThat(user.asString()).contains("<p class=\"field-error\">E-mail: must be an e-mail address</p>")
                .contains("<p class=\"field-error\">Password: must be at least 12 characters</p>")
                .contains("<p class=\"field-error\">Role: must be admin or viewer</p>").doesNotContain("role: must");
    }

    @Test
    void theFormShowsTheErrorNextToTheFieldAndKeepsTheTypedEmail() {
        String email = Browser.uniqueEmail("form-invalid");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Response page = Browser.signedInForm(session)
                .formParam("email", email).formParam("password", "short").formParam("role", "admin")
                .post("/admin/users");
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.contentType()).startsWith("text/html");
        String html = page.asString();
        assertThat(html).contains("id=\"new-email\" name=\"email\" type=\"email\" required value=\"" + email + "\"");
        int passwordInput = html.indexOf("id=\"new-password\"");
        int error = html.indexOf("<p class=\"field-error\">Password: must be at least 12 characters</p>");
        int roleLabel = html.indexOf("for=\"new-role\"");
        assertThat(error).as("the message sits after the password input, before the next field")
                .isGreaterThan(passwordInput).isLessThan(roleLabel);
        assertThat(html).contains("<option value=\"admin\" selected>");
        assertThat(Rows.column(db, "SELECT email FROM users WHERE email = ?", email)).isEmpty();
    }

    @Test
    void theLastEnabledAdministratorCannotBeDisabledOrDemoted() {
        String token = Browser.adminBearer();
        long adminId = Long.parseLong(Rows.column(db, "SELECT id FROM users WHERE email = ?", TestSettings.ADMIN_EMAIL).get(0));
        List<Long> otherAdmins = new ArrayList<>();
        for (String id : Rows.column(db, "SELECT id FROM users WHERE role = 'admin' AND NOT disabled AND id <> ?", adminId)) {
            otherAdmins.add(Long.parseLong(id));
        }
        try {
            for (long other : otherAdmins) {
                patch(token, other, "{\"disabled\":true}").then().statusCode(200);
            }
            Response disable = patch(token, adminId, "{\"disabled\":true}");
            assertThat(disable.statusCode()).isEqualTo(400);
            assertThat(disable.jsonPath().getList("errors.field", String.class)).containsExactly("disabled");
            assertThat(disable.jsonPath().getString("errors[0].message")).contains("last enabled administrator");

            Response demote = patch(token, adminId, "{\"role\":\"viewer\"}");
            assertThat(demote.statusCode()).isEqualTo(400);
            assertThat(demote.jsonPath().getList("errors.field", String.class)).containsExactly("role");

            // the page refuses before it offers the confirmation step (breaker 3, point 4), and at the step's
            // confirmation alike: 409, the list again, naming the user
            String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            String disabled = TestSettings.ADMIN_EMAIL + " cannot be disabled: " + UserAdmin.LAST_ADMIN;
            String demoted = "The role of " + TestSettings.ADMIN_EMAIL + " cannot change: " + UserAdmin.LAST_ADMIN;
            Response step = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users/" + adminId + "/disable");
            assertRefusedOnThePage(step, disabled);
            assertRefusedOnThePage(Browser.signedInForm(session).formParam("action", "disable")
                    .post("/admin/users/" + adminId), disabled);
            assertRefusedOnThePage(Browser.signedInForm(session).formParam("action", "disable")
                    .formParam("confirmed", "yes").post("/admin/users/" + adminId), disabled);
            assertRefusedOnThePage(Browser.signedInForm(session).formParam("action", "role").formParam("role", "viewer")
                    .post("/admin/users/" + adminId), demoted);
            assertRefusedOnThePage(Browser.signedInForm(session).formParam("action", "role").formParam("role", "viewer")
                    .formParam("confirmed", "yes").post("/admin/users/" + adminId), demoted);
            // making the admin an admin changes nothing: no step, a 409 saying so (truth 2, point 3)
            Response same = Browser.signedInForm(session).formParam("action", "role").formParam("role", "admin")
                    .post("/admin/users/" + adminId);
            assertThat(same.statusCode()).isEqualTo(409);
            assertThat(same.asString()).contains("User " + TestSettings.ADMIN_EMAIL + " is already an admin: nothing"
                    + " was changed.").doesNotContain("name=\"confirmed\"");

            assertThat(Rows.column(db, "SELECT role || ' ' || disabled FROM users WHERE id = ?", adminId))
                    .containsExactly("admin false");
        } finally {
            for (long other : otherAdmins) {
                patch(token, other, "{\"disabled\":false}").then().statusCode(200);
            }
        }
    }

    /** A change refused on the users page for leaving no enabled admin: 409, the list with {@code message}, no step. */
    private static void assertRefusedOnThePage(Response answer, String message) {
        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(answer.contentType()).startsWith("text/html");
        assertThat(answer.asString()).contains(message).doesNotContain("name=\"confirmed\"");
    }

    @Test
    void aDemotionEndsTheUsersSessionsAndTheNewSessionHasTheNewRole() {
        String email = Browser.uniqueEmail("demoted");
        long id = Browser.newUser(email, "admin");
        String theirToken = Browser.bearer(email, Browser.PASSWORD);
        createToken(theirToken, "made-while-admin").then().statusCode(201);

        patch(Browser.adminBearer(), id, "{\"role\":\"viewer\"}").then().statusCode(200);
        createToken(theirToken, "made-after-demotion").then().statusCode(401);
        given().auth().oauth2(theirToken).get("/api/v1/users").then().statusCode(401);
        String asViewer = Browser.bearer(email, Browser.PASSWORD);
        createToken(asViewer, "made-as-viewer").then().statusCode(403);
        given().auth().oauth2(asViewer).get("/api/v1/users").then().statusCode(200);

        patch(Browser.adminBearer(), id, "{\"disabled\":true}").then().statusCode(200);
        given().auth().oauth2(asViewer).get("/api/v1/users").then().statusCode(401);

        assertThat(Rows.column(db, "SELECT actor || ' ' || action || ' ' || coalesce(detail, '') FROM audit_events "
                + "WHERE target = ? ORDER BY id", email))
                .contains(TestSettings.ADMIN_EMAIL + " user.role changed role admin → viewer",
                        TestSettings.ADMIN_EMAIL + " user.disable changed state enabled → disabled");
    }

    @Test
    void anApiTokenIsShownOnceStoredAsSha256RecordsItsUseAndDiesWhenRevoked() {
        String admin = Browser.adminBearer();
        String name = "ci-" + System.nanoTime();
        JsonPath created = createToken(admin, name).then().statusCode(201).extract().jsonPath();
        String value = created.getString("token");
        long id = created.getLong("id");
        assertThat(value).startsWith(ApiTokens.PREFIX);

        String list = given().auth().oauth2(admin).get("/api/v1/tokens").then().statusCode(200).extract().asString();
        assertThat(list).contains(name).doesNotContain(value);
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String page = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users").asString();
        assertThat(page).contains(name).doesNotContain(value);

        assertThat(Rows.column(db, "SELECT token_hash FROM api_tokens WHERE id = ?", id))
                .containsExactly(ApiTokens.hash(value));
        assertThat(Rows.containing(db, value)).as("the token anywhere in the database").isEmpty();
        assertThat(Rows.column(db, "SELECT last_used_at FROM api_tokens WHERE id = ?", id)).containsExactly((String) null);

        given().auth().oauth2(value).get("/api/v1/users").then().statusCode(200);
        assertThat(Rows.column(db, "SELECT last_used_at FROM api_tokens WHERE id = ?", id)).doesNotContainNull();
        String used = given().auth().oauth2(admin).get("/api/v1/tokens").then().extract()
                .path("find { it.id == " + id + " }.lastUsedAt");
        assertThat(used).isNotNull();

        given().auth().oauth2(admin).delete("/api/v1/tokens/" + id).then().statusCode(200);
        given().auth().oauth2(value).get("/api/v1/users").then().statusCode(401);
        assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE kind = 'token' AND target = ? ORDER BY id", name))
                .containsExactly(TestSettings.ADMIN_EMAIL + " token.create", TestSettings.ADMIN_EMAIL + " token.revoke");
    }

    @Test
    void aTokenMadeOnThePageIsShownOnlyInThatResponse() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String name = "page-" + System.nanoTime();
        Response created = Browser.signedInForm(session)
                .formParam("name", name).formParam("role", "viewer")
                .post("/admin/users/tokens");
        assertThat(created.statusCode()).isEqualTo(200);
        java.util.regex.Matcher shown = java.util.regex.Pattern.compile("id=\"new-token\">(kh_[A-Za-z0-9_-]+)<")
                .matcher(created.asString());
        assertThat(shown.find()).isTrue();
        String value = shown.group(1);

        assertThat(given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/users").asString())
                .contains(name).doesNotContain(value);
        given().auth().oauth2(value).get("/api/v1/users").then().statusCode(200);
        given().auth().oauth2(value).contentType(ContentType.JSON).body("{\"name\":\"x\",\"role\":\"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(403);
    }

    private static Response patch(String token, long id, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).patch("/api/v1/users/" + id);
    }

    private static Response createToken(String token, String name) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"name\":\"" + name + "\",\"role\":\"viewer\"}").post("/api/v1/tokens");
    }
}
