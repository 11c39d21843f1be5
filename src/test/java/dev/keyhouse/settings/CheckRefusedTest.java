package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.CheckResult;
import dev.keyhouse.checks.NegativeControl;

/** A 422 names the secret the check sent: telephony set up with an API key alone is refused on its secret. */
class CheckRefusedTest {

    private static final CheckOutcome INVALID = new CheckOutcome("telephony", "twilio", CheckResult.INVALID_KEY, 401,
            "20003", Instant.now(), 12, NegativeControl.REJECTED);

    @Test
    void theRefusalNamesTheSecretThatWasChecked() {
        assertThat(new CheckRefused(ProviderKind.TELEPHONY, INVALID, Set.of("apiSecret")).field()).isEqualTo("apiSecret");
        assertThat(new CheckRefused(ProviderKind.TELEPHONY, INVALID, Set.of("authToken", "apiSecret")).field())
                .isEqualTo("authToken");
        assertThat(new CheckRefused(ProviderKind.LLM, INVALID, Set.of("apiKey")).field()).isEqualTo("apiKey");
        assertThat(new CheckRefused(ProviderKind.TELEPHONY, INVALID, Set.of("apiSecret")).fieldMessage())
                .contains("invalid_key (HTTP 401, 20003)").contains("checkOverride.reason");
    }
}
