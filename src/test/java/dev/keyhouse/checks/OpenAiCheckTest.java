package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.OpenAiStandIn.Forbidden;
import dev.keyhouse.checks.OpenAiStandIn.NoCredit;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link OpenAiCheck} against {@link OpenAiStandIn}: each classification it can produce, and the exact request. */
class OpenAiCheckTest extends StandInContract<OpenAiStandIn> {

    private final OpenAiStandIn openai = standIn;
    private final ProviderChecks checks = Checks.of(new OpenAiCheck());

    OpenAiCheckTest() {
        super(new OpenAiStandIn());
    }

    @Override
    protected CheckOutcome check(String key) {
        return checks.check(Checks.target(ProviderKind.LLM, "openai", Set.of("apiKey"), "baseUrl", openai.baseUrl(),
                "apiKey", key));
    }

    @Test
    void aGoodKeyIsOkAndTheDecoyIsRejected() {
        String key = openai.key(Scenario.GOOD);
        CheckOutcome outcome = check(key);
        assertThat(outcome.result()).isEqualTo(CheckResult.OK);
        assertThat(outcome.status()).isEqualTo(200);
        assertThat(outcome.code()).isNull();
        assertThat(outcome.negativeControl()).isEqualTo(NegativeControl.REJECTED);
        assertThat(outcome.kind()).isEqualTo("llm");
        assertThat(outcome.provider()).isEqualTo("openai");

        assertThat(openai.received()).hasSize(2);
        StandIn.Received real = openai.received().get(0);
        assertThat(real.method()).isEqualTo("GET");
        assertThat(real.path()).isEqualTo("/v1/models");
        assertThat(real.query()).isNull();
        assertThat(real.header("Authorization")).isEqualTo("Bearer " + key);
        StandIn.Received decoy = openai.received().get(1);
        assertThat(decoy.path()).isEqualTo("/v1/models");
        String decoyKey = decoy.header("Authorization").substring("Bearer ".length());
        assertThat(decoyKey).isNotEqualTo(key).startsWith("sk-proj-").hasSameSizeAs(key);
    }

    @Test
    void eachAnswerIsClassifiedByTheProvidersErrorCode() {
        assertThat(check(openai.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "invalid_api_key");
        assertThat(check(openai.key(Scenario.REVOKED)).result()).isEqualTo(CheckResult.INVALID_KEY);
        // insufficient_quota comes as 429, like a rate limit: the code decides
        assertThat(check(openai.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.NO_CREDIT, 429, "insufficient_quota");
        assertThat(check(openai.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result, CheckOutcome::code)
                .containsExactly(CheckResult.RATE_LIMITED, "rate_limit_exceeded");
        assertThat(check(openai.key(Scenario.SCOPED)).result()).isEqualTo(CheckResult.FORBIDDEN);
        assertThat(check(openai.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result, CheckOutcome::status)
                .containsExactly(CheckResult.UNEXPECTED, 500);
    }

    @Test
    void everyDocumentedWayOfNoCreditOrNoPermissionIsClassifiedByItsCode() {
        openai.noCreditAs(NoCredit.BILLING_HARD_LIMIT);
        assertThat(check(openai.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.NO_CREDIT, 400, "billing_hard_limit_reached");

        // a restricted key: a 401 like a bad key, but the message names a missing scope
        assertThat(check(openai.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 401, "insufficient_permissions");
        openai.forbiddenAs(Forbidden.REGION);
        assertThat(check(openai.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code)
                .containsExactly(CheckResult.FORBIDDEN, 403, "unsupported_country_region_territory");
        // 401s about the account, not the key
        openai.forbiddenAs(Forbidden.NO_ORGANIZATION);
        assertThat(check(openai.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.FORBIDDEN, 401, "no_organization", NegativeControl.REJECTED);
        openai.forbiddenAs(Forbidden.ACCOUNT_DEACTIVATED);
        assertThat(check(openai.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::code)
                .containsExactly(CheckResult.FORBIDDEN, "account_deactivated");
    }

    @Test
    void theOrganizationIsSentWhenSetAndAWrongOneIsForbiddenNotABadKey() {
        String key = openai.key(Scenario.GOOD);
        CheckOutcome right = checks.check(Checks.target(ProviderKind.LLM, "openai", Set.of("apiKey"), "baseUrl",
                openai.baseUrl(), "apiKey", key, "organization", OpenAiStandIn.ORGANIZATION));
        assertThat(right.result()).isEqualTo(CheckResult.OK);
        assertThat(openai.received()).allSatisfy(request -> assertThat(request.header("OpenAI-Organization"))
                .isEqualTo(OpenAiStandIn.ORGANIZATION));

        CheckOutcome wrong = checks.check(Checks.target(ProviderKind.LLM, "openai", Set.of("apiKey"), "baseUrl",
                openai.baseUrl(), "apiKey", key, "organization", "org-someoneelse"));
        assertThat(wrong).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl)
                .containsExactly(CheckResult.FORBIDDEN, 401, "mismatched_organization", NegativeControl.REJECTED);
    }

    @Test
    void aCustomEndpointIsCheckedTheSameWayAndOneWithoutAKeyIsNotSent() {
        String key = openai.key(Scenario.GOOD);
        CheckOutcome outcome = checks.check(Checks.target(ProviderKind.LLM, ProviderKind.CUSTOM, Set.of("apiKey"),
                "baseUrl", openai.baseUrl() + "/", "apiKey", key));
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, "custom");
        assertThat(openai.received().get(0).path()).isEqualTo("/v1/models");
        assertThat(openai.received().get(0).header("Authorization")).isEqualTo("Bearer " + key);

        openai.clearReceived();
        CheckOutcome keyless = checks.check(Checks.target(ProviderKind.LLM, ProviderKind.CUSTOM, Set.of("apiKey"),
                "baseUrl", openai.baseUrl()));
        assertThat(keyless).extracting(CheckOutcome::result, CheckOutcome::code)
                .containsExactly(CheckResult.UNVERIFIABLE, "no_check");
        assertThat(openai.received()).isEmpty();
    }
}
