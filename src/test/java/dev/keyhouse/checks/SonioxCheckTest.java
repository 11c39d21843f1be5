package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link SonioxCheck} against {@link SonioxStandIn}: each classification it can produce, and the exact request. */
class SonioxCheckTest {

    private final SonioxStandIn soniox = new SonioxStandIn();
    private final ProviderChecks checks = Checks.of(new SonioxCheck());

    @AfterEach
    void stop() {
        soniox.close();
    }

    private CheckOutcome check(String key) {
        return checks.check(Checks.target(ProviderKind.STT, "soniox", Set.of("apiKey"), "baseUrl", soniox.url(),
                "model", "stt-rt-v3", "apiKey", key));
    }

    @Test
    void aGoodKeyIsOkAndTheDecoyIsRejected() {
        String key = soniox.key(Scenario.GOOD);
        assertThat(check(key)).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "soniox");

        assertThat(soniox.received()).hasSize(2);
        StandIn.Received real = soniox.received().get(0);
        assertThat(real.method()).isEqualTo("GET");
        assertThat(real.path()).isEqualTo("/v1/models");
        assertThat(real.query()).isNull();
        assertThat(real.header("Authorization")).isEqualTo("Bearer " + key);
        String decoyKey = soniox.received().get(1).header("Authorization").substring("Bearer ".length());
        assertThat(decoyKey).isNotEqualTo(key).hasSameSizeAs(key).matches("[0-9a-f]{64}");
    }

    @Test
    void eachAnswerIsClassifiedBySonioxsErrorType() {
        assertThat(check(soniox.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "unauthenticated");
        assertThat(check(soniox.key(Scenario.REVOKED)).result()).isEqualTo(CheckResult.INVALID_KEY);
        assertThat(check(soniox.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 403, "permission_denied");
        assertThat(check(soniox.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.RATE_LIMITED, 429, "limit_exceeded");
        assertThat(check(soniox.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.UNEXPECTED, 500, "internal_error");
        // listing models is not billed: a key without credit still lists them
        assertThat(check(soniox.key(Scenario.NO_CREDIT)).result()).isEqualTo(CheckResult.OK);
    }

    @Test
    void aForbiddenAnswerOtherThanAPermissionIsAnInvalidKey() throws Exception {
        // Soniox answers 403 for an expired temporary key as well; only permission_denied means the key is real
        SonioxCheck check = new SonioxCheck();
        ProviderCall call = check.calls(Checks.target(ProviderKind.STT, "soniox", Set.of("apiKey"), "apiKey", "k"))
                .get(0);
        assertThat(check.classify(call, 403, new ObjectMapper().readTree("{\"status_code\":403,\"error_type\":"
                + "\"temporary_api_key_expired\",\"message\":\"m\"}")))
                .isEqualTo(Verdict.of(CheckResult.INVALID_KEY, "temporary_api_key_expired"));
        assertThat(check.classify(call, 429, null)).isEqualTo(Verdict.of(CheckResult.RATE_LIMITED));
        assertThat(call.uri()).hasToString("https://api.soniox.com/v1/models");
    }

    @Test
    void aSlowProviderIsUnreachableAfterTheTimeout() {
        CheckAssertions.slowIsUnreachable(soniox, this::check);
    }

    @Test
    void anEndpointThatAcceptsAnyKeyIsUnverifiableNeverOk() {
        CheckAssertions.acceptingAnyKeyIsUnverifiable(soniox, this::check);
    }

    @Test
    void aKeyEchoedInTheAnswerIsNeverPartOfTheOutcome() {
        CheckAssertions.echoedKeyNeverInTheOutcome(soniox, Scenario.REVOKED, CheckResult.INVALID_KEY, this::check);
    }
}
