package dev.keyhouse.checks;

import java.io.IOException;

/**
 * OpenAI as its API reference documents it (https://platform.openai.com/docs/api-reference/authentication,
 * https://platform.openai.com/docs/guides/error-codes): the key in {@code Authorization: Bearer}; models under
 * {@code /v1/models}, one model under {@code /v1/models/{model}} (404 {@code model_not_found} for a model it does not
 * serve: only {@value #MODEL}); errors as {@code {"error": {"message", "type", "param", "code"}}}. Its 401 quotes the
 * key (masked by OpenAI; echoed whole here, the worst case).
 */
public class OpenAiStandIn extends StandIn {

    /** The organization every key of this stand-in belongs to; another in {@code OpenAI-Organization} is refused. */
    public static final String ORGANIZATION = "org-keyhouse0test0org0000";

    /** How a key without credit is refused. */
    public enum NoCredit {
        /** 429 {@code insufficient_quota}: out of credits or over the monthly spend limit. */
        INSUFFICIENT_QUOTA,
        /** 400 {@code billing_hard_limit_reached}. */
        BILLING_HARD_LIMIT
    }

    /** How a key that may not make the call is refused. */
    public enum Forbidden {
        /** 401, a restricted key without {@code api.model.read}: no code, the message names the missing scope. */
        MISSING_SCOPES,
        /** 403 {@code unsupported_country_region_territory}. */
        REGION,
        /** 401 {@code no_organization}: the key's user belongs to no organization. */
        NO_ORGANIZATION,
        /** 401 {@code account_deactivated}. */
        ACCOUNT_DEACTIVATED
    }

    /** The one model this stand-in serves (its models list names it; {@code /v1/models/{model}} finds no other). */
    public static final String MODEL = "gpt-4o-mini";
    private static final String MODELS = "/v1/models/";

    private volatile NoCredit noCredit = NoCredit.INSUFFICIENT_QUOTA;
    private volatile Forbidden forbidden = Forbidden.MISSING_SCOPES;

    /** From now on a {@link Scenario#NO_CREDIT} key is refused this way. */
    public OpenAiStandIn noCreditAs(NoCredit how) {
        noCredit = how;
        return this;
    }

    /** From now on a {@link Scenario#SCOPED} key is refused this way. */
    public OpenAiStandIn forbiddenAs(Forbidden how) {
        forbidden = how;
        return this;
    }

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
        return bearer(request);
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null) {
            reply.json(401, error("You didn't provide an API key.", "invalid_request_error", null));
            return;
        }
        String model = request.path().startsWith(MODELS) ? request.path().substring(MODELS.length()) : null;
        if (!request.path().equals("/v1/models") && model == null) {
            reply.json(404, error("Invalid URL (" + request.method() + " " + request.path() + ")",
                    "invalid_request_error", null));
            return;
        }
        String organization = request.header("OpenAI-Organization");
        if (scenario != Scenario.INVALID && scenario != Scenario.REVOKED && organization != null
                && !organization.equals(ORGANIZATION)) {
            reply.json(401, error("OpenAI-Organization header should match organization for API key",
                    "invalid_request_error", "mismatched_organization"));
            return;
        }
        switch (scenario) {
            case GOOD -> {
                String served = "{\"id\":\"" + MODEL + "\",\"object\":\"model\",\"created\":1721172741,"
                        + "\"owned_by\":\"system\"}";
                if (model == null) {
                    reply.json(200, "{\"object\":\"list\",\"data\":[" + served + "]}");
                } else if (model.equals(MODEL)) {
                    reply.json(200, served);
                } else {
                    reply.json(404, error("The model '" + model + "' does not exist or you do not have access to it.",
                            "invalid_request_error", "model_not_found"));
                }
            }
            case INVALID, REVOKED -> reply.json(401, error("Incorrect API key provided: " + keyOf(request)
                    + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                    "invalid_request_error", "invalid_api_key"));
            case NO_CREDIT -> {
                if (noCredit == NoCredit.BILLING_HARD_LIMIT) {
                    reply.json(400, error("Billing hard limit has been reached", "invalid_request_error",
                            "billing_hard_limit_reached"));
                } else {
                    reply.json(429, error("You exceeded your current quota, please check your plan and billing"
                            + " details.", "insufficient_quota", "insufficient_quota"));
                }
            }
            case SCOPED -> {
                switch (forbidden) {
                    case MISSING_SCOPES -> reply.json(401, error("You have insufficient permissions for this"
                            + " operation. Missing scopes: api.model.read.", "invalid_request_error", null));
                    case REGION -> reply.json(403, error("Country, region, or territory not supported",
                            "request_forbidden", "unsupported_country_region_territory"));
                    case NO_ORGANIZATION -> reply.json(401, error("You must be a member of an organization to use"
                            + " the API. Please contact us through our help center at help.openai.com.",
                            "invalid_request_error", "no_organization"));
                    case ACCOUNT_DEACTIVATED -> reply.json(401, error("This key is associated with a deactivated"
                            + " account.", "invalid_request_error", "account_deactivated"));
                }
            }
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
