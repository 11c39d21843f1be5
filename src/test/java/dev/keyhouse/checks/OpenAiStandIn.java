package dev.keyhouse.checks;

import java.io.IOException;

/**
 * OpenAI as its API reference documents it (https://platform.openai.com/docs/api-reference/authentication,
 * https://platform.openai.com/docs/guides/error-codes): the key in {@code Authorization: Bearer}; models under
 * {@code /v1/models}; errors as {@code {"error": {"message", "type", "param", "code"}}}. Its 401 quotes the key
 * (masked by OpenAI; echoed whole here, the worst case).
 */
public class OpenAiStandIn extends StandIn {

    /** The base URL a setting uses to reach this stand-in. */
    public String baseUrl() {
        return url() + "/v1";
    }

    @Override
    protected String newKey() {
        return "sk-proj-" + random(ALPHANUMERIC, 48);
    }

    @Override
    protected String keyOf(Received request) {
        String authorization = request.header("Authorization");
        return authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : null;
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null) {
            reply.json(401, error("You didn't provide an API key.", "invalid_request_error", null));
            return;
        }
        if (!request.path().equals("/v1/models")) {
            reply.json(404, error("Invalid URL (" + request.method() + " " + request.path() + ")",
                    "invalid_request_error", null));
            return;
        }
        switch (scenario) {
            case GOOD -> reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o-mini\",\"object\":\"model\","
                    + "\"created\":1721172741,\"owned_by\":\"system\"}]}");
            case INVALID, REVOKED -> reply.json(401, error("Incorrect API key provided: " + keyOf(request)
                    + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                    "invalid_request_error", "invalid_api_key"));
            case NO_CREDIT -> reply.json(429, error("You exceeded your current quota, please check your plan and"
                    + " billing details.", "insufficient_quota", "insufficient_quota"));
            case SCOPED -> reply.json(401, error("You have insufficient permissions for this operation. Missing"
                    + " scopes: api.model.read.", "invalid_request_error", null));
            case RATE_LIMITED -> {
                reply.header("Retry-After", "20");
                reply.json(429, error("Rate limit reached for requests", "requests", "rate_limit_exceeded"));
            }
            case SERVER_ERROR -> reply.json(500, error("The server had an error while processing your request.",
                    "server_error", null));
            case SLOW -> throw new IllegalStateException("handled by StandIn");
        }
    }

    private static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":"
                + (code == null ? "null" : "\"" + code + "\"") + "}}";
    }
}
