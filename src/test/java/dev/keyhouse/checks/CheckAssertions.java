package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;

import dev.keyhouse.checks.StandIn.Scenario;

/**
 * What every provider check must do against its stand-in, whatever the provider: time out, see through an endpoint
 * that accepts any key, and keep an echoed key out of the outcome. Each takes the check to run as a function from a
 * key (issued by the stand-in) to its outcome.
 */
final class CheckAssertions {

    private CheckAssertions() {
    }

    /** A provider that answers after the timeout is unreachable, with no status, and no decoy is sent. */
    static void slowIsUnreachable(StandIn standIn, Function<String, CheckOutcome> check) {
        CheckOutcome outcome = check.apply(standIn.key(Scenario.SLOW));
        assertThat(outcome.result()).isEqualTo(CheckResult.UNREACHABLE);
        assertThat(outcome.status()).isNull();
        assertThat(outcome.negativeControl()).isEqualTo(NegativeControl.NOT_RUN);
        assertThat(standIn.received()).hasSize(1);
    }

    /** An endpoint that accepts any key makes a good key unverifiable, never ok: the decoy was accepted. */
    static void acceptingAnyKeyIsUnverifiable(StandIn standIn, Function<String, CheckOutcome> check) {
        standIn.acceptAnything();
        CheckOutcome outcome = check.apply(standIn.key(Scenario.GOOD));
        assertThat(outcome.result()).isEqualTo(CheckResult.UNVERIFIABLE);
        assertThat(outcome.negativeControl()).isEqualTo(NegativeControl.ACCEPTED);
        assertThat(standIn.received()).hasSize(2);
    }

    /**
     * Answers that echo the key (in the body and a header) are still classified, and neither the key nor its tail
     * appears in the outcome, its JSON or its summary.
     */
    static void echoedKeyNeverInTheOutcome(StandIn standIn, Scenario scenario, CheckResult expected,
            Function<String, CheckOutcome> check) {
        standIn.echoKeys();
        String key = standIn.key(scenario);
        CheckOutcome outcome = check.apply(key);
        assertThat(outcome.result()).isEqualTo(expected);
        assertThat(outcome.toString() + outcome.json() + outcome.summary()).doesNotContain(key)
                .doesNotContain(key.substring(key.length() - 16));
    }
}
