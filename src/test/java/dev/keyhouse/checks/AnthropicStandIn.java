package dev.keyhouse.checks;

import java.io.IOException;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Anthropic's Claude API as its reference documents it (https://docs.anthropic.com/en/api/overview,
 * https://docs.anthropic.com/en/api/errors): the key in {@code x-api-key}, {@code anthropic-version} required;
 * {@code GET /v1/models} (https://docs.anthropic.com/en/api/models-list) and {@code POST /v1/messages/count_tokens}
 * (https://docs.anthropic.com/en/api/messages-count-tokens); errors as {@code {"type": "error", "error": {"type",
 * "message"}, "request_id"}}.
 *
 * <p>A key without credit lists models (the list says nothing of credit) and is refused where tokens are counted,
 * in one of the documented ways ({@link #noCreditAs}); a server error is a 500 {@code api_error} or a 529
 * {@code overloaded_error} ({@link #serverErrorAs}).
 */
public class AnthropicStandIn extends StandIn {

    /** How a key without credit is refused. */
    public enum NoCredit {
        /** 400 {@code invalid_request_error} "Your credit balance is too low ...". */
        CREDIT_BALANCE,
        /** 400 {@code invalid_request_error} "You have reached your specified API usage limits ...". */
        USAGE_LIMIT,
        /** 402 {@code billing_error}. */
        BILLING_ERROR,
        /** 429 {@code rate_limit_error} with {@code error.details.error_code} {@code enforced_spend_limit_reached}. */
        SPEND_LIMIT
    }

    /** How the provider fails. */
    public enum ServerError {
        /** 500 {@code api_error}. */
        API_ERROR,
        /** 529 {@code overloaded_error}. */
        OVERLOADED
    }

    /** The models count_tokens knows; any other is a 404 {@code not_found_error}. */
    public static final Set<String> MODELS = Set.of("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_ALPHABET = ALPHANUMERIC + "-_";

    private volatile NoCredit noCredit = NoCredit.CREDIT_BALANCE;
    private volatile ServerError serverError = ServerError.API_ERROR;

    /** The base URL a setting uses to reach this stand-in, as Keyhouse's default has it (with {@code /v1}). */
    public String baseUrl() {
        return url() + "/v1";
    }

    /** From now on a {@link Scenario#NO_CREDIT} key is refused this way. */
    public AnthropicStandIn noCreditAs(NoCredit how) {
        noCredit = how;
        return this;
    }

    /** From now on a {@link Scenario#SERVER_ERROR} key is answered this way. */
    public AnthropicStandIn serverErrorAs(ServerError how) {
        serverError = how;
        return this;
    }

    @Override
    protected String newKey() {
        return "sk-ant-api03-" + random(KEY_ALPHABET, 93) + "AA";
    }

    @Override
    protected String keyOf(Received request) {
        return request.header("x-api-key");
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null) {
            reply.json(401, error("authentication_error", "x-api-key header is required"));
            return;
        }
        if (request.header("anthropic-version") == null) {
            reply.json(400, error("invalid_request_error", "anthropic-version: header is required"));
            return;
        }
        boolean models = request.method().equals("GET") && request.path().equals("/v1/models");
        boolean countTokens = request.method().equals("POST") && request.path().equals("/v1/messages/count_tokens");
        if (!models && !countTokens) {
            reply.json(404, error("not_found_error", "Not Found"));
            return;
        }
        switch (scenario) {
            case GOOD -> good(models, request, reply);
            case INVALID, REVOKED -> reply.json(401, error("authentication_error", "invalid x-api-key"));
            case NO_CREDIT -> {
                if (models) {
                    good(true, request, reply);
                } else {
                    noCredit(reply);
                }
            }
            case SCOPED -> reply.json(403, error("permission_error",
                    "Your API key does not have permission to use the specified resource."));
            case RATE_LIMITED -> {
                reply.header("retry-after", "12");
                reply.json(429, error("rate_limit_error", "Number of requests has exceeded your per-minute rate"
                        + " limit; see the response headers for current usage."));
            }
            case SERVER_ERROR -> {
                if (serverError == ServerError.OVERLOADED) {
                    reply.json(529, error("overloaded_error", "Overloaded"));
                } else {
                    reply.json(500, error("api_error", "Internal server error"));
                }
            }
            case SLOW -> throw new IllegalStateException("handled by StandIn");
        }
    }

    private static void good(boolean models, Received request, Reply reply) throws IOException {
        if (models) {
            reply.json(200, "{\"data\":[{\"type\":\"model\",\"id\":\"claude-sonnet-4-5\",\"display_name\":"
                    + "\"Claude Sonnet 4.5\",\"created_at\":\"2025-09-29T00:00:00Z\"}],\"has_more\":true,"
                    + "\"first_id\":\"claude-sonnet-4-5\",\"last_id\":\"claude-sonnet-4-5\"}");
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (IOException e) {
            reply.json(400, error("invalid_request_error", "There was an issue with the JSON body"));
            return;
        }
        String model = body.path("model").asText(null);
        if (model == null || !body.path("messages").isArray() || body.path("messages").isEmpty()) {
            reply.json(400, error("invalid_request_error", "model and messages: Field required"));
        } else if (!MODELS.contains(model)) {
            reply.json(404, error("not_found_error", "model: " + model));
        } else {
            reply.json(200, "{\"input_tokens\":8}");
        }
    }

    private void noCredit(Reply reply) throws IOException {
        switch (noCredit) {
            case CREDIT_BALANCE -> reply.json(400, error("invalid_request_error", "Your credit balance is too low to"
                    + " access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."));
            case USAGE_LIMIT -> reply.json(400, error("invalid_request_error", "You have reached your specified API"
                    + " usage limits. You will regain access on 2026-12-01 at 00:00 UTC."));
            case BILLING_ERROR -> reply.json(402, error("billing_error", "Your account has an issue with billing."
                    + " Please check your payment details in the Console."));
            case SPEND_LIMIT -> reply.json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                    + "\"message\":\"Your organization has reached its monthly spend limit.\",\"details\":"
                    + "{\"error_code\":\"enforced_spend_limit_reached\"}},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}");
        }
    }

    private static String error(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message.replace("\"", "\\\"")
                + "\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
    }
}
