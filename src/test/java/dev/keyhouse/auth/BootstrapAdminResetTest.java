package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/**
 * A restart with a changed SYSTEM_ADMIN_PASSWORD resets the bootstrap administrator's password: the way an operator
 * recovers access. (The next start with the suite's usual password resets it back.)
 */
@QuarkusTest
@TestProfile(Profiles.RotatedAdminPassword.class)
class BootstrapAdminResetTest {

    @Inject
    DataSource db;

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

    private static io.restassured.response.Response tokenRequest(String password) {
        return given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL + "\",\"password\":\"" + password + "\"}")
                .post("/api/v1/auth/token");
    }
}
