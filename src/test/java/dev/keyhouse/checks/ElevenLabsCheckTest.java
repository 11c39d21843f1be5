package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/** {@link ElevenLabsCheck} against {@link ElevenLabsStandIn}: each classification it can produce, and the exact request. */
class ElevenLabsCheckTest {

    private final ElevenLabsStandIn elevenlabs = new ElevenLabsStandIn();
    private final ProviderChecks checks = Checks.of(new ElevenLabsCheck());

    @AfterEach
    void stop() {
        elevenlabs.close();
    }

    private CheckOutcome check(String key) {
        return checks.check(Checks.target(ProviderKind.TTS, "elevenlabs", Set.of("apiKey"), "baseUrl",
                elevenlabs.url(), "voice", "21m00Tcm4TlvDq8ikWAM", "apiKey", key));
    }

    @Test
    void aGoodKeyIsOkAndTheDecoyIsRejected() {
        String key = elevenlabs.key(Scenario.GOOD);
        assertThat(check(key)).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::kind, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "tts", "elevenlabs");

        assertThat(elevenlabs.received()).hasSize(2);
        StandIn.Received real = elevenlabs.received().get(0);
        assertThat(real.method()).isEqualTo("GET");
        assertThat(real.path()).isEqualTo("/v1/voices");
        assertThat(real.query()).isNull();
        assertThat(real.header("xi-api-key")).isEqualTo(key);
        assertThat(real.header("Authorization")).isNull();
        String decoyKey = elevenlabs.received().get(1).header("xi-api-key");
        assertThat(decoyKey).isNotEqualTo(key).hasSameSizeAs(key).matches("sk_[0-9a-f]{48}");
    }

    @Test
    void eachAnswerIsClassifiedByTheDetailStatusNotThe401() {
        assertThat(check(elevenlabs.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "invalid_api_key");
        assertThat(check(elevenlabs.key(Scenario.REVOKED)).result()).isEqualTo(CheckResult.INVALID_KEY);
        // a 401 too, for a real key without the Voices permission
        assertThat(check(elevenlabs.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 401, "missing_permissions");
        assertThat(check(elevenlabs.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result,
                CheckOutcome::status, CheckOutcome::code)
                .containsExactly(CheckResult.RATE_LIMITED, 429, "too_many_concurrent_requests");
        assertThat(check(elevenlabs.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.UNEXPECTED, 500);
    }

    @Test
    void quotaExceededIsNoCreditThoughItComesAs401() throws Exception {
        // the stand-in, like ElevenLabs, spends quota on synthesis: the key out of quota is refused there ...
        String key = elevenlabs.key(Scenario.NO_CREDIT);
        HttpResponse<String> speech = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(elevenlabs.url() + "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM")).header("xi-api-key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hello\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(speech.statusCode()).isEqualTo(401);
        ElevenLabsCheck check = new ElevenLabsCheck();
        ProviderCall call = check.calls(Checks.target(ProviderKind.TTS, "elevenlabs", Set.of("apiKey"), "apiKey", key))
                .get(0);
        assertThat(check.classify(call, 401, new ObjectMapper().readTree(speech.body())))
                .isEqualTo(Verdict.of(CheckResult.NO_CREDIT, "quota_exceeded"));
        // ... while it still lists voices, so the check's ok does not prove quota
        assertThat(check(key).result()).isEqualTo(CheckResult.OK);
        assertThat(check.proves()).contains("does not prove character quota");
    }

    @Test
    void unusualActivityIsForbiddenAndABareStatusStillCounts() throws Exception {
        ElevenLabsCheck check = new ElevenLabsCheck();
        ProviderCall call = check.calls(Checks.target(ProviderKind.TTS, "elevenlabs", Set.of("apiKey"), "apiKey", "k"))
                .get(0);
        assertThat(call.uri()).hasToString("https://api.elevenlabs.io/v1/voices");
        assertThat(check.classify(call, 401, new ObjectMapper().readTree("{\"detail\":{\"status\":"
                + "\"detected_unusual_activity\",\"message\":\"Unusual activity detected. Free Tier usage disabled.\"}}")))
                .isEqualTo(Verdict.of(CheckResult.FORBIDDEN, "detected_unusual_activity"));
        assertThat(check.classify(call, 429, new ObjectMapper().readTree("{\"detail\":{\"status\":\"system_busy\"}}")))
                .isEqualTo(Verdict.of(CheckResult.RATE_LIMITED, "system_busy"));
        assertThat(check.classify(call, 401, new ObjectMapper().readTree("{\"detail\":\"Unauthorized\"}")))
                .isEqualTo(Verdict.of(CheckResult.INVALID_KEY));
    }

    @Test
    void aSlowProviderIsUnreachableAfterTheTimeout() {
        CheckAssertions.slowIsUnreachable(elevenlabs, this::check);
    }

    @Test
    void anEndpointThatAcceptsAnyKeyIsUnverifiableNeverOk() {
        CheckAssertions.acceptingAnyKeyIsUnverifiable(elevenlabs, this::check);
    }

    @Test
    void aKeyEchoedInTheAnswerIsNeverPartOfTheOutcome() {
        CheckAssertions.echoedKeyNeverInTheOutcome(elevenlabs, Scenario.SCOPED, CheckResult.FORBIDDEN, this::check);
    }
}
