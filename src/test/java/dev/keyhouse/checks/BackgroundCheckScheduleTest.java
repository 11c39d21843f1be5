package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.checks.StandIn.Scenario;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * The schedule itself: with PROVIDER_CHECK_INTERVAL_SECONDS set (an hour) and a poll every second, a stored key is
 * checked by the poll without anyone asking, once per interval (later polls leave it alone), and a changed key is
 * checked at the next poll.
 */
@QuarkusTest
@TestProfile(Profiles.RotatedAdminPassword.class)
class BackgroundCheckScheduleTest {

    private static final OpenAiStandIn OPENAI = new OpenAiStandIn();

    @Inject
    EntityManager em;

    @AfterAll
    static void stop() {
        OPENAI.close();
    }

    private static String awaitResult() throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            String result = SettingsApi.setting("llm").getString("lastCheck.result");
            if (result != null) {
                return result;
            }
            Thread.sleep(200);
        }
        return null;
    }

    @Test
    void theScheduleChecksAStoredKeyOncePerInterval() throws InterruptedException {
        String key = OPENAI.key(Scenario.GOOD);
        SettingsApi.saveLlm(OPENAI.baseUrl(), key);

        assertThat(awaitResult()).as("the poll checked the stored key").isEqualTo("ok");
        assertThat(OPENAI.received()).hasSize(2);
        assertThat(OPENAI.received().get(0).header("Authorization")).isEqualTo("Bearer " + key);

        Thread.sleep(3000);
        assertThat(OPENAI.received()).as("three more polls: not due again within the interval").hasSize(2);
        double dueIn = QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT extract(epoch FROM next_due - now()) FROM provider_checks WHERE kind = 'llm'")
                .getSingleResult()).doubleValue());
        assertThat(dueIn).as("due again PROVIDER_CHECK_INTERVAL_SECONDS after the check")
                .isBetween(Profiles.RotatedAdminPassword.INTERVAL_SECONDS - 30.0,
                        (double) Profiles.RotatedAdminPassword.INTERVAL_SECONDS);

        String next = OPENAI.key(Scenario.NO_CREDIT);
        SettingsApi.saveLlm(OPENAI.baseUrl(), next);
        assertThat(awaitResult()).as("a changed key is checked at the next poll").isEqualTo("no_credit");
        assertThat(OPENAI.received()).hasSize(4);
        assertThat(OPENAI.received().get(2).header("Authorization")).isEqualTo("Bearer " + next);
    }
}
