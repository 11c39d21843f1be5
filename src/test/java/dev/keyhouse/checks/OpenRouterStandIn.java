package dev.keyhouse.checks;

import java.io.IOException;

/**
 * OpenRouter as its reference documents it (https://openrouter.ai/docs/api/api-reference/api-keys/get-current-key,
 * https://openrouter.ai/docs/api/reference/errors-and-debugging): the key in {@code Authorization: Bearer};
 * {@code GET /api/v1/key} answers {@code {"data": {"label", "limit", "limit_remaining", "usage", "is_free_tier",
 * "is_management_key", ...}}}, its {@code label} quoting the key's head and tail; errors as {@code {"error": {"code":
 * <status>, "message", "metadata"}}}.
 *
 * <p>A key without credit is one whose own limit is used up (200, {@code limit_remaining} 0) or, with
 * {@link #noCreditAs}, a 402 as OpenRouter answers when credits run out (documented for its inference endpoints;
 * the check takes it the same wherever it comes). A forbidden key is a management key (200,
 * {@code is_management_key: true}): it may manage keys but not call models.
 */
public class OpenRouterStandIn extends StandIn {

    /** How a key without credit is answered. */
    public enum NoCredit {
        /** 200, the key's own credit limit used up: {@code limit} 10, {@code limit_remaining} 0. */
        KEY_LIMIT,
        /** 402 with {@code error.metadata.limit_source} {@code openrouter_credits}. */
        PAYMENT_REQUIRED
    }

    private volatile NoCredit noCredit = NoCredit.KEY_LIMIT;

    /** The base URL a setting uses to reach this stand-in, as Keyhouse's default has it. */
    public String baseUrl() {
        return url() + "/api/v1";
    }

    /** From now on a {@link Scenario#NO_CREDIT} key is answered this way. */
    public OpenRouterStandIn noCreditAs(NoCredit how) {
        noCredit = how;
        return this;
    }

    @Override
    protected String newKey() {
        return "sk-or-v1-" + random(HEX, 64);
    }

    @Override
    protected String keyOf(Received request) {
        return bearer(request);
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null) {
            reply.json(401, error(401, "No auth credentials found"));
            return;
        }
        if (!request.method().equals("GET") || !request.path().equals("/api/v1/key")) {
            reply.json(404, error(404, "Not Found"));
            return;
        }
        String key = keyOf(request);
        String label = key.substring(0, 12) + "..." + key.substring(key.length() - 3);
        switch (scenario) {
            case GOOD -> reply.json(200, key(label, "null", "null", false));
            case INVALID -> reply.json(401, error(401, "User not found."));
            case REVOKED -> reply.json(401, error(401, "Key is disabled or expired"));
            case NO_CREDIT -> {
                if (noCredit == NoCredit.PAYMENT_REQUIRED) {
                    reply.json(402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits. Add more using"
                            + " https://openrouter.ai/settings/credits\",\"metadata\":{\"limit_source\":"
                            + "\"openrouter_credits\"}}}");
                } else {
                    reply.json(200, key(label, "10", "0", false));
                }
            }
            case SCOPED -> reply.json(200, key(label, "null", "null", true));
            case RATE_LIMITED -> reply.json(429, error(429, "Rate limit exceeded: free-models-per-min."));
            case SERVER_ERROR -> reply.json(500, error(500, "Unexpected server error"));
            case SLOW -> throw new IllegalStateException("handled by StandIn");
        }
    }

    private static String key(String label, String limit, String remaining, boolean management) {
        return "{\"data\":{\"label\":\"" + label + "\",\"limit\":" + limit + ",\"limit_remaining\":" + remaining
                + ",\"limit_reset\":null,\"include_byok_in_limit\":false,\"usage\":10.0,\"usage_daily\":0.5,"
                + "\"usage_weekly\":2.5,\"usage_monthly\":10.0,\"byok_usage\":0,\"is_free_tier\":false,"
                + "\"is_management_key\":" + management + ",\"is_provisioning_key\":" + management
                + ",\"expires_at\":null,\"rate_limit\":{\"requests\":-1,\"interval\":\"10s\"}}}";
    }

    private static String error(int code, String message) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"metadata\":null},\"user_id\":null}";
    }
}
