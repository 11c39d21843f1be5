package dev.keyhouse.checks;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Google Gemini API: {@code GET {api}/models?pageSize=1} with {@code x-goog-api-key: <key>}, the native models list
 * (https://ai.google.dev/api/models#method:-models.list; the key in a header as https://ai.google.dev/api#api-keys
 * allows, so never in the URL). Listing models is free.
 *
 * <p>The setting's base URL is Gemini's OpenAI-compatible one ({@code
 * https://generativelanguage.googleapis.com/v1beta/openai}); {@code {api}} is that URL without its final
 * {@code /openai} segment (a base URL with no path gets {@code /v1beta}), so the check reaches the host the runtimes
 * use. The native call is used rather than the compatible {@code /openai/models} because Google documents its native
 * error body and its reasons.
 *
 * <p>Errors come as {@code {"error": {"code", "message", "status", "details": [...]}}} with a
 * {@code google.rpc.ErrorInfo} detail naming a {@code reason} (https://ai.google.dev/gemini-api/docs/troubleshooting,
 * https://cloud.google.com/apis/design/errors), classified by status and reason:
 * <ul>
 * <li>reason {@code API_KEY_INVALID} (400 {@code INVALID_ARGUMENT}: an unknown, deleted or expired key), or 401
 * {@code UNAUTHENTICATED}: invalid key; a 403 whose message says the key was reported as leaked (Google blocks such a
 * key for good, with no reason of its own) is an invalid key too, code {@code key_reported_leaked};
 * <li>403 {@code PERMISSION_DENIED} otherwise ({@code API_KEY_SERVICE_BLOCKED}, {@code SERVICE_DISABLED},
 * {@code CONSUMER_SUSPENDED}, a referrer or IP restriction): forbidden, code the reason; 400
 * {@code FAILED_PRECONDITION} (the free tier is not offered in the caller's region and billing is off): forbidden;
 * <li>402 (a prepaid billing account out of credit): no credit;
 * <li>429 {@code RESOURCE_EXHAUSTED}: quota or rate, told apart by its {@code google.rpc.QuotaFailure} detail. A
 * violated quota whose {@code quotaId} is per day ({@code ...PerDay...}) is no credit: the key is refused until the
 * quota resets, up to a day. Any other (per minute, or no detail) is a rate limit.
 * </ul>
 * Anything else ({@code INTERNAL} 500, {@code UNAVAILABLE} 503, {@code DEADLINE_EXCEEDED} 504, another 400) is
 * unexpected.
 */
@ApplicationScoped
public class GoogleCheck extends LlmCheck {

    /** The Gemini API path used when the base URL has none. */
    static final String DEFAULT_VERSION_PATH = "/v1beta";

    /** The check of the LLM provider {@code google}. */
    public GoogleCheck() {
        super("google");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        URI models = models(required(target, "baseUrl"));
        return List.of(ProviderCall.get(models, headers("x-goog-api-key", required(target, "apiKey"))));
    }

    /** {@code {api}/models?pageSize=1}, see the class comment. */
    static URI models(String baseUrl) {
        String path = BaseUrls.withoutLastSegment(BaseUrls.path(baseUrl), "openai");
        return BaseUrls.atOrigin(baseUrl, (path.isEmpty() ? DEFAULT_VERSION_PATH : path) + "/models?pageSize=1");
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        String state = code(body, "error", "status");
        String reason = reason(body);
        if ("API_KEY_INVALID".equals(reason) || status == 401 || "UNAUTHENTICATED".equals(state)) {
            return Verdict.of(CheckResult.INVALID_KEY, reason != null ? reason : state);
        }
        if (status == 402) {
            return Verdict.of(CheckResult.NO_CREDIT, state);
        }
        if (status == 403 || "PERMISSION_DENIED".equals(state)) {
            if (reason == null && Answers.mentions(body, "leaked", "error", "message")) {
                return Verdict.of(CheckResult.INVALID_KEY, "key_reported_leaked");
            }
            return Verdict.of(CheckResult.FORBIDDEN, reason != null ? reason : state);
        }
        if ("FAILED_PRECONDITION".equals(state)) {
            return Verdict.of(CheckResult.FORBIDDEN, state);
        }
        if (status == 429 || "RESOURCE_EXHAUSTED".equals(state)) {
            return Verdict.of(perDayQuota(body) ? CheckResult.NO_CREDIT : CheckResult.RATE_LIMITED, state);
        }
        return Verdict.of(CheckResult.UNEXPECTED, reason != null ? reason : state);
    }

    /** The {@code reason} of the answer's first {@code google.rpc.ErrorInfo} detail, null when none. */
    private static String reason(JsonNode body) {
        for (JsonNode detail : details(body)) {
            if (detail.path("@type").asText("").endsWith("google.rpc.ErrorInfo") && detail.path("reason").isTextual()) {
                return code(detail.path("reason").asText());
            }
        }
        return null;
    }

    /** Whether a {@code google.rpc.QuotaFailure} detail names a violated per-day quota. */
    private static boolean perDayQuota(JsonNode body) {
        for (JsonNode detail : details(body)) {
            if (detail.path("@type").asText("").endsWith("google.rpc.QuotaFailure")) {
                for (JsonNode violation : detail.path("violations")) {
                    if (violation.path("quotaId").asText("").contains("PerDay")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static JsonNode details(JsonNode body) {
        JsonNode details = body == null ? null : body.path("error").path("details");
        return details != null && details.isArray() ? details : MissingNode.getInstance();
    }

    @Override
    public String proves() {
        return "GET {api}/models?pageSize=1 with x-goog-api-key, {api} being the base URL without /openai. ok proves"
                + " the key exists, is not restricted away from the Gemini API and its project may use it; it does"
                + " not prove generation quota or credit (models.list is not counted against them), nor access to"
                + " the configured model.";
    }
}
