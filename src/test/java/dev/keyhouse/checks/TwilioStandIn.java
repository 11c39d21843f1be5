package dev.keyhouse.checks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Twilio's 2010-04-01 REST API as documented (https://www.twilio.com/docs/usage/requests-to-twilio,
 * https://www.twilio.com/docs/iam/api/account, https://www.twilio.com/docs/usage/twilios-response,
 * https://www.twilio.com/docs/iam/api-keys/keys-in-console): HTTP Basic authentication as {@code AccountSid:AuthToken}
 * or {@code ApiKeySid:ApiKeySecret}; one account ({@link #accountSid()}). Its answers:
 * <ul>
 * <li>{@code GET /2010-04-01/Accounts/{Sid}.json}: the account with its status and, like Twilio's, its
 * {@code auth_token} ({@link #plantedToken()} here). Standard API keys may not fetch Account resources: 401 20003, as
 * Twilio answers them.</li>
 * <li>{@code GET /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers.json}: a page of the account's numbers.</li>
 * <li>Errors as {@code {"code", "message", "more_info", "status"}}: 20003 (401) for a wrong or unknown credential;
 * 20404 (404) for a working credential asking for an account it cannot see; 20429 (429); 20500 (500); 20403 (403)
 * for a Restricted key without the permission.</li>
 * </ul>
 * A key with no credit belongs to a suspended account: its account fetch reports {@code "status": "suspended"}, and
 * any other request is refused with 20003 ("Account is suspended or closed", https://www.twilio.com/docs/api/errors/20003).
 * Auth tokens are keys issued with {@link #key(Scenario)}; API keys with {@link #apiKey(Scenario)}.
 */
public class TwilioStandIn extends StandIn {

    /** An API key: its SID (SK and 32 hexadecimal digits) and its secret. */
    public record ApiKey(String sid, String secret) {
    }

    private static final Pattern ACCOUNT = Pattern.compile(
            "/2010-04-01/Accounts/([^/]+)(\\.json|/IncomingPhoneNumbers\\.json)");

    private final String accountSid = "AC" + random(HEX, 32);
    private final String plantedToken = random(HEX, 32);
    private final Map<String, String> apiKeys = new ConcurrentHashMap<>();

    /** The one account's SID. */
    public String accountSid() {
        return accountSid;
    }

    /** The auth token every account answer carries; it must never reach an outcome. */
    public String plantedToken() {
        return plantedToken;
    }

    /** A new API key of this account that the stand-in treats as {@code scenario}. */
    public ApiKey apiKey(Scenario scenario) {
        ApiKey key = new ApiKey("SK" + random(HEX, 32), random(ALPHANUMERIC, 32));
        apiKeys.put(key.secret(), key.sid());
        key(key.secret(), scenario);
        return key;
    }

    @Override
    protected String newKey() {
        // an auth token: 32 hexadecimal digits
        return random(HEX, 32);
    }

    @Override
    protected String keyOf(Received request) {
        String[] credential = credential(request);
        if (credential == null) {
            return null;
        }
        String user = credential[0];
        String secret = credential[1];
        boolean rightUser = apiKeys.containsKey(secret) ? user.equals(apiKeys.get(secret)) : user.equals(accountSid);
        // a secret presented with the wrong user name is not a credential Twilio knows
        return rightUser ? secret : "unknown:" + secret;
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null || scenario == Scenario.INVALID || scenario == Scenario.REVOKED) {
            reply.json(401, error(20003, "Authenticate", 401));
            return;
        }
        Matcher path = ACCOUNT.matcher(request.path());
        if (!request.method().equals("GET") || !path.matches()) {
            reply.json(404, error(20404, "The requested resource " + request.path() + " was not found", 404));
            return;
        }
        boolean accountFetch = path.group(2).equals(".json");
        String[] credential = credential(request);
        boolean apiKey = credential != null && credential[0].startsWith("SK");
        switch (scenario) {
            case RATE_LIMITED -> {
                reply.header("Retry-After", "1");
                reply.json(429, error(20429, "Too Many Requests", 429));
            }
            case SERVER_ERROR -> reply.json(500, error(20500, "Internal Server Error", 500));
            case SCOPED -> reply.json(403, error(20403, "Forbidden", 403));
            case GOOD, NO_CREDIT -> {
                if (!path.group(1).equals(accountSid)) {
                    reply.json(404, error(20404, "The requested resource " + request.path() + " was not found", 404));
                } else if (accountFetch && apiKey) {
                    reply.json(401, error(20003, "Authenticate", 401));
                } else if (accountFetch) {
                    reply.json(200, account(scenario == Scenario.NO_CREDIT ? "suspended" : "active"));
                } else if (scenario == Scenario.NO_CREDIT) {
                    reply.json(401, error(20003, "Authenticate", 401));
                } else {
                    reply.json(200, "{\"incoming_phone_numbers\":[{\"sid\":\"PN" + random(HEX, 32)
                            + "\",\"account_sid\":\"" + accountSid + "\",\"phone_number\":\"+14155550100\"}],"
                            + "\"page\":0,\"page_size\":1,\"start\":0,\"end\":0,\"uri\":\"" + request.path()
                            + "?PageSize=1&Page=0\"}");
                }
            }
            case INVALID, REVOKED, SLOW -> throw new IllegalStateException("handled above");
        }
    }

    private String account(String status) {
        return "{\"sid\":\"" + accountSid + "\",\"owner_account_sid\":\"" + accountSid + "\",\"friendly_name\":"
                + "\"Voice fleet\",\"status\":\"" + status + "\",\"type\":\"Full\",\"auth_token\":\"" + plantedToken
                + "\",\"date_created\":\"Thu, 30 Jul 2026 20:00:00 +0000\",\"uri\":\"/2010-04-01/Accounts/"
                + accountSid + ".json\"}";
    }

    private static String[] credential(Received request) {
        String basic = afterScheme(request.header("Authorization"), "Basic ");
        if (basic == null) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(basic), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static String error(int code, String message, int status) {
        return "{\"code\":" + code + ",\"message\":\"" + message + "\",\"more_info\":"
                + "\"https://www.twilio.com/docs/errors/" + code + "\",\"status\":" + status + "}";
    }
}
