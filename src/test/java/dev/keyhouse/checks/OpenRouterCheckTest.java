package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.checks.OpenRouterStandIn.NoCredit;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link OpenRouterCheck} against {@link OpenRouterStandIn}: each classification it can produce, and the exact request. */
class OpenRouterCheckTest extends StandInContract<OpenRouterStandIn> {

    private final OpenRouterStandIn openrouter = standIn;
    private final ProviderChecks checks = Checks.of(new OpenRouterCheck());

    OpenRouterCheckTest() {
        super(new OpenRouterStandIn());
    }

    @Override
    protected CheckOutcome check(String key) {
        return checks.check(Checks.target(ProviderKind.LLM, "openrouter", Set.of("apiKey"), "baseUrl",
                openrouter.baseUrl(), "apiKey", key, "model", "openai/gpt-4o-mini"));
    }

    @Test
    void aGoodKeyIsOkOnTheKeyEndpointNotThePublicModelsListAndTheDecoyIsRejected() {
        String key = openrouter.key(Scenario.GOOD);
        CheckOutcome outcome = check(key);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "openrouter");

        assertThat(openrouter.received()).hasSize(2);
        StandIn.Received real = openrouter.received().get(0);
        assertThat(real.method()).isEqualTo("GET");
        assertThat(real.path()).isEqualTo("/api/v1/key");
        assertThat(real.query()).isNull();
        assertThat(real.header("Authorization")).isEqualTo("Bearer " + key);
        StandIn.Received decoy = openrouter.received().get(1);
        assertThat(decoy.path()).isEqualTo("/api/v1/key");
        String decoyKey = decoy.header("Authorization").substring("Bearer ".length());
        assertThat(decoyKey).isNotEqualTo(key).startsWith("sk-or-v1-").hasSameSizeAs(key)
                .matches("sk-or-v1-[0-9a-f]{64}");
    }

    @Test
    void eachAnswerIsClassified() {
        assertThat(check(openrouter.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status)
                .containsExactly(CheckResult.INVALID_KEY, 401);
        assertThat(check(openrouter.key(Scenario.REVOKED))).extracting(CheckOutcome::result, CheckOutcome::status)
                .containsExactly(CheckResult.INVALID_KEY, 401);
        // a management key reads /key fine but cannot call models
        assertThat(check(openrouter.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 200, "management_key");
        assertThat(check(openrouter.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.RATE_LIMITED, 429);
        assertThat(check(openrouter.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.UNEXPECTED, 500);
    }

    @Test
    void aKeyWhoseLimitIsUsedUpIsNoCreditOnA200AndA402IsNoCredit() {
        assertThat(check(openrouter.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.NO_CREDIT, 200, "openrouter_key_limit", NegativeControl.REJECTED);
        openrouter.noCreditAs(NoCredit.PAYMENT_REQUIRED);
        assertThat(check(openrouter.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.NO_CREDIT, 402, "openrouter_credits");
    }

    @Test
    void theKeysLimitDecidesOnlyWhenItIsANumberAtOrBelowZero() throws Exception {
        OpenRouterCheck check = new OpenRouterCheck();
        ProviderCall call = ProviderCall.get(URI.create("https://openrouter.ai/api/v1/key"), Map.of());
        ObjectMapper json = new ObjectMapper();
        for (String remaining : new String[] {"0", "-0.25", "0.0"}) {
            assertThat(check.classify(call, 200, json.readTree("{\"data\":{\"limit\":5,\"limit_remaining\":"
                    + remaining + "}}")).result()).as(remaining).isEqualTo(CheckResult.NO_CREDIT);
        }
        for (String remaining : new String[] {"null", "0.01", "4.9", "\"0\""}) {
            assertThat(check.classify(call, 200, json.readTree("{\"data\":{\"limit\":5,\"limit_remaining\":"
                    + remaining + "}}")).result()).as(remaining).isEqualTo(CheckResult.OK);
        }
        // a 200 that is not OpenRouter's answer (a proxy's page, not JSON) proves nothing
        assertThat(check.classify(call, 200, null).result()).isEqualTo(CheckResult.UNEXPECTED);
        assertThat(check.classify(call, 200, json.readTree("{\"models\":[]}")).result())
                .isEqualTo(CheckResult.UNEXPECTED);
    }
}
