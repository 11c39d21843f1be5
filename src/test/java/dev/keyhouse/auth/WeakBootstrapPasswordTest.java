package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A weak SYSTEM_ADMIN_PASSWORD ({@link Profiles.RotatedAdminPassword}) is warned about loudly at start-up, never
 * refused: it may be the password that lets the operator in today. (Its profile has a database of its
 * own, so the other profiles' classes never meet the changed password.)
 */
@QuarkusTest
@TestProfile(Profiles.RotatedAdminPassword.class)
class WeakBootstrapPasswordTest {

    @Test
    void keyhouseStartsTheWeakPasswordStillWorksAndTheLogWarnsWithoutIt() throws Exception {
        Browser.bearer(TestSettings.ADMIN_EMAIL, Profiles.RotatedAdminPassword.NEW_PASSWORD);
        String log = Files.readString(Path.of(Profiles.RotatedAdminPassword.LOG_FILE));
        assertThat(log).contains("WARN").contains("SYSTEM_ADMIN_PASSWORD is too easy to guess: This is a very common"
                + " password.").contains("set a stronger one (e.g. openssl rand -base64 18) and restart")
                .doesNotContain(Profiles.RotatedAdminPassword.NEW_PASSWORD);
    }
}
