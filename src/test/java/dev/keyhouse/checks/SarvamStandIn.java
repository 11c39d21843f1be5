package dev.keyhouse.checks;

import java.io.IOException;
import java.util.UUID;

/**
 * Sarvam AI as its API reference documents it (https://docs.sarvam.ai/api-reference-docs/authentication,
 * https://docs.sarvam.ai/api-reference-docs/text/identify-language, https://docs.sarvam.ai/api/errors-troubleshooting):
 * the key in {@code api-subscription-key}; every endpoint billed, the cheapest being language identification
 * ({@code POST /text-lid}); errors as {@code {"error": {"message", "code"}}}: {@code invalid_api_key_error} (403),
 * {@code insufficient_quota_error} (429), {@code rate_limit_exceeded_error} (429), {@code internal_server_error}
 * (500). Every request is billable, so a check must never reach it.
 */
public class SarvamStandIn extends StandIn {

    @Override
    protected String newKey() {
        return "sk_" + random(ALPHANUMERIC.toLowerCase(java.util.Locale.ROOT), 8) + "_" + random(ALPHANUMERIC, 24);
    }

    @Override
    protected String keyOf(Received request) {
        return request.header("api-subscription-key");
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null || scenario == Scenario.INVALID || scenario == Scenario.REVOKED) {
            reply.json(403, error("invalid_api_key_error", "Invalid API key"));
            return;
        }
        if (!request.method().equals("POST") || !request.path().equals("/text-lid")) {
            reply.json(404, error("not_found_error", "Not found"));
            return;
        }
        switch (scenario) {
            case GOOD, SCOPED -> reply.json(200, "{\"request_id\":\"" + UUID.randomUUID()
                    + "\",\"language_code\":\"en-IN\",\"script_code\":\"Latn\"}");
            case NO_CREDIT -> reply.json(429, error("insufficient_quota_error", "Credits exhausted"));
            case RATE_LIMITED -> reply.json(429, error("rate_limit_exceeded_error", "Too many requests"));
            case SERVER_ERROR -> reply.json(500, error("internal_server_error", "Internal server error"));
            case INVALID, REVOKED, SLOW -> throw new IllegalStateException("handled above");
        }
    }

    private static String error(String code, String message) {
        return "{\"error\":{\"message\":\"" + message + "\",\"code\":\"" + code + "\"}}";
    }
}
