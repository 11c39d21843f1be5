package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * LOG_LEVEL=WARN ({@link OperatorSettings}): the root level drops INFO records and keeps warnings. The probe logs
 * under a category no profile sets a level for: the suite's LoggedToFile profile leaves Keyhouse's own categories at
 * DEBUG for the rest of the test JVM, which a real process never has.
 */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class LogLevelTest {

    @Test
    void infoLinesAreDroppedAndWarningsKeptAtWarn() throws Exception {
        try (LogCapture log = LogCapture.install()) {
            Browser.bearer(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            Logger probe = Logger.getLogger("keyhouse.log-level-probe");
            probe.info("log-level-probe-info");
            probe.warn("log-level-probe-warn");
            assertThat(log.text()).contains("log-level-probe-warn").doesNotContain("log-level-probe-info");
        }
    }
}
