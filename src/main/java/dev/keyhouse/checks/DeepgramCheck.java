package dev.keyhouse.checks;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Deepgram speech to text: {@code GET {base}/v1/projects} with {@code Authorization: Token <key>}, as the API
 * reference documents it (https://developers.deepgram.com/reference/manage/projects/list,
 * https://developers.deepgram.com/reference/authentication). Listing the key's projects is a management call: it
 * costs nothing. The base is {@code https://api.deepgram.com} unless the setting's {@code baseUrl} names another
 * (self-hosted or regional).
 *
 * <p>Errors come as {@code {"err_code", "err_msg", "request_id"}} (https://developers.deepgram.com/docs/errors):
 * {@code INVALID_AUTH} (401) is an invalid key; {@code INSUFFICIENT_PERMISSIONS} (401, or 403 for a model) is
 * forbidden; {@code ASR_PAYMENT_REQUIRED} (402, "Project does not have enough credits") is no credit;
 * {@code TOO_MANY_REQUESTS} (429) a rate limit. Deepgram answers 402 on transcription, which this check never makes,
 * so {@code ok} does not prove credit.
 */
@ApplicationScoped
public class DeepgramCheck implements ProviderCheck {

    /** Deepgram's documented API host. */
    static final String DEFAULT_BASE = "https://api.deepgram.com";

    @Override
    public ProviderKind kind() {
        return ProviderKind.STT;
    }

    @Override
    public Set<String> providers() {
        return Set.of("deepgram");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        return KeyedCalls.get(target, DEFAULT_BASE, "/v1/projects", "Authorization", "Token ");
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        String code = Answers.text(body, "err_code");
        if (code == null) {
            // the newer error shape: {"category", "message", "details", "request_id"}
            code = Answers.text(body, "category");
        }
        if ("INVALID_AUTH".equals(code)) {
            return Verdict.of(CheckResult.INVALID_KEY, code);
        }
        if ("INSUFFICIENT_PERMISSIONS".equals(code)) {
            return Verdict.of(CheckResult.FORBIDDEN, code);
        }
        if ("ASR_PAYMENT_REQUIRED".equals(code) || status == 402) {
            return Verdict.of(CheckResult.NO_CREDIT, code);
        }
        return switch (status) {
            case 401 -> Verdict.of(CheckResult.INVALID_KEY, code);
            case 403 -> Verdict.of(CheckResult.FORBIDDEN, code);
            case 429 -> Verdict.of(CheckResult.RATE_LIMITED, code);
            default -> Verdict.of(CheckResult.UNEXPECTED, code);
        };
    }

    @Override
    public String proves() {
        return "GET {base}/v1/projects with Authorization: Token <key> (base https://api.deepgram.com unless baseUrl is"
                + " set). ok proves the key exists and may list its projects; it does not prove credit (Deepgram"
                + " answers 402 ASR_PAYMENT_REQUIRED only on transcription) nor access to the configured model.";
    }
}
