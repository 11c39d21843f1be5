package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link DeepgramCheck} against {@link DeepgramStandIn}: each classification it can produce, and the exact request. */
class DeepgramCheckTest {

    private final DeepgramStandIn deepgram = new DeepgramStandIn();
    private final ProviderChecks checks = Checks.of(new DeepgramCheck());

    @AfterEach
    void stop() {
        deepgram.close();
    }

    private CheckOutcome check(String key) {
        return checks.check(Checks.target(ProviderKind.STT, "deepgram", Set.of("apiKey"), "baseUrl",
                deepgram.url(), "model", "nova-3", "apiKey", key));
    }

    @Test
    void aGoodKeyIsOkAndTheDecoyIsRejected() {
        String key = deepgram.key(Scenario.GOOD);
        CheckOutcome outcome = check(key);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::kind, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "stt", "deepgram");

        assertThat(deepgram.received()).hasSize(2);
        StandIn.Received real = deepgram.received().get(0);
        assertThat(real.method()).isEqualTo("GET");
        assertThat(real.path()).isEqualTo("/v1/projects");
        assertThat(real.query()).isNull();
        assertThat(real.header("Authorization")).isEqualTo("Token " + key);
        assertThat(real.body()).isEmpty();
        StandIn.Received decoy = deepgram.received().get(1);
        assertThat(decoy.path()).isEqualTo("/v1/projects");
        String decoyKey = decoy.header("Authorization").substring("Token ".length());
        assertThat(decoyKey).isNotEqualTo(key).hasSameSizeAs(key).matches("[0-9a-f]{40}");
    }

    @Test
    void eachAnswerIsClassifiedByDeepgramsErrorCode() {
        assertThat(check(deepgram.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "INVALID_AUTH");
        assertThat(check(deepgram.key(Scenario.REVOKED))).extracting(CheckOutcome::result, CheckOutcome::code)
                .containsExactly(CheckResult.INVALID_KEY, "INVALID_AUTH");
        // also a 401, but the key is real: the code decides
        assertThat(check(deepgram.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 401, "INSUFFICIENT_PERMISSIONS");
        assertThat(check(deepgram.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.RATE_LIMITED, 429, "TOO_MANY_REQUESTS");
        assertThat(check(deepgram.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.UNEXPECTED, 500, "INTERNAL_SERVER_ERROR");
    }

    @Test
    void aProjectWithoutCreditStillListsItsProjectsSoOkDoesNotProveCredit() {
        assertThat(check(deepgram.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status)
                .containsExactly(CheckResult.OK, 200);
        assertThat(new DeepgramCheck().proves()).contains("does not prove credit");
    }

    @Test
    void paymentRequiredIsNoCreditAndAPermissionErrorIsForbiddenWhateverTheStatus() throws Exception {
        DeepgramCheck check = new DeepgramCheck();
        ProviderCall call = check.calls(Checks.target(ProviderKind.STT, "deepgram", Set.of("apiKey"), "apiKey",
                "k")).get(0);
        ObjectMapper json = new ObjectMapper();
        assertThat(check.classify(call, 402, json.readTree("{\"err_code\":\"ASR_PAYMENT_REQUIRED\",\"err_msg\":"
                + "\"Project does not have enough credits\",\"request_id\":\"r\"}")))
                .isEqualTo(Verdict.of(CheckResult.NO_CREDIT, "ASR_PAYMENT_REQUIRED"));
        assertThat(check.classify(call, 402, null)).isEqualTo(Verdict.of(CheckResult.NO_CREDIT));
        assertThat(check.classify(call, 403, json.readTree("{\"err_code\":\"INSUFFICIENT_PERMISSIONS\",\"err_msg\":"
                + "\"Project does not have access to the requested model.\"}")))
                .isEqualTo(Verdict.of(CheckResult.FORBIDDEN, "INSUFFICIENT_PERMISSIONS"));
        // an answer that is not JSON is classified by its status alone
        assertThat(check.classify(call, 401, null)).isEqualTo(Verdict.of(CheckResult.INVALID_KEY));
        assertThat(check.classify(call, 404, null)).isEqualTo(Verdict.of(CheckResult.UNEXPECTED));
    }

    @Test
    void theDefaultBaseIsDeepgramsAndABaseWithTheVersionIsNotDoubled() {
        DeepgramCheck check = new DeepgramCheck();
        assertThat(check.calls(Checks.target(ProviderKind.STT, "deepgram", Set.of("apiKey"), "apiKey", "k")).get(0)
                .uri()).hasToString("https://api.deepgram.com/v1/projects");
        assertThat(check.calls(Checks.target(ProviderKind.STT, "deepgram", Set.of("apiKey"), "baseUrl",
                "https://deepgram.internal:8080/v1/", "apiKey", "k")).get(0).uri())
                .hasToString("https://deepgram.internal:8080/v1/projects");
        assertThatThrownBy(() -> check.calls(Checks.target(ProviderKind.STT, "deepgram", Set.of("apiKey"), "baseUrl",
                "deepgram internal", "apiKey", "k"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("baseUrl is not an absolute URL");
    }

    @Test
    void withoutAKeyNothingIsSent() {
        CheckOutcome outcome = checks.check(Checks.target(ProviderKind.STT, "deepgram", Set.of("apiKey"), "baseUrl",
                deepgram.url()));
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::code, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.UNVERIFIABLE, "incomplete", NegativeControl.NOT_RUN);
        assertThat(deepgram.received()).isEmpty();
    }

    @Test
    void customSpeechProvidersHaveNoCheck() {
        ProviderChecks voice = Checks.of(new DeepgramCheck(), new SonioxCheck(), new ElevenLabsCheck(),
                new SarvamCheck());
        for (ProviderKind kind : Set.of(ProviderKind.STT, ProviderKind.TTS)) {
            assertThat(voice.checkFor(kind, ProviderKind.CUSTOM)).isEmpty();
            CheckOutcome outcome = voice.check(Checks.target(kind, ProviderKind.CUSTOM, Set.of("apiKey"), "baseUrl",
                    deepgram.url(), "apiKey", deepgram.key(Scenario.GOOD)));
            assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::code, CheckOutcome::status,
                    CheckOutcome::negativeControl)
                    .containsExactly(CheckResult.UNVERIFIABLE, "no_check", null, NegativeControl.NOT_RUN);
        }
        assertThat(deepgram.received()).isEmpty();
    }

    @Test
    void aSlowProviderIsUnreachableAfterTheTimeout() {
        CheckAssertions.slowIsUnreachable(deepgram, this::check);
    }

    @Test
    void anEndpointThatAcceptsAnyKeyIsUnverifiableNeverOk() {
        CheckAssertions.acceptingAnyKeyIsUnverifiable(deepgram, this::check);
    }

    @Test
    void aKeyEchoedInTheAnswerIsNeverPartOfTheOutcome() {
        CheckAssertions.echoedKeyNeverInTheOutcome(deepgram, Scenario.INVALID, CheckResult.INVALID_KEY, this::check);
    }
}
