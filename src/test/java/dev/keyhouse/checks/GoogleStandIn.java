package dev.keyhouse.checks;

import java.io.IOException;

/**
 * Google's Gemini API as its reference documents it (https://ai.google.dev/api/models#method:-models.list,
 * https://ai.google.dev/gemini-api/docs/troubleshooting): the key in {@code x-goog-api-key} (or the {@code key}
 * query parameter, which Google also takes); {@code GET /v1beta/models}; errors as {@code {"error": {"code",
 * "message", "status", "details": [...]}}} with a {@code google.rpc.ErrorInfo} reason, and a
 * {@code google.rpc.QuotaFailure} naming the violated quota on a 429 (https://cloud.google.com/apis/design/errors).
 *
 * <p>The documented variants of a revoked key, no credit and a forbidden key are chosen with {@link #revokedAs},
 * {@link #noCreditAs} and {@link #forbiddenAs}.
 */
public class GoogleStandIn extends StandIn {

    /** How a key the provider issued and then took back is answered. */
    public enum Revoked {
        /** Deleted: 400 {@code INVALID_ARGUMENT}, reason {@code API_KEY_INVALID}, "API key not valid". */
        DELETED,
        /** Expired: 400 {@code INVALID_ARGUMENT}, reason {@code API_KEY_INVALID}, "API key expired". */
        EXPIRED,
        /** Blocked by Google as leaked: 403 {@code PERMISSION_DENIED}, no reason, "reported as leaked". */
        LEAKED
    }

    /** How a key without credit or quota is answered. */
    public enum NoCredit {
        /** A per-day quota used up: 429 {@code RESOURCE_EXHAUSTED} with a per-day {@code QuotaFailure}. */
        PER_DAY_QUOTA,
        /** A prepaid billing account out of credit: 402 {@code RESOURCE_EXHAUSTED}. */
        PREPAID_CREDIT
    }

    /** How a key that may not make the call is answered. */
    public enum Forbidden {
        /** An API restriction on the key: 403 {@code PERMISSION_DENIED}, reason {@code API_KEY_SERVICE_BLOCKED}. */
        SERVICE_BLOCKED,
        /** The API is off in the key's project: 403 {@code PERMISSION_DENIED}, reason {@code SERVICE_DISABLED}. */
        SERVICE_DISABLED,
        /** The caller's region: 400 {@code FAILED_PRECONDITION}. */
        REGION
    }

    private static final String KEY_ALPHABET = ALPHANUMERIC + "-_";

    private volatile Revoked revoked = Revoked.DELETED;
    private volatile NoCredit noCredit = NoCredit.PER_DAY_QUOTA;
    private volatile Forbidden forbidden = Forbidden.SERVICE_BLOCKED;

    /** The base URL a setting uses to reach this stand-in, as Keyhouse's default has it (the OpenAI-compatible one). */
    public String baseUrl() {
        return url() + "/v1beta/openai";
    }

    /** From now on a {@link Scenario#REVOKED} key is answered this way. */
    public GoogleStandIn revokedAs(Revoked how) {
        revoked = how;
        return this;
    }

    /** From now on a {@link Scenario#NO_CREDIT} key is answered this way. */
    public GoogleStandIn noCreditAs(NoCredit how) {
        noCredit = how;
        return this;
    }

    /** From now on a {@link Scenario#SCOPED} key is answered this way. */
    public GoogleStandIn forbiddenAs(Forbidden how) {
        forbidden = how;
        return this;
    }

    @Override
    protected String newKey() {
        return "AIzaSy" + random(KEY_ALPHABET, 33);
    }

