package dev.keyhouse.checks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Twilio: HTTP Basic authentication (https://www.twilio.com/docs/usage/requests-to-twilio), with each credential a
 * telephony setting holds; when it holds both, both are checked (the auth token's call first) and the result is ok
 * only when both are, since runtimes are handed both:
 * <ul>
 * <li>an API key ({@code apiKeySid} SK…, {@code apiSecret}), Twilio's recommendation for production: {@code GET
 * {base}/2010-04-01/Accounts/{accountSid}/IncomingPhoneNumbers.json?PageSize=1} as {@code apiKeySid:apiSecret}.
 * Not the Account resource: Standard API keys may use "all Twilio API resources, except for API key and Account
 * resources" (https://www.twilio.com/docs/iam/api-keys/keys-in-console), and Twilio answers their account fetch
 * with 401 20003, which would call every good key invalid. Listing one phone number is free.</li>
 * <li>the auth token: {@code GET {base}/2010-04-01/Accounts/{accountSid}.json} as
 * {@code accountSid:authToken} (https://www.twilio.com/docs/iam/api/account#fetch-an-account-resource). Its answer
 * carries the account's {@code auth_token}: only {@code status} is read. {@code active} is ok; {@code closed} is an
 * invalid key (a closed account never works again); {@code suspended} is forbidden, code {@code suspended}: Twilio
 * suspends an account whose balance reaches zero but also for policy or fraud review, and the status does not say
 * which (https://www.twilio.com/docs/api/errors/30002).</li>
 * </ul>
 * The base is {@code https://api.twilio.com} unless the target has a {@code baseUrl} (the telephony kind has no such
 * field; tests use it).
 *
 * <p>Errors come as {@code {"code", "message", "more_info", "status"}} with a numeric code
 * (https://www.twilio.com/docs/usage/twilios-response): 20003 (401, "Authenticate": wrong secret, deleted key, or a
 * suspended or closed account, https://www.twilio.com/docs/api/errors/20003) is an invalid key; 20404 (404) means the
 * credential works but cannot see the configured Account SID (an API key of another account), forbidden, because the
 * key is real and the runtime's calls to that account would be refused; 20429 (429) is a rate limit; any 403 is
 * forbidden.
 */
@ApplicationScoped
public class TwilioCheck implements ProviderCheck {

    /** Twilio's documented REST API host. */
    static final String DEFAULT_BASE = "https://api.twilio.com";

    @Override
    public ProviderKind kind() {
        return ProviderKind.TELEPHONY;
    }

    @Override
    public Set<String> providers() {
        return Set.of("twilio");
    }

    /**
     * One call per credential the target holds, the auth token's first: runtimes get every credential that is set
     * ({@code TWILIO_AUTH_TOKEN}, {@code TWILIO_API_KEY}/{@code TWILIO_API_SECRET}), so each must work, and the
     * negative control (the first call with the decoy) then replaces the auth token.
     *
     * @throws IllegalArgumentException when the Account SID or API key SID is not a SID, an API key SID has no
     *         secret, or neither credential is set
     */
    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        String accountSid = target.value("accountSid");
        if (accountSid == null || !accountSid.matches("[A-Za-z0-9]{1,64}")) {
            throw new IllegalArgumentException("accountSid is not set or not a SID");
        }
        List<ProviderCall> calls = new ArrayList<>();
        String authToken = target.value("authToken");
        if (authToken != null) {
            calls.add(call(target, accountSid, authToken, "/2010-04-01/Accounts/" + accountSid + ".json"));
        }
        String keySid = target.value("apiKeySid");
        if (keySid != null) {
            if (!keySid.matches("[A-Za-z0-9]{1,64}")) {
                throw new IllegalArgumentException("apiKeySid is not a SID");
            }
            String secret = target.value("apiSecret");
            if (secret == null) {
                throw new IllegalArgumentException("apiSecret is not set");
            }
            calls.add(call(target, keySid, secret,
                    "/2010-04-01/Accounts/" + accountSid + "/IncomingPhoneNumbers.json?PageSize=1"));
        }
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("authToken is not set");
        }
        return List.copyOf(calls);
    }

    /** A GET of {@code path} with Basic {@code user:secret}. */
    private static ProviderCall call(CheckTarget target, String user, String secret, String path) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)));
        headers.put("Accept", "application/json");
        return ProviderCall.get(KeyedCalls.resolve(target.value("baseUrl"), DEFAULT_BASE, path), headers);
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            return call.uri().getPath().endsWith("/IncomingPhoneNumbers.json") ? Verdict.of(CheckResult.OK)
                    : accountStatus(Answers.text(body, "status"));
        }
        JsonNode code = body == null ? null : body.get("code");
        String reported = code != null && code.isIntegralNumber() ? code.asText() : null;
        if ("20003".equals(reported)) {
            return Verdict.of(CheckResult.INVALID_KEY, reported);
        }
        if ("20404".equals(reported)) {
            return Verdict.of(CheckResult.FORBIDDEN, reported);
        }
        if ("20429".equals(reported)) {
            return Verdict.of(CheckResult.RATE_LIMITED, reported);
        }
        return switch (status) {
            case 401 -> Verdict.of(CheckResult.INVALID_KEY, reported);
            case 403 -> Verdict.of(CheckResult.FORBIDDEN, reported);
            case 429 -> Verdict.of(CheckResult.RATE_LIMITED, reported);
            default -> Verdict.of(CheckResult.UNEXPECTED, reported);
        };
    }

    /** The account's {@code status} (active, suspended, closed); nothing else of the answer is read. */
    private static Verdict accountStatus(String status) {
        if (status == null) {
            return Verdict.of(CheckResult.UNEXPECTED, "no_status");
        }
        return switch (status) {
            case "active" -> Verdict.of(CheckResult.OK);
            case "suspended" -> Verdict.of(CheckResult.FORBIDDEN, "suspended");
            case "closed" -> Verdict.of(CheckResult.INVALID_KEY, "closed");
            default -> Verdict.of(CheckResult.UNEXPECTED, "unknown_status");
        };
    }

    @Override
    public String proves() {
        return "With the auth token: GET {base}/2010-04-01/Accounts/{accountSid}.json as Basic accountSid:authToken;"
                + " ok proves the pair works and the account is active. With an API key: GET"
                + " {base}/2010-04-01/Accounts/{accountSid}/IncomingPhoneNumbers.json?PageSize=1 as Basic"
                + " apiKeySid:apiSecret; ok proves the key belongs to the account and may read it. With both, both"
                + " calls are made and ok needs both. Neither proves balance nor that the from number is the"
                + " account's.";
    }
}
