package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.checks.DeepSeekStandIn.NoCredit;
import dev.keyhouse.checks.DeepSeekStandIn.ServerError;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link DeepSeekCheck} against {@link DeepSeekStandIn}: each classification it can produce, and the exact request. */
class DeepSeekCheckTest extends StandInContract<DeepSeekStandIn> {

    private final DeepSeekStandIn deepseek = standIn;
    private final ProviderChecks checks = Checks.of(new DeepSeekCheck());

    DeepSeekCheckTest() {
        super(new DeepSeekStandIn());
    }

    @Override
    protected CheckOutcome check(String key) {
        return check(deepseek.baseUrl(), key);
    }

    private CheckOutcome check(String baseUrl, String key) {
        return checks.check(Checks.target(ProviderKind.LLM, "deepseek", Set.of("apiKey"), "baseUrl", baseUrl,
                "apiKey", key, "model", "deepseek-chat"));
    }

    @Test
    void aGoodKeyIsOkOnTheBalanceAtTheRootAndTheDecoyIsRejected() {
        String key = deepseek.key(Scenario.GOOD);
        CheckOutcome outcome = check(key);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "deepseek");

        assertThat(deepseek.received()).hasSize(2);
        StandIn.Received real = deepseek.received().get(0);
        assertThat(real.method()).isEqualTo("GET");
        // the base URL is .../v1; the balance is at the root
        assertThat(real.path()).isEqualTo("/user/balance");
        assertThat(real.query()).isNull();
        assertThat(real.header("Authorization")).isEqualTo("Bearer " + key);
        StandIn.Received decoy = deepseek.received().get(1);
        assertThat(decoy.path()).isEqualTo("/user/balance");
        String decoyKey = decoy.header("Authorization").substring("Bearer ".length());
        assertThat(decoyKey).isNotEqualTo(key).matches("sk-[0-9a-f]{32}");
    }

    @Test
    void theBalanceIsFoundFromEveryDocumentedBaseUrl() {
        String key = deepseek.key(Scenario.GOOD);
        for (String baseUrl : new String[] {deepseek.url(), deepseek.url() + "/", deepseek.url() + "/v1/",
                deepseek.url() + "/beta"}) {
            assertThat(check(baseUrl, key).result()).as(baseUrl).isEqualTo(CheckResult.OK);
        }
        assertThat(deepseek.received()).extracting(StandIn.Received::path).containsOnly("/user/balance");
    }

    @Test
    void eachAnswerIsClassified() {
        assertThat(check(deepseek.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "authentication_error");
        assertThat(check(deepseek.key(Scenario.REVOKED))).extracting(CheckOutcome::result, CheckOutcome::status)
                .containsExactly(CheckResult.INVALID_KEY, 401);
        assertThat(check(deepseek.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.RATE_LIMITED, 429);
        assertThat(check(deepseek.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.UNEXPECTED, 500);
        deepseek.serverErrorAs(ServerError.OVERLOADED);
        assertThat(check(deepseek.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.UNEXPECTED, 503);
        // DeepSeek has no scoped keys: one is an ordinary key
        assertThat(check(deepseek.key(Scenario.SCOPED)).result()).isEqualTo(CheckResult.OK);
    }

    @Test
    void anUnavailableBalanceOrA402IsNoCredit() {
        assertThat(check(deepseek.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.NO_CREDIT, 200, "balance_unavailable", NegativeControl.REJECTED);
        deepseek.noCreditAs(NoCredit.INSUFFICIENT_BALANCE);
        assertThat(check(deepseek.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.NO_CREDIT, 402, "insufficient_balance");
    }

    @Test
    void onlyABooleanIsAvailableDecidesA200AndA403IsForbidden() throws Exception {
        DeepSeekCheck check = new DeepSeekCheck();
        ProviderCall call = ProviderCall.get(URI.create("https://api.deepseek.com/user/balance"), Map.of());
        ObjectMapper json = new ObjectMapper();
        assertThat(check.classify(call, 200, json.readTree("{\"is_available\":true}")).result())
                .isEqualTo(CheckResult.OK);
        assertThat(check.classify(call, 200, json.readTree("{\"is_available\":false}")).result())
                .isEqualTo(CheckResult.NO_CREDIT);
        for (String body : new String[] {"{}", "{\"is_available\":\"true\"}", "{\"is_available\":null}", "[]"}) {
            assertThat(check.classify(call, 200, json.readTree(body)).result()).as(body)
                    .isEqualTo(CheckResult.UNEXPECTED);
        }
        assertThat(check.classify(call, 200, null).result()).isEqualTo(CheckResult.UNEXPECTED);
        // not documented by DeepSeek, but a gateway in front of it may answer one
        assertThat(check.classify(call, 403, null).result()).isEqualTo(CheckResult.FORBIDDEN);
    }
}
