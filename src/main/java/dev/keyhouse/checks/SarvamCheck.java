package dev.keyhouse.checks;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Sarvam AI text to speech: no check, so every Sarvam key is {@link CheckResult#UNVERIFIABLE}. Sarvam authenticates
 * with {@code api-subscription-key: <key>} (https://docs.sarvam.ai/api-reference-docs/authentication), but every
 * endpoint that takes it is billed per character or second of the request: translation, transliteration, language
 * identification ({@code POST /text-lid}), speech to text, text to speech and chat
 * (https://docs.sarvam.ai/api-reference-docs/ratelimits: "credits can be used across any of our APIs"). There is no
 * models, account or balance endpoint, and the batch job status endpoint ({@code GET
 * /speech-to-text/job/v1/{job_id}/status}) needs a real job id; what it answers for an unknown one is not documented.
 * Checks must be non-billed (they also run in the background), so none is sent.
 *
 * <p>{@link #classify} follows Sarvam's documented error shape ({@code {"error": {"message", "code"}}},
 * https://docs.sarvam.ai/api/errors-troubleshooting) for the day a free call exists: {@code invalid_api_key_error}
 * (403) is an invalid key, {@code insufficient_quota_error} (429) no credit, {@code rate_limit_exceeded_error} (429)
 * a rate limit.
 */
@ApplicationScoped
public class SarvamCheck implements ProviderCheck {

    @Override
    public ProviderKind kind() {
        return ProviderKind.TTS;
    }

    @Override
    public Set<String> providers() {
        return Set.of("sarvam");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        return List.of();
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        String code = Answers.text(body, "error", "code");
        if (code == null) {
            return Verdict.of(CheckResult.UNEXPECTED);
        }
        return switch (code) {
            case "invalid_api_key_error" -> Verdict.of(CheckResult.INVALID_KEY, code);
            case "insufficient_quota_error" -> Verdict.of(CheckResult.NO_CREDIT, code);
            case "rate_limit_exceeded_error" -> Verdict.of(CheckResult.RATE_LIMITED, code);
            default -> Verdict.of(CheckResult.UNEXPECTED, code);
        };
    }

    @Override
    public String proves() {
        return "No call: every Sarvam endpoint that takes api-subscription-key is billed, and Sarvam has no models,"
                + " account or balance endpoint, so the key is unverifiable here; nothing is sent.";
    }
}
