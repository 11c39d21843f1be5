package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.GoogleStandIn.Forbidden;
import dev.keyhouse.checks.GoogleStandIn.NoCredit;
import dev.keyhouse.checks.GoogleStandIn.Revoked;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link GoogleCheck} against {@link GoogleStandIn}: each classification it can produce, and the exact request. */
class GoogleCheckTest extends StandInContract<GoogleStandIn> {

    private final GoogleStandIn google = standIn;
    private final ProviderChecks checks = Checks.of(new GoogleCheck());

    GoogleCheckTest() {
        super(new GoogleStandIn());
    }

    @Override
    protected CheckOutcome check(String key) {
        return check(google.baseUrl(), key);
    }

    private CheckOutcome check(String baseUrl, String key) {
        return checks.check(Checks.target(ProviderKind.LLM, "google", Set.of("apiKey"), "baseUrl", baseUrl, "apiKey",
                key, "model", "gemini-2.5-flash"));
    }

    @Test
    void aGoodKeyIsOkOnTheNativeModelsListWithTheKeyInAHeaderAndTheDecoyIsRejected() {
        String key = google.key(Scenario.GOOD);
        CheckOutcome outcome = check(key);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "google");

        assertThat(google.received()).hasSize(2);
        StandIn.Received real = google.received().get(0);
        assertThat(real.method()).isEqualTo("GET");
        // the OpenAI-compatible base URL's /openai is dropped: Google's own models list, one model a page
        assertThat(real.path()).isEqualTo("/v1beta/models");
        assertThat(real.query()).isEqualTo("pageSize=1");
        assertThat(real.header("x-goog-api-key")).isEqualTo(key);
        assertThat(real.header("Authorization")).isNull();
        StandIn.Received decoy = google.received().get(1);
        assertThat(decoy.path()).isEqualTo("/v1beta/models");
        assertThat(decoy.header("x-goog-api-key")).isNotEqualTo(key).startsWith("AIza").hasSameSizeAs(key);
        for (StandIn.Received request : google.received()) {
            assertThat(request.query()).doesNotContain("key=").doesNotContain(key.substring(4));
        }
    }

    @Test
    void theModelsListIsFoundFromOtherBaseUrlsOfTheSameHost() {
        String key = google.key(Scenario.GOOD);
        assertThat(check(google.url(), key).result()).isEqualTo(CheckResult.OK);
        assertThat(check(google.url() + "/v1beta/openai/", key).result()).isEqualTo(CheckResult.OK);
        assertThat(check(google.url() + "/v1beta", key).result()).isEqualTo(CheckResult.OK);
        assertThat(google.received()).extracting(StandIn.Received::path).containsOnly("/v1beta/models");
    }

    @Test
    void anInvalidDeletedExpiredOrLeakedKeyIsInvalid() {
        assertThat(check(google.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 400, "API_KEY_INVALID");
        assertThat(check(google.key(Scenario.REVOKED))).extracting(CheckOutcome::result, CheckOutcome::code)
                .containsExactly(CheckResult.INVALID_KEY, "API_KEY_INVALID");
        google.revokedAs(Revoked.EXPIRED);
        assertThat(check(google.key(Scenario.REVOKED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 400, "API_KEY_INVALID");
        // a 403 with no reason, yet the key is dead for good: not a permission to fix
        google.revokedAs(Revoked.LEAKED);
        assertThat(check(google.key(Scenario.REVOKED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.INVALID_KEY, 403, "key_reported_leaked", NegativeControl.REJECTED);
    }

    @Test
    void aResourceExhaustedIsNoCreditForADailyQuotaOrPrepaidCreditAndARateLimitPerMinute() {
        assertThat(check(google.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.NO_CREDIT, 429, "RESOURCE_EXHAUSTED");
        assertThat(check(google.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.RATE_LIMITED, 429, "RESOURCE_EXHAUSTED");
        google.noCreditAs(NoCredit.PREPAID_CREDIT);
        assertThat(check(google.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.NO_CREDIT, 402, "RESOURCE_EXHAUSTED");
    }

    @Test
    void aRestrictedKeyADisabledApiOrARegionIsForbidden() {
        assertThat(check(google.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 403, "API_KEY_SERVICE_BLOCKED");
        google.forbiddenAs(Forbidden.SERVICE_DISABLED);
        assertThat(check(google.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 403, "SERVICE_DISABLED");
        google.forbiddenAs(Forbidden.REGION);
        assertThat(check(google.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 400, "FAILED_PRECONDITION");
    }

    @Test
    void aServerErrorIsUnexpectedWithItsStatus() {
        assertThat(check(google.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.UNEXPECTED, 500, "INTERNAL");
    }
}
