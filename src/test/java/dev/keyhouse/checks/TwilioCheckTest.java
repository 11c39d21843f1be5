package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.checks.TwilioStandIn.ApiKey;
import dev.keyhouse.settings.ProviderKind;

/**
 * {@link TwilioCheck} against {@link TwilioStandIn}, with an auth token and with an API key: each classification it
 * can produce, the exact request, and the account's auth token kept out of the outcome.
 */
class TwilioCheckTest {

    /** The secret fields of a telephony setting: the Account SID and the API Key SID are not secret. */
    private static final Set<String> SECRETS = Set.of("authToken", "apiSecret");

    private final TwilioStandIn twilio = new TwilioStandIn();
    private final ProviderChecks checks = Checks.of(new TwilioCheck());

    @AfterEach
    void stop() {
        twilio.close();
    }

    private CheckOutcome withToken(String authToken) {
        return checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "baseUrl", twilio.url(),
                "accountSid", twilio.accountSid(), "authToken", authToken, "fromNumber", "+14155550100"));
    }

    private CheckOutcome withKey(String accountSid, ApiKey key) {
        return checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "baseUrl", twilio.url(),
                "accountSid", accountSid, "apiKeySid", key.sid(), "apiSecret", key.secret()));
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static String[] decoded(StandIn.Received request) {
        String basic = request.header("Authorization").substring("Basic ".length());
        return new String(Base64.getDecoder().decode(basic), StandardCharsets.UTF_8).split(":", 2);
    }

    /** The auth token's call: the account fetch, no query, Basic {@code authorization}. */
    private void assertAccountFetch(StandIn.Received request, String authorization) {
        assertThat(request).extracting(StandIn.Received::method, StandIn.Received::path, StandIn.Received::query,
                r -> r.header("Authorization")).containsExactly("GET", "/2010-04-01/Accounts/" + twilio.accountSid()
                        + ".json", null, authorization);
    }

    /** The API key's call: one phone number of the account, Basic {@code authorization}. */
    private void assertNumberList(StandIn.Received request, String authorization) {
        assertThat(request).extracting(StandIn.Received::method, StandIn.Received::path, StandIn.Received::query,
                r -> r.header("Authorization")).containsExactly("GET", "/2010-04-01/Accounts/" + twilio.accountSid()
                        + "/IncomingPhoneNumbers.json", "PageSize=1", authorization);
    }

    @Test
    void anAuthTokenFetchesTheAccountAndOnlyItsStatusIsKept() {
        String token = twilio.key(Scenario.GOOD);
        CheckOutcome outcome = withToken(token);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl, CheckOutcome::kind, CheckOutcome::provider)
                .containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED, "telephony", "twilio");
        // the answer carried the account's auth token
        assertThat(outcome.toString() + outcome.json() + outcome.summary()).doesNotContain(twilio.plantedToken())
                .doesNotContain(token);

        assertThat(twilio.received()).hasSize(2);
        StandIn.Received real = twilio.received().get(0);
        assertAccountFetch(real, basic(twilio.accountSid(), token));
        // the decoy replaces the token only: the Account SID is not a secret
        String[] decoy = decoded(twilio.received().get(1));
        assertThat(decoy[0]).isEqualTo(twilio.accountSid());
        assertThat(decoy[1]).isNotEqualTo(token).hasSameSizeAs(token).matches("[0-9a-f]{32}");
    }

    @Test
    void anApiKeyListsOnePhoneNumberBecauseStandardKeysMayNotFetchTheAccount() throws Exception {
        ApiKey key = twilio.apiKey(Scenario.GOOD);
        CheckOutcome outcome = withKey(twilio.accountSid(), key);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.OK, 200, NegativeControl.REJECTED);

        assertThat(twilio.received()).hasSize(2);
        StandIn.Received real = twilio.received().get(0);
        assertNumberList(real, basic(key.sid(), key.secret()));
        String[] decoy = decoded(twilio.received().get(1));
        assertThat(decoy[0]).isEqualTo(key.sid());
        assertThat(decoy[1]).isNotEqualTo(key.secret()).hasSameSizeAs(key.secret());

        // the account fetch the auth token uses answers a Standard key 401 20003, as Twilio does
        HttpResponse<String> account = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(twilio.url()
                + "/2010-04-01/Accounts/" + twilio.accountSid() + ".json")).header("Authorization",
                basic(key.sid(), key.secret())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(account.statusCode()).isEqualTo(401);
        assertThat(new ObjectMapper().readTree(account.body()).get("code").asInt()).isEqualTo(20003);
    }

    private CheckOutcome withBoth(String authToken, ApiKey key) {
        return checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "baseUrl", twilio.url(),
                "accountSid", twilio.accountSid(), "authToken", authToken, "apiKeySid", key.sid(), "apiSecret",
                key.secret()));
    }

    @Test
    void withBothCredentialsBothAreCheckedTheTokenFirstAndTheDecoyReplacesTheToken() {
        String token = twilio.key(Scenario.GOOD);
        ApiKey key = twilio.apiKey(Scenario.GOOD);
        CheckOutcome outcome = withBoth(token, key);
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl).containsExactly(CheckResult.OK, 200, null, NegativeControl.REJECTED);
        assertThat(outcome.toString() + outcome.json() + outcome.summary()).doesNotContain(twilio.plantedToken())
                .doesNotContain(token).doesNotContain(key.secret());

        assertThat(twilio.received()).hasSize(3);
        StandIn.Received fetch = twilio.received().get(0);
        assertAccountFetch(fetch, basic(twilio.accountSid(), token));
        StandIn.Received list = twilio.received().get(1);
        assertNumberList(list, basic(key.sid(), key.secret()));
        // the negative control repeats the first call, the account fetch, with a decoy token: a secret is exercised
        StandIn.Received control = twilio.received().get(2);
        assertThat(control.method()).isEqualTo("GET");
        assertThat(control.path()).isEqualTo(fetch.path());
        String[] decoy = decoded(control);
        assertThat(decoy[0]).isEqualTo(twilio.accountSid());
        assertThat(decoy[1]).isNotEqualTo(token).hasSameSizeAs(token).matches("[0-9a-f]{32}");
    }

    @Test
    void aBadAuthTokenIsFoundEvenWithAGoodApiKey() {
        ApiKey key = twilio.apiKey(Scenario.GOOD);
        for (Scenario bad : new Scenario[] {Scenario.INVALID, Scenario.REVOKED}) {
            twilio.clearReceived();
            assertThat(withBoth(twilio.key(bad), key)).extracting(CheckOutcome::result, CheckOutcome::status,
                    CheckOutcome::code, CheckOutcome::negativeControl)
                    .containsExactly(CheckResult.INVALID_KEY, 401, "20003", NegativeControl.REJECTED);
            // the first non-ok call ends the check: the API key's call is not made, the decoy's is the account fetch
            assertThat(twilio.received()).extracting(StandIn.Received::path).containsExactly(
                    "/2010-04-01/Accounts/" + twilio.accountSid() + ".json",
                    "/2010-04-01/Accounts/" + twilio.accountSid() + ".json");
        }
        // a token of a suspended account with a good key: forbidden, as the token alone is
        assertThat(withBoth(twilio.key(Scenario.NO_CREDIT), key)).extracting(CheckOutcome::result,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, "suspended");
        assertThat(withBoth(twilio.key(Scenario.RATE_LIMITED), key).result()).isEqualTo(CheckResult.RATE_LIMITED);
    }

    @Test
    void aBadApiKeyIsFoundEvenWithAGoodAuthToken() {
        String token = twilio.key(Scenario.GOOD);
        ApiKey good = twilio.apiKey(Scenario.GOOD);
        // the right SID with a wrong secret, the right secret with another SID, a key never issued, a revoked one
        ApiKey wrongSecret = new ApiKey(good.sid(), "0" + good.secret().substring(1).toUpperCase());
        ApiKey wrongSid = new ApiKey("SK" + "0".repeat(32), good.secret());
        for (ApiKey bad : new ApiKey[] {wrongSecret, wrongSid, twilio.apiKey(Scenario.INVALID),
                twilio.apiKey(Scenario.REVOKED)}) {
            twilio.clearReceived();
            assertThat(withBoth(token, bad)).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                    CheckOutcome::negativeControl)
                    .containsExactly(CheckResult.INVALID_KEY, 401, "20003", NegativeControl.REJECTED);
            assertThat(twilio.received()).hasSize(3);
            assertThat(twilio.received().get(1).header("Authorization")).isEqualTo(basic(bad.sid(), bad.secret()));
        }
        assertThat(withBoth(token, twilio.apiKey(Scenario.SCOPED))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.FORBIDDEN, 403);
    }

    @Test
    void withBothCredentialsAnEndpointThatAcceptsAnyKeyIsUnverifiable() {
        twilio.acceptAnything();
        CheckOutcome outcome = withBoth(twilio.key(Scenario.GOOD), twilio.apiKey(Scenario.GOOD));
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.UNVERIFIABLE, NegativeControl.ACCEPTED);
    }

    @Test
    void eachAnswerToAnAuthTokenIsClassifiedByTwiliosCodeOrTheAccountStatus() {
        assertThat(withToken(twilio.key(Scenario.INVALID))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "20003");
        assertThat(withToken(twilio.key(Scenario.REVOKED)).result()).isEqualTo(CheckResult.INVALID_KEY);
        // a suspended account (its balance reached zero, or a policy review): the pair works, the account may not
        assertThat(withToken(twilio.key(Scenario.NO_CREDIT))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code, CheckOutcome::negativeControl)
                .containsExactly(CheckResult.FORBIDDEN, 200, "suspended", NegativeControl.REJECTED);
        assertThat(withToken(twilio.key(Scenario.SCOPED))).extracting(CheckOutcome::result, CheckOutcome::status,
                CheckOutcome::code).containsExactly(CheckResult.FORBIDDEN, 403, "20403");
        assertThat(withToken(twilio.key(Scenario.RATE_LIMITED))).extracting(CheckOutcome::result,
                CheckOutcome::status, CheckOutcome::code).containsExactly(CheckResult.RATE_LIMITED, 429, "20429");
        assertThat(withToken(twilio.key(Scenario.SERVER_ERROR))).extracting(CheckOutcome::result,
                CheckOutcome::status, CheckOutcome::code).containsExactly(CheckResult.UNEXPECTED, 500, "20500");
    }

    @Test
    void eachAnswerToAnApiKeyIsClassifiedByTwiliosCode() {
        assertThat(withKey(twilio.accountSid(), twilio.apiKey(Scenario.INVALID))).extracting(CheckOutcome::result,
                CheckOutcome::status, CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, 401, "20003");
        // a suspended account refuses its keys with 20003 ("Account is suspended or closed")
        assertThat(withKey(twilio.accountSid(), twilio.apiKey(Scenario.NO_CREDIT))).extracting(CheckOutcome::result,
                CheckOutcome::code).containsExactly(CheckResult.INVALID_KEY, "20003");
        assertThat(withKey(twilio.accountSid(), twilio.apiKey(Scenario.SCOPED))).extracting(CheckOutcome::result,
                CheckOutcome::status).containsExactly(CheckResult.FORBIDDEN, 403);
        assertThat(withKey(twilio.accountSid(), twilio.apiKey(Scenario.RATE_LIMITED)).result())
                .isEqualTo(CheckResult.RATE_LIMITED);
    }

    @Test
    void aWorkingKeyForAnotherAccountIsForbiddenNotInvalid() {
        // the key authenticates (its decoy does not), but the configured Account SID is not the key's account
        String otherAccount = "AC" + "0123456789abcdef".repeat(2);
        CheckOutcome outcome = withKey(otherAccount, twilio.apiKey(Scenario.GOOD));
        assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code,
                CheckOutcome::negativeControl)
                .containsExactly(CheckResult.FORBIDDEN, 404, "20404", NegativeControl.REJECTED);
        assertThat(twilio.received().get(0).path()).startsWith("/2010-04-01/Accounts/" + otherAccount + "/");
    }

    @Test
    void aClosedAccountIsAnInvalidKeyAndAnAccountWithoutStatusIsUnexpected() throws Exception {
        TwilioCheck check = new TwilioCheck();
        ProviderCall fetch = check.calls(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "accountSid",
                "AC0123456789abcdef0123456789abcdef", "authToken", "0123456789abcdef0123456789abcdef")).get(0);
        assertThat(fetch.uri()).hasToString("https://api.twilio.com/2010-04-01/Accounts/"
                + "AC0123456789abcdef0123456789abcdef.json");
        ObjectMapper json = new ObjectMapper();
        assertThat(check.classify(fetch, 200, json.readTree("{\"status\":\"closed\",\"auth_token\":\"x\"}")))
                .isEqualTo(Verdict.of(CheckResult.INVALID_KEY, "closed"));
        assertThat(check.classify(fetch, 200, json.readTree("{\"auth_token\":\"x\"}")))
                .isEqualTo(Verdict.of(CheckResult.UNEXPECTED, "no_status"));
        assertThat(check.classify(fetch, 200, null)).isEqualTo(Verdict.of(CheckResult.UNEXPECTED, "no_status"));
        // a 404 that is not Twilio's 20404 (a proxy, a wrong base URL) proves nothing
        assertThat(check.classify(fetch, 404, json.readTree("{\"code\":\"20404\"}")))
                .isEqualTo(Verdict.of(CheckResult.UNEXPECTED));
    }

    @Test
    void anIncompleteCredentialIsNotSent() {
        ApiKey key = twilio.apiKey(Scenario.GOOD);
        CheckOutcome noSecret = checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "baseUrl",
                twilio.url(), "accountSid", twilio.accountSid(), "apiKeySid", key.sid()));
        CheckOutcome badSid = checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "baseUrl",
                twilio.url(), "accountSid", "../Accounts", "authToken", twilio.key(Scenario.GOOD)));
        CheckOutcome badKeySid = checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "baseUrl",
                twilio.url(), "accountSid", twilio.accountSid(), "apiKeySid", key.sid() + ":x", "apiSecret",
                key.secret()));
        // a good token does not make up for an API key SID without its secret
        CheckOutcome tokenAndSidOnly = checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS,
                "baseUrl", twilio.url(), "accountSid", twilio.accountSid(), "authToken", twilio.key(Scenario.GOOD),
                "apiKeySid", key.sid()));
        CheckOutcome neither = checks.check(Checks.target(ProviderKind.TELEPHONY, "twilio", SECRETS, "baseUrl",
                twilio.url(), "accountSid", twilio.accountSid()));
        for (CheckOutcome outcome : new CheckOutcome[] {noSecret, badSid, badKeySid, tokenAndSidOnly, neither}) {
            assertThat(outcome).extracting(CheckOutcome::result, CheckOutcome::code)
                    .containsExactly(CheckResult.UNVERIFIABLE, "incomplete");
        }
        assertThat(twilio.received()).isEmpty();
    }

    @Test
    void aSlowProviderIsUnreachableAfterTheTimeout() {
        CheckAssertions.slowIsUnreachable(twilio, this::withToken);
    }

    @Test
    void anEndpointThatAcceptsAnyKeyIsUnverifiableNeverOk() {
        CheckAssertions.acceptingAnyKeyIsUnverifiable(twilio, this::withToken);
    }

    @Test
    void anEchoedTokenAndThePlantedAccountTokenAreNeverPartOfTheOutcome() {
        CheckAssertions.echoedKeyNeverInTheOutcome(twilio, Scenario.GOOD, CheckResult.OK, key -> {
            CheckOutcome outcome = withToken(key);
            assertThat(outcome.toString() + outcome.json() + outcome.summary())
                    .doesNotContain(twilio.plantedToken());
            return outcome;
        });
    }
}
