package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.checks.AnthropicStandIn.NoCredit;
import dev.keyhouse.checks.AnthropicStandIn.ServerError;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link AnthropicCheck} against {@link AnthropicStandIn}: each classification it can produce, and the exact requests. */
class AnthropicCheckTest extends StandInContract<AnthropicStandIn> {

    private static final String MODEL = "claude-sonnet-4-5";

    private final AnthropicStandIn anthropic = standIn;
    private final ProviderChecks checks = Checks.of(new AnthropicCheck());

    AnthropicCheckTest() {
        super(new AnthropicStandIn());
    }

    @Override
    protected CheckOutcome check(String key) {
        return check(anthropic.baseUrl(), key, MODEL, null);
    }

    private CheckOutcome check(String baseUrl, String key, String model, String apiVersion) {
        return checks.check(Checks.target(ProviderKind.LLM, "anthropic", Set.of("apiKey"), "baseUrl", baseUrl,
                "apiKey", key, "model", model, "apiVersion", apiVersion));
    }

    @Test
    void aGoodKeyIsOkAfterTheModelsListAndAFreeTokenCountAndTheDecoyIsRejected() throws Exception {
        String key = anthropic.key(Scenario.GOOD);
        CheckOutcome outcome = check(key);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "anthropic");

        assertThat(anthropic.received()).hasSize(3);
        StandIn.Received models = anthropic.received().get(0);
        assertThat(models.method()).isEqualTo("GET");
        assertThat(models.path()).isEqualTo("/v1/models");
        assertThat(models.query()).isEqualTo("limit=1");
        assertThat(models.header("x-api-key")).isEqualTo(key);
        assertThat(models.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(models.header("Authorization")).isNull();

        StandIn.Received count = anthropic.received().get(1);
        assertThat(count.method()).isEqualTo("POST");
        assertThat(count.path()).isEqualTo("/v1/messages/count_tokens");
        assertThat(count.query()).isNull();
        assertThat(count.header("x-api-key")).isEqualTo(key);
        assertThat(count.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(count.header("Content-Type")).startsWith("application/json");
        assertThat(new ObjectMapper().readTree(count.body())).isEqualTo(new ObjectMapper().readTree(
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}"));

        StandIn.Received decoy = anthropic.received().get(2);
        assertThat(decoy.method()).isEqualTo("GET");
        assertThat(decoy.path()).isEqualTo("/v1/models");
        assertThat(decoy.header("x-api-key")).isNotEqualTo(key).startsWith("sk-ant-api03-").hasSameSizeAs(key);

        for (StandIn.Received request : anthropic.received()) {
            assertThat(request.path() + "?" + request.query()).doesNotContain(key.substring(13));
        }
    }

    @Test
    void theSettingsApiVersionIsSentWhenItIsAVersionDateAndTheBaseUrlGetsV1WhenItLacksIt() {
        String key = anthropic.key(Scenario.GOOD);
        assertThat(check(anthropic.url(), key, MODEL, "2023-01-01").result()).isEqualTo(CheckResult.OK);
        assertThat(anthropic.received().get(0).path()).isEqualTo("/v1/models");
        assertThat(anthropic.received().get(0).header("anthropic-version")).isEqualTo("2023-01-01");
        assertThat(anthropic.received().get(1).path()).isEqualTo("/v1/messages/count_tokens");

        anthropic.clearReceived();
        assertThat(check(anthropic.baseUrl() + "/", key, MODEL, "latest").result()).isEqualTo(CheckResult.OK);
        assertThat(anthropic.received()).allSatisfy(request -> {
            assertThat(request.path()).startsWith("/v1/").doesNotContain("//");
            assertThat(request.header("anthropic-version")).isEqualTo(AnthropicCheck.DEFAULT_VERSION);
        });
    }

    @Test
    void eachErrorIsClassifiedByAnthropicsErrorType() {
        assertThat(check(anthropic.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "authentication_error");
        assertThat(check(anthropic.key(Scenario.REVOKED))).extracting(CheckOutcome::result, CheckOutcome::code)
                .containsExactly(CheckResult.INVALID_KEY, "authentication_error");
        assertThat(check(anthropic.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 403, "permission_error");
        assertThat(check(anthropic.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result,
                CheckOutcome::status, CheckOutcome::code)
                .containsExactly(CheckResult.RATE_LIMITED, 429, "rate_limit_error");
        assertThat(check(anthropic.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.UNEXPECTED, 500, "api_error");
        // overloaded is Anthropic short of capacity for everyone: nothing about this key, and not a rate limit
        anthropic.serverErrorAs(ServerError.OVERLOADED);
        assertThat(check(anthropic.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result,
                CheckOutcome::status, CheckOutcome::code, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.UNEXPECTED, 529, "overloaded_error", NegativeControl.REJECTED);
    }

    @Test
    void noCreditIsSeenWhereTokensAreCountedInEveryDocumentedShape() {
        // the models list answers 200 for a key without credit: only the token count shows it
        String key = anthropic.key(Scenario.NO_CREDIT);
        assertThat(check(key)).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl)
                .containsExactly(CheckResult.NO_CREDIT, 400, "credit_balance_too_low", NegativeControl.REJECTED);
        assertThat(anthropic.received()).extracting(StandIn.Received::path)
                .containsExactly("/v1/models", "/v1/messages/count_tokens", "/v1/models");

        anthropic.noCreditAs(NoCredit.USAGE_LIMIT);
        assertThat(check(key)).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code)
                .containsExactly(CheckResult.NO_CREDIT, 400, "usage_limit_reached");
        anthropic.noCreditAs(NoCredit.BILLING_ERROR);
        assertThat(check(key)).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code)
                .containsExactly(CheckResult.NO_CREDIT, 402, "billing_error");
        // a spend limit comes as a 429 rate_limit_error: its detail code, not the status, says it will not pass
        anthropic.noCreditAs(NoCredit.SPEND_LIMIT);
        assertThat(check(key)).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code)
                .containsExactly(CheckResult.NO_CREDIT, 429, "enforced_spend_limit_reached");
    }

    @Test
    void anUnknownModelIsUnexpectedNotABadKeyAndWithoutAModelOnlyTheModelsListIsCalled() {
        String key = anthropic.key(Scenario.GOOD);
        assertThat(check(anthropic.baseUrl(), key, "claude-none-1", null)).extracting(CheckOutcome::result,
                CheckOutcome::status, CheckOutcome::code)
                .containsExactly(CheckResult.UNEXPECTED, 404, "not_found_error");

        anthropic.clearReceived();
        assertThat(check(anthropic.baseUrl(), key, null, null).result()).isEqualTo(CheckResult.OK);
        assertThat(anthropic.received()).extracting(StandIn.Received::path)
                .containsExactly("/v1/models", "/v1/models");
    }

    @Test
    void aTargetWithoutAKeyIsNotSent() {
        CheckOutcome outcome = check(anthropic.baseUrl(), null, MODEL, null);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::code)
                .containsExactly(CheckResult.UNVERIFIABLE, "incomplete");
        assertThat(anthropic.received()).isEmpty();
    }
}
