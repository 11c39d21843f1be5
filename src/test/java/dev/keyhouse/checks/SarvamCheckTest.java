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

/**
 * {@link SarvamCheck} against {@link SarvamStandIn}: Sarvam has no free authenticated call, so every key is
 * unverifiable and nothing reaches the provider, whatever the key.
 */
class SarvamCheckTest {

    private final SarvamStandIn sarvam = new SarvamStandIn();
    private final ProviderChecks checks = Checks.of(new SarvamCheck());

    @AfterEach
    void stop() {
        sarvam.close();
    }

    @Test
    void everyKeyIsUnverifiableAndNothingIsSent() {
        for (Scenario scenario : Scenario.values()) {
            CheckOutcome outcome = checks.check(Checks.target(ProviderKind.TTS, "sarvam", Set.of("apiKey"), "baseUrl",
                    sarvam.url(), "voice", "anushka", "apiKey", sarvam.key(scenario)));
            assertThat(outcome).as(scenario.name()).extracting(CheckOutcome::result, CheckOutcome::status,
                    CheckOutcome::code, CheckOutcome::negativeControl, CheckOutcome::provider)
                    .containsExactly(CheckResult.UNVERIFIABLE, null, "no_check", NegativeControl.NOT_RUN, "sarvam");
        }
        assertThat(sarvam.received()).isEmpty();
        assertThat(checks.checkFor(ProviderKind.TTS, "sarvam")).get().extracting(ProviderCheck::proves)
                .asString().contains("billed");
    }

    @Test
    void sarvamsDocumentedErrorsWouldBeClassifiedByTheirCode() throws Exception {
        // what the cheapest (billed) call answers, as a check would classify it if Sarvam ever offers a free one
        HttpClient client = HttpClient.newHttpClient();
        SarvamCheck check = new SarvamCheck();
        ObjectMapper json = new ObjectMapper();
        assertThat(classify(client, check, json, sarvam.key(Scenario.INVALID)))
                .isEqualTo(Verdict.of(CheckResult.INVALID_KEY, "invalid_api_key_error"));
        assertThat(classify(client, check, json, sarvam.key(Scenario.NO_CREDIT)))
                .isEqualTo(Verdict.of(CheckResult.NO_CREDIT, "insufficient_quota_error"));
        assertThat(classify(client, check, json, sarvam.key(Scenario.RATE_LIMITED)))
                .isEqualTo(Verdict.of(CheckResult.RATE_LIMITED, "rate_limit_exceeded_error"));
        assertThat(classify(client, check, json, sarvam.key(Scenario.SERVER_ERROR)))
                .isEqualTo(Verdict.of(CheckResult.UNEXPECTED, "internal_server_error"));
        assertThat(classify(client, check, json, sarvam.key(Scenario.GOOD))).isEqualTo(Verdict.of(CheckResult.OK));
    }

    private Verdict classify(HttpClient client, SarvamCheck check, ObjectMapper json, String key) throws Exception {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(sarvam.url() + "/text-lid"))
                .header("api-subscription-key", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hello\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return check.classify(null, answer.statusCode(), json.readTree(answer.body()));
    }
}
