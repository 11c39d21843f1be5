package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.StandIn.Scenario;

/**
 * What every provider check shows against its stand-in, whatever the provider: a slow provider is unreachable after
 * the timeout and no decoy follows; an endpoint that accepts any key is unverifiable, never ok; a key the provider
 * echoes in its answers is never part of the outcome. A provider's test class extends this and adds a test per
 * classification and the exact request.
 *
 * @param <S> the provider's stand-in
 */
abstract class StandInContract<S extends StandIn> {

    /** The provider's stand-in, closed after each test. */
    protected final S standIn;

    protected StandInContract(S standIn) {
        this.standIn = standIn;
    }

    /** Checks {@code key} against {@link #standIn}, the rest of the setting as the provider's tests have it. */
    protected abstract CheckOutcome check(String key);

    @AfterEach
    void stopStandIn() {
        standIn.close();
    }

    @Test
    void aSlowProviderIsUnreachableAfterTheTimeoutAndNoDecoyIsSent() {
        CheckOutcome outcome = check(standIn.key(Scenario.SLOW));
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.UNREACHABLE, null, NegativeControl.NOT_RUN);
        assertThat(outcome.durationMs()).isGreaterThanOrEqualTo(Checks.TIMEOUT.toMillis());
        assertThat(standIn.received()).hasSize(1);
    }

    @Test
    void anEndpointThatAcceptsAnyKeyIsUnverifiableNeverOk() {
        standIn.acceptAnything();
        CheckOutcome outcome = check(standIn.key(Scenario.GOOD));
        assertThat(outcome.result()).isEqualTo(CheckResult.UNVERIFIABLE);
        assertThat(outcome.negativeControl()).isEqualTo(NegativeControl.ACCEPTED);
    }

    @Test
    void aKeyEchoedInTheAnswerIsNeverPartOfTheOutcome() {
        standIn.echoKeys();
        for (Scenario scenario : new Scenario[] {Scenario.GOOD, Scenario.INVALID, Scenario.REVOKED,
                Scenario.NO_CREDIT, Scenario.SCOPED, Scenario.RATE_LIMITED}) {
            String key = standIn.key(scenario);
            CheckOutcome outcome = check(key);
            // an echo must not change the classification either
            assertThat(outcome.result()).as(scenario.name()).isNotIn(CheckResult.UNEXPECTED, CheckResult.UNREACHABLE);
            String shown = outcome.toString() + outcome.json() + outcome.summary();
            String code = String.valueOf(outcome.code());
            // nothing of the key's secret part (after its prefix), whatever the provider quoted: no 8 characters in
            // a row anywhere, and no 4 (a "****abcd" hint) in the code, the one text taken from the answer
            for (int i = Decoys.prefixLength(key); i + 4 <= key.length(); i++) {
                assertThat(code).as(scenario.name()).doesNotContain(key.substring(i, i + 4));
                if (i + 8 <= key.length()) {
                    assertThat(shown).as(scenario.name()).doesNotContain(key.substring(i, i + 8));
                }
            }
        }
    }
}