    @Override
    protected String keyOf(Received request) {
        String header = request.header("x-goog-api-key");
        if (header != null || request.query() == null) {
            return header;
        }
        for (String parameter : request.query().split("&")) {
            if (parameter.startsWith("key=")) {
                return parameter.substring(4);
            }
        }
        return null;
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null) {
            reply.json(403, error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers"
                    + " without established identity). Please use API Key or other form of API consumer identity to"
                    + " call this API."));
            return;
        }
        if (!request.method().equals("GET") || !request.path().equals("/v1beta/models")) {
            reply.json(404, error(404, "NOT_FOUND", "Method not found."));
            return;
        }
        switch (scenario) {
            case GOOD -> reply.json(200, "{\"models\":[{\"name\":\"models/gemini-2.5-flash\",\"version\":\"001\","
                    + "\"displayName\":\"Gemini 2.5 Flash\",\"inputTokenLimit\":1048576,\"outputTokenLimit\":65536,"
                    + "\"supportedGenerationMethods\":[\"generateContent\",\"countTokens\"]}],"
                    + "\"nextPageToken\":\"Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA==\"}");
            case INVALID -> reply.json(400, keyInvalid("API key not valid. Please pass a valid API key."));
            case REVOKED -> {
                switch (revoked) {
                    case DELETED -> reply.json(400, keyInvalid("API key not valid. Please pass a valid API key."));
                    case EXPIRED -> reply.json(400, keyInvalid("API key expired. Please renew the API key."));
                    case LEAKED -> reply.json(403, error(403, "PERMISSION_DENIED",
                            "Your API key was reported as leaked. Please use another API key."));
                }
            }
            case NO_CREDIT -> {
                if (noCredit == NoCredit.PREPAID_CREDIT) {
                    reply.json(402, error(402, "RESOURCE_EXHAUSTED", "Your prepayment credits are depleted. Please"
                            + " go to AI Studio to manage your project and billing."));
                } else {
                    reply.json(429, quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "250"));
                }
            }
            case SCOPED -> {
                switch (forbidden) {
                    case SERVICE_BLOCKED -> reply.json(403, error(403, "PERMISSION_DENIED", "Requests to this API"
                            + " generativelanguage.googleapis.com method"
                            + " google.ai.generativelanguage.v1beta.ModelService.ListModels are blocked.",
                            errorInfo("API_KEY_SERVICE_BLOCKED")));
                    case SERVICE_DISABLED -> reply.json(403, error(403, "PERMISSION_DENIED", "Generative Language"
                            + " API has not been used in project 123456789012 before or it is disabled.",
                            errorInfo("SERVICE_DISABLED")));
                    case REGION -> reply.json(400, error(400, "FAILED_PRECONDITION",
                            "User location is not supported for the API use."));
                }
            }
            case RATE_LIMITED -> reply.json(429, quota("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "10"));
            case SERVER_ERROR -> reply.json(500, error(500, "INTERNAL", "An internal error has occurred."));
            case SLOW -> throw new IllegalStateException("handled by StandIn");
        }
    }

    private static String keyInvalid(String message) {
        return error(400, "INVALID_ARGUMENT", message, errorInfo("API_KEY_INVALID"),
                "{\"@type\":\"type.googleapis.com/google.rpc.LocalizedMessage\",\"locale\":\"en-US\",\"message\":\""
                        + message + "\"}");
    }

    private static String quota(String quotaId, String value) {
        return error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing"
                + " details.", "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{"
                + "\"quotaMetric\":\"generativelanguage.googleapis.com/generate_content_free_tier_requests\","
                + "\"quotaId\":\"" + quotaId + "\",\"quotaDimensions\":{\"location\":\"global\",\"model\":"
                + "\"gemini-2.5-flash\"},\"quotaValue\":\"" + value + "\"}]}",
                "{\"@type\":\"type.googleapis.com/google.rpc.Help\",\"links\":[{\"description\":\"Learn more about"
                        + " Gemini API quotas\",\"url\":\"https://ai.google.dev/gemini-api/docs/rate-limits\"}]}",
                "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"27s\"}");
    }

    private static String errorInfo(String reason) {
        return "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"" + reason + "\",\"domain\":"
                + "\"googleapis.com\",\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}}";
    }

    private static String error(int code, String status, String message, String... details) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\""
                + (details.length == 0 ? "" : ",\"details\":[" + String.join(",", details) + "]") + "}}";
    }
}
