package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * A restart with a changed SYSTEM_ADMIN_PASSWORD resets the bootstrap administrator's password: the way an operator
 * recovers access. The reset ends every session issued before it and is audited. (Its profile has a database of its
 * own, so the other profiles' classes never meet the changed password.)
 */
@QuarkusTest
@TestProfile(Profiles.RotatedAdminPassword.class)
class BootstrapAdminResetTest {

    @Inject
    DataSource db;
    @Inject
    BootstrapAdmin bootstrapAdmin;

    @Test
    void theOldPasswordStopsWorkingAndTheNewOneWorks() {
        tokenRequest(TestSettings.ADMIN_PASSWORD).then().statusCode(401);
        tokenRequest(Profiles.RotatedAdminPassword.NEW_PASSWORD).then().statusCode(200);
    }

    @Test
    void theStartUpLogSaysSoWithoutThePassword() throws Exception {
        String log = Files.readString(Path.of(Profiles.RotatedAdminPassword.LOG_FILE));
        assertThat(log).contains("reset the password of " + TestSettings.ADMIN_EMAIL + " from SYSTEM_ADMIN_PASSWORD")
                .doesNotContain(Profiles.RotatedAdminPassword.NEW_PASSWORD)
                .doesNotContain(TestSettings.ADMIN_PASSWORD);
    }

    @Test
    void theBootstrapPasswordIsStoredOnlyAsBcrypt() {
        assertThat(Rows.column(db, "SELECT password_hash FROM users WHERE email = ? AND bootstrap", TestSettings.ADMIN_EMAIL))
                .singleElement().asString().startsWith("$2");
        assertThat(Rows.containing(db, Profiles.RotatedAdminPassword.NEW_PASSWORD)).isEmpty();
        assertThat(Rows.containing(db, TestSettings.ADMIN_PASSWORD)).isEmpty();
    }

    /**
     * A session from before the reset is ended, on the page and the API, and cannot mint an API token; signing in
     * with the new password works; the reset is audited without either password. The reset is the start-up
     * observer a restart runs, called again after the stored password is set back to the old one: the sessions are
     * then real ones this application issued, whichever test ran first on the database.
     */
    @Test
    void aResetEndsEverySessionIssuedBeforeItAndIsAudited() throws Exception {
        String lastEvent = Rows.column(db, "SELECT coalesce(max(id), 0) FROM audit_events").get(0);
        setStoredPassword(TestSettings.ADMIN_PASSWORD);
        String cookie = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String bearer = Browser.bearer(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        given().auth().oauth2(bearer).get("/api/v1/users").then().statusCode(200);
        // what a stolen session could mint before the recovery
        String minted = given().auth().oauth2(bearer).contentType(ContentType.JSON)
                .body("{\"name\":\"minted-before-reset\",\"role\":\"admin\"}").post("/api/v1/tokens")
                .then().statusCode(201).extract().path("token");
        given().auth().oauth2(minted).get("/api/v1/users").then().statusCode(200);

        bootstrapAdmin.onStart(null);

        given().auth().oauth2(minted).get("/api/v1/users").then().statusCode(401);
        given().auth().oauth2(bearer).get("/api/v1/users").then().statusCode(401);
        given().auth().oauth2(bearer).contentType(ContentType.JSON).body("{\"name\":\"stolen\",\"role\":\"admin\"}")
                .post("/api/v1/tokens").then().statusCode(401);
        given().cookie(SessionTokens.SESSION_COOKIE, cookie).get("/api/v1/users").then().statusCode(401);
        Response page = given().cookie(SessionTokens.SESSION_COOKIE, cookie).redirects().follow(false)
                .get("/admin/users");
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.getHeader("Location")).contains("/login?next=");

        tokenRequest(TestSettings.ADMIN_PASSWORD).then().statusCode(401);
        String after = Browser.session(TestSettings.ADMIN_EMAIL, Profiles.RotatedAdminPassword.NEW_PASSWORD);
        given().cookie(SessionTokens.SESSION_COOKIE, after).redirects().follow(false).get("/admin/users")
                .then().statusCode(200);
        given().auth().oauth2(Browser.bearer(TestSettings.ADMIN_EMAIL, Profiles.RotatedAdminPassword.NEW_PASSWORD))
                .get("/api/v1/users").then().statusCode(200);

        List<String> events = Rows.column(db, "SELECT t::text FROM audit_events t WHERE id > ? AND actor = 'system' "
                + "AND action = ? AND target = ? ORDER BY id", Long.parseLong(lastEvent), BootstrapAdmin.RESET_ACTION,
                TestSettings.ADMIN_EMAIL);
        assertThat(events).hasSize(1);
        assertThat(events.get(0)).contains("SYSTEM_ADMIN_PASSWORD")
                .doesNotContain(Profiles.RotatedAdminPassword.NEW_PASSWORD)
                .doesNotContain(TestSettings.ADMIN_PASSWORD);
        assertThat(Rows.containing(db, Profiles.RotatedAdminPassword.NEW_PASSWORD)).isEmpty();
    }

    /** A start with an unchanged SYSTEM_ADMIN_PASSWORD ends no session and records nothing. */
    @Test
    void aStartWithTheSamePasswordEndsNothing() throws Exception {
        String bearer = Browser.bearer(TestSettings.ADMIN_EMAIL, Profiles.RotatedAdminPassword.NEW_PASSWORD);
        String lastEvent = Rows.column(db, "SELECT coalesce(max(id), 0) FROM audit_events").get(0);

        bootstrapAdmin.onStart(null);

        given().auth().oauth2(bearer).get("/api/v1/users").then().statusCode(200);
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE id > ? AND action = ?",
                Long.parseLong(lastEvent), BootstrapAdmin.RESET_ACTION)).isEmpty();
    }

    /**
     * Issue 17: a start whose SYSTEM_ADMIN_PASSWORD did not change runs no bcrypt. The row's keyed check (64 hex
     * digits, never the password) says the stored hash is this password's; a missing or foreign check is decided by
     * bcrypt as before, which writes the check again, so the next start needs no bcrypt.
     */
    @Test
    void anUnchangedPasswordIsKnownByTheKeyedCheckAndAMissingOrForeignCheckFallsBackToBcrypt() throws Exception {
        assertThat(bootstrapAdmin.bootstrap()).isIn(BootstrapAdmin.Outcome.UNCHANGED, BootstrapAdmin.Outcome.VERIFIED);
        assertThat(bootstrapAdmin.bootstrap()).isEqualTo(BootstrapAdmin.Outcome.UNCHANGED);
        String check = storedCheck();
        assertThat(check).matches("[0-9a-f]{64}");

        for (String foreign : new String[] {null, "ab".repeat(32), check.substring(1) + "0"}) {
            setStoredCheck(foreign);
            assertThat(bootstrapAdmin.bootstrap()).as("check %s", foreign).isEqualTo(BootstrapAdmin.Outcome.VERIFIED);
            assertThat(storedCheck()).isEqualTo(check);
            assertThat(bootstrapAdmin.bootstrap()).isEqualTo(BootstrapAdmin.Outcome.UNCHANGED);
        }
        tokenRequest(Profiles.RotatedAdminPassword.NEW_PASSWORD).then().statusCode(200);
        assertThat(Rows.containing(db, Profiles.RotatedAdminPassword.NEW_PASSWORD)).isEmpty();
    }

    /**
     * The check is bound to the stored hash: a password changed by other means (the Users page writes a new hash)
     * leaves a check that no longer matches, and the next start resets the account to SYSTEM_ADMIN_PASSWORD.
     */
    @Test
    void aPasswordChangedElsewhereVoidsTheCheckAndTheStartResetsIt() throws Exception {
        bootstrapAdmin.bootstrap();
        String check = storedCheck();
        setStoredPassword(TestSettings.ADMIN_PASSWORD);
        assertThat(storedCheck()).isEqualTo(check);

        assertThat(bootstrapAdmin.bootstrap()).isEqualTo(BootstrapAdmin.Outcome.RESET);

        assertThat(storedCheck()).matches("[0-9a-f]{64}").isNotEqualTo(check);
        tokenRequest(TestSettings.ADMIN_PASSWORD).then().statusCode(401);
        tokenRequest(Profiles.RotatedAdminPassword.NEW_PASSWORD).then().statusCode(200);
        assertThat(bootstrapAdmin.bootstrap()).isEqualTo(BootstrapAdmin.Outcome.UNCHANGED);
    }

    private String storedCheck() {
        return Rows.column(db, "SELECT bootstrap_password_check FROM users WHERE email = ? AND bootstrap",
                TestSettings.ADMIN_EMAIL).get(0);
    }

    private void setStoredCheck(String check) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement update = c.prepareStatement(
                        "UPDATE users SET bootstrap_password_check = ? WHERE email = ? AND bootstrap")) {
            update.setString(1, check);
            update.setString(2, TestSettings.ADMIN_EMAIL);
            assertThat(update.executeUpdate()).isOne();
        }
    }

    private void setStoredPassword(String password) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement update = c.prepareStatement("UPDATE users SET password_hash = ? WHERE email = ?")) {
            update.setString(1, Passwords.hash(password));
            update.setString(2, TestSettings.ADMIN_EMAIL);
            assertThat(update.executeUpdate()).isOne();
        }
    }

    private static io.restassured.response.Response tokenRequest(String password) {
        return given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL + "\",\"password\":\"" + password + "\"}")
                .post("/api/v1/auth/token");
    }
}
