package dev.keyhouse.checks;

import java.net.URI;
import java.util.LinkedHashMap;
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
 * <p>Errors come as {@code {"error": {"type": ..., "code": ...}}} (https://platform.openai.com/docs/guides/error-codes):
 * 401 {@code invalid_api_key}; 429 {@code insufficient_quota} is no credit, any other 429 a rate limit; 403 (e.g.
 * {@code unsupported_country_region_territory}) and a 401 for missing scopes are forbidden.
 */
@ApplicationScoped
public class OpenAiCheck implements ProviderCheck {

    @Override
    public ProviderKind kind() {
        return ProviderKind.LLM;
    }

    @Override
    public Set<String> providers() {
        return Set.of("openai", ProviderKind.CUSTOM);
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        String baseUrl = target.value("baseUrl");
        String key = target.value("apiKey");
        if (baseUrl == null) {
            throw new IllegalArgumentException("baseUrl is not set");
        }
        if (key == null) {
            // a custom endpoint without a key: nothing to prove
            return List.of();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + key);
        if (target.value("organization") != null) {
            headers.put("OpenAI-Organization", target.value("organization"));
        }
        headers.put("Accept", "application/json");
        return List.of(ProviderCall.get(URI.create(trimSlash(baseUrl) + "/models"), headers));
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        String code = Answers.text(body, "error", "code");
        String type = Answers.text(body, "error", "type");
        String reported = code != null ? code : type;
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        if ("insufficient_quota".equals(code) || "insufficient_quota".equals(type)
                || "billing_hard_limit_reached".equals(code)) {
            return Verdict.of(CheckResult.NO_CREDIT, reported);
        }
        return switch (status) {
            case 401 -> Answers.mentions(body, "insufficient permissions", "error", "message")
                    ? Verdict.of(CheckResult.FORBIDDEN, reported == null ? "insufficient_permissions" : reported)
                    : Verdict.of(CheckResult.INVALID_KEY, reported);
            case 403 -> Verdict.of(CheckResult.FORBIDDEN, reported);
            case 429 -> Verdict.of(CheckResult.RATE_LIMITED, reported);
            default -> Verdict.of(CheckResult.UNEXPECTED, reported);
        };
    }

    @Override
    public String proves() {
        return "GET {baseUrl}/models with Authorization: Bearer <key>. ok proves the key exists and may list models;"
                + " it does not prove quota or credit (OpenAI answers 429 insufficient_quota only on billed calls),"
                + " nor access to the configured model.";
    }

    static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
