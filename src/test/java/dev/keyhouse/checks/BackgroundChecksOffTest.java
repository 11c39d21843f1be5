package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** PROVIDER_CHECK_INTERVAL_SECONDS=0 (what every test without a checks profile runs with): nothing is checked. */
@QuarkusTest
class BackgroundChecksOffTest {

    private static final OpenAiStandIn OPENAI = new OpenAiStandIn();

    @Inject
    BackgroundChecks background;

    @AfterAll
    static void stop() {
        OPENAI.close();
    }

    @Test
    void intervalZeroRunsNothing() {
        SettingsApi.saveLlm(OPENAI.baseUrl(), OPENAI.key(Scenario.GOOD));
        // the save itself was checked (PROVIDER_CHECK_MODE=enforce) and its check is the stored key's last one
        String checkedOnSave = SettingsApi.setting("llm").getString("lastCheck.checkedAt");
        assertThat(checkedOnSave).isNotNull();
        OPENAI.clearReceived();

        assertThat(background.enabled()).isFalse();
        assertThat(background.runDue()).isEmpty();
        assertThat(background.check(ProviderKind.LLM)).isEmpty();

        assertThat(OPENAI.received()).as("no background request reached the provider").isEmpty();
        assertThat(SettingsApi.setting("llm").getString("lastCheck.checkedAt")).as("no new check recorded")
                .isEqualTo(checkedOnSave);
    }
}
