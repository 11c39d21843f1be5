package dev.keyhouse.checks;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * DeepSeek: {@code GET {root}/user/balance} with {@code Authorization: Bearer <key>}, "get user balance"
 * (https://api-docs.deepseek.com/api/get-user-balance); free. The setting's base URL is
 * {@code https://api.deepseek.com/v1}, but the balance is not under {@code /v1}: {@code {root}} is the base URL
 * without a final {@code /v1} or {@code /beta} segment (https://api-docs.deepseek.com/: the OpenAI-compatible base is
 * {@code https://api.deepseek.com} or {@code .../v1}, the version segment only a compatibility alias).
 *
 * <p>A 200 carries {@code is_available} (whether the balance covers API calls) and {@code balance_infos}; only
 * {@code is_available} is read: {@code false} is no credit (code {@code balance_unavailable}).
 *
 * <p>Errors come in OpenAI's shape, {@code {"error": {"message", "type", "param", "code"}}}, with a generic
 * {@code code} ({@code invalid_request_error}) for every error; the documented statuses decide
 * (https://api-docs.deepseek.com/quick_start/error_codes): 401 "Authentication Fails" invalid key (code
 * {@code error.type}, {@code authentication_error}); 402 "Insufficient Balance" no credit (code
 * {@code insufficient_balance}, DeepSeek's name for it); 403 forbidden; 429 "Rate Limit Reached" rate limit; 500
 * "Server Error", 503 "Server Overloaded" and anything else unexpected.
 */
@ApplicationScoped
public class DeepSeekCheck extends LlmCheck {

    /** The check of the LLM provider {@code deepseek}. */
    public DeepSeekCheck() {
        super("deepseek");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        URI balance = balance(required(target, "baseUrl"));
        return List.of(ProviderCall.get(balance, headers("Authorization", "Bearer " + required(target, "apiKey"))));
    }

    /** {@code {root}/user/balance}, see the class comment. */
    static URI balance(String baseUrl) {
        String path = BaseUrls.withoutLastSegment(BaseUrls.withoutLastSegment(BaseUrls.path(baseUrl), "v1"), "beta");
        return BaseUrls.atOrigin(baseUrl, path + "/user/balance");
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            JsonNode available = body == null ? null : body.get("is_available");
            if (available == null || !available.isBoolean()) {
                // not the documented answer (a proxy's page?): nothing was learnt about the key
                return Verdict.of(CheckResult.UNEXPECTED, "unexpected_answer");
            }
            return available.booleanValue() ? Verdict.of(CheckResult.OK)
                    : Verdict.of(CheckResult.NO_CREDIT, "balance_unavailable");
        }
        return byStatus(status, status == 402 ? "insufficient_balance" : code(body, "error", "type"));
    }

    @Override
    public String proves() {
        return "GET {root}/user/balance with Authorization: Bearer <key>, {root} being the base URL without /v1. ok"
                + " proves the key exists and its account's balance is available for API calls; it does not prove the"
                + " balance lasts, nor access to the configured model.";
    }
}
