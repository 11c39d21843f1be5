package dev.keyhouse.checks;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * OpenAI and any OpenAI-compatible endpoint ({@code custom}): {@code GET {baseUrl}/models} with
 * {@code Authorization: Bearer <key>} (and {@code OpenAI-Organization} when set), as the API reference documents
 * (https://platform.openai.com/docs/api-reference/models/list). Listing models is free.
 *
 * <p>Errors come as {@code {"error": {"message", "type", "param", "code"}}}
 * (https://platform.openai.com/docs/guides/error-codes): 401 {@code invalid_api_key} (or no code: a missing or
 * malformed key) is an invalid key; 429 {@code insufficient_quota} (or {@code billing_hard_limit_reached}) is no
 * credit, any other 429 a rate limit; forbidden are a 403 (e.g. {@code unsupported_country_region_territory}), a
 * 401 for missing scopes ("You have insufficient permissions ... Missing scopes: api.model.read", a restricted key),
 * and a 401 that is about the account or the {@code OpenAI-Organization} header rather than the key
 * ({@code mismatched_organization}, {@code invalid_organization}, {@code no_organization},
 * {@code account_deactivated}): the key is known, but not usable as configured.
 */
@ApplicationScoped
public class OpenAiCheck extends LlmCheck {

    /** 401 codes about the account or organisation, not the key: the key is known but not usable as configured. */
    static final Set<String> NOT_THE_KEY = Set.of("mismatched_organization", "invalid_organization",
            "no_organization", "account_deactivated");

    /** The check of the LLM providers {@code openai} and {@code custom}. */
    public OpenAiCheck() {
        super("openai", ProviderKind.CUSTOM);
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        String baseUrl = required(target, "baseUrl");
        String key = target.value("apiKey");
        if (key == null) {
            // a custom endpoint without a key: nothing to prove
            return List.of();
        }
        Map<String, String> headers = headers("Authorization", "Bearer " + key);
        if (target.value("organization") != null) {
            headers.put("OpenAI-Organization", target.value("organization"));
        }
        return List.of(ProviderCall.get(BaseUrls.under(baseUrl, "/models"), headers));
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        String code = code(body, "error", "code");
        String type = code(body, "error", "type");
        String reported = code != null ? code : type;
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        if ("insufficient_quota".equals(code) || "insufficient_quota".equals(type)
                || "billing_hard_limit_reached".equals(code)) {
            return Verdict.of(CheckResult.NO_CREDIT, reported);
        }
        if (code != null && NOT_THE_KEY.contains(code)) {
            return Verdict.of(CheckResult.FORBIDDEN, code);
        }
        return switch (status) {
            case 401 -> Answers.mentions(body, "insufficient permissions", "error", "message")
                    ? Verdict.of(CheckResult.FORBIDDEN, code == null ? "insufficient_permissions" : code)
                    : Verdict.of(CheckResult.INVALID_KEY, reported);
            case 403 -> Verdict.of(CheckResult.FORBIDDEN, reported);
            case 429 -> Verdict.of(CheckResult.RATE_LIMITED, reported);
            default -> Verdict.of(CheckResult.UNEXPECTED, reported);
        };
    }

    @Override
    public String proves() {
        return "GET {baseUrl}/models with Authorization: Bearer <key>. ok proves the key exists, may list models and"
                + " suits the organization header; it does not prove quota or credit (listing models is not billed,"
                + " so an account out of quota may still list them), nor access to the configured model.";
    }
}
