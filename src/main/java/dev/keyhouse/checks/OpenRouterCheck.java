package dev.keyhouse.checks;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * OpenRouter: {@code GET {baseUrl}/key} with {@code Authorization: Bearer <key>}, "get current API key"
 * (https://openrouter.ai/docs/api/api-reference/api-keys/get-current-key); free. Its {@code /models} is public and
 * would prove nothing; its {@code /credits} (the account's balance) needs a management key
 * (https://openrouter.ai/docs/api/api-reference/credits/get-credits), so the account's own balance is not checked.
 *
 * <p>A 200 carries {@code data} with the key's {@code limit}, {@code limit_remaining} (null: no limit),
 * {@code usage}, {@code is_free_tier} and {@code is_management_key}; only {@code limit_remaining} and
 * {@code is_management_key} are read ({@code data.label} quotes part of the key and is never read). A key whose
 * {@code limit_remaining} is 0 or less is no credit (code {@code openrouter_key_limit}, OpenRouter's own name for that
 * limit in a 402's {@code error.metadata.limit_source}); a management key is forbidden (code
 * {@code management_key}): OpenRouter refuses it on completions
 * (https://openrouter.ai/docs/guides/overview/auth/management-api-keys).
 *
 * <p>Errors come as {@code {"error": {"code": <the HTTP status>, "message", "metadata"}}}
 * (https://openrouter.ai/docs/api/reference/errors-and-debugging): a number, no type, so the status decides: 401
 * (invalid, disabled or expired key) invalid key; 402 (the key's limit or the account's credits exhausted) no credit,
 * code {@code error.metadata.limit_source} when it is there; 403 forbidden; 429 rate limit; anything else unexpected.
 */
@ApplicationScoped
public class OpenRouterCheck extends LlmCheck {

    /** The check of the LLM provider {@code openrouter}. */
    public OpenRouterCheck() {
        super("openrouter");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        URI key = BaseUrls.under(required(target, "baseUrl"), "/key");
        return List.of(ProviderCall.get(key, headers("Authorization", "Bearer " + required(target, "apiKey"))));
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            JsonNode data = body == null ? null : body.get("data");
            if (data == null || !data.isObject()) {
                // not the documented answer (a proxy's page?): nothing was learnt about the key
                return Verdict.of(CheckResult.UNEXPECTED, "unexpected_answer");
            }
            if (data.path("is_management_key").asBoolean(false)) {
                return Verdict.of(CheckResult.FORBIDDEN, "management_key");
            }
            JsonNode remaining = data.get("limit_remaining");
            if (remaining != null && remaining.isNumber() && remaining.asDouble() <= 0) {
                return Verdict.of(CheckResult.NO_CREDIT, "openrouter_key_limit");
            }
            return Verdict.of(CheckResult.OK);
        }
        return byStatus(status, status == 402 ? code(body, "error", "metadata", "limit_source") : null);
    }

    @Override
    public String proves() {
        return "GET {baseUrl}/key with Authorization: Bearer <key>. ok proves the key exists, is enabled, is an"
                + " inference key and has not used up its own credit limit; it does not prove the account has credit"
                + " (that needs a management key), nor that a free-tier account may use a paid model.";
    }
}
