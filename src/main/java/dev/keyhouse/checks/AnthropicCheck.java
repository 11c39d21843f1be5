package dev.keyhouse.checks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Anthropic (Claude API), two free calls with {@code x-api-key: <key>} and {@code anthropic-version}
 * (https://docs.anthropic.com/en/api/overview, https://docs.anthropic.com/en/api/versioning):
 * <ol>
 * <li>{@code GET {v1}/models?limit=1} (https://docs.anthropic.com/en/api/models-list): the key exists and may read;
 * <li>{@code POST {v1}/messages/count_tokens} with {@code {"model": <the setting's model>, "messages": [{"role":
 * "user", "content": "ping"}]}} (https://docs.anthropic.com/en/api/messages-count-tokens; token counting is free):
 * it is refused when the organisation has no credit, which the models list does not show. Left out when the
 * setting has no model.
 * </ol>
 * {@code {v1}} is the setting's base URL ({@code https://api.anthropic.com/v1} by default); a base URL whose path does
 * not end in {@code /v1} gets it appended, as Anthropic's SDKs compose {@code {base}/v1/messages}.
 * {@code anthropic-version} is the setting's {@code apiVersion} when that is a version date ({@code YYYY-MM-DD}), else
 * {@value #DEFAULT_VERSION}.
 *
 * <p>Errors come as {@code {"type": "error", "error": {"type": ..., "message": ...}}}
 * (https://docs.anthropic.com/en/api/errors), classified by {@code error.type}: {@code authentication_error} (401)
 * is an invalid key; {@code permission_error} (403) forbidden; {@code billing_error} (402) no credit; a 400
 * {@code invalid_request_error} whose message says the credit balance is too low, or that the organisation's or
 * workspace's usage/spend limit is reached, is no credit (Anthropic gives those no code of their own); a 429
 * {@code rate_limit_error} is a rate limit unless {@code error.details.error_code} names a spend limit
 * ({@code enforced_spend_limit_reached}: no credit until the limit resets). {@code overloaded_error} (529) is
 * unexpected, not a rate limit: it is Anthropic short of capacity for every customer, says nothing about this key or
 * account, and saves with a warning like any other unexpected answer. {@code api_error} (500), {@code timeout_error}
 * (504) and {@code not_found_error} (404: an unknown model on count_tokens, a wrong base URL) are unexpected.
 */
@ApplicationScoped
public class AnthropicCheck extends LlmCheck {

    /** The {@code anthropic-version} sent when the setting names none. */
    public static final String DEFAULT_VERSION = "2023-06-01";

    private static final Pattern VERSION_DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The check of the LLM provider {@code anthropic}. */
    public AnthropicCheck() {
        super("anthropic");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        String v1 = v1(required(target, "baseUrl"));
        String version = target.value("apiVersion");
        Map<String, String> headers = headers("x-api-key", required(target, "apiKey"));
        headers.put("anthropic-version", version != null && VERSION_DATE.matcher(version).matches() ? version
                : DEFAULT_VERSION);
        List<ProviderCall> calls = new ArrayList<>();
        calls.add(ProviderCall.get(BaseUrls.under(v1, "/models?limit=1"), headers));
        String model = target.value("model");
        if (model != null) {
            calls.add(ProviderCall.postJson(BaseUrls.under(v1, "/messages/count_tokens"), headers,
                    countTokens(model)));
        }
        return calls;
    }

    /** The base URL ending in {@code /v1}. */
    static String v1(String baseUrl) {
        String base = BaseUrls.trimSlash(baseUrl);
        return BaseUrls.path(base).endsWith("/v1") ? base : base + "/v1";
    }

    private static String countTokens(String model) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", "ping");
        return body.toString();
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        String type = code(body, "error", "type");
        String detail = code(body, "error", "details", "error_code");
        if ("billing_error".equals(type) || status == 402) {
            return Verdict.of(CheckResult.NO_CREDIT, type);
        }
        if (detail != null && detail.contains("spend_limit")) {
            return Verdict.of(CheckResult.NO_CREDIT, detail);
        }
        if ("invalid_request_error".equals(type)) {
            if (Answers.mentions(body, "credit balance", "error", "message")) {
                return Verdict.of(CheckResult.NO_CREDIT, "credit_balance_too_low");
            }
            if (Answers.mentions(body, "usage limit", "error", "message")
                    || Answers.mentions(body, "spend limit", "error", "message")) {
                return Verdict.of(CheckResult.NO_CREDIT, "usage_limit_reached");
            }
            return Verdict.of(CheckResult.UNEXPECTED, type);
        }
        if (type != null) {
            return switch (type) {
                case "authentication_error" -> Verdict.of(CheckResult.INVALID_KEY, type);
                case "permission_error" -> Verdict.of(CheckResult.FORBIDDEN, type);
                case "rate_limit_error" -> Verdict.of(CheckResult.RATE_LIMITED, type);
                default -> Verdict.of(CheckResult.UNEXPECTED, type);
            };
        }
        // no error type (an answer that is not Anthropic's JSON, e.g. from a proxy): the status alone
        return byStatus(status, null);
    }

    @Override
    public String proves() {
        return "GET {baseUrl}/models?limit=1, then POST {baseUrl}/messages/count_tokens for the setting's model, with"
                + " x-api-key and anthropic-version. ok proves the key exists and may read and, when the setting has"
                + " a model, that the model is known and the organisation is not out of credit or over its spend"
                + " limit; it does not prove the key may send messages to the model, nor rate-limit headroom.";
    }
}
