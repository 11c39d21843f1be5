package dev.keyhouse.checks;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Soniox speech to text: {@code GET {base}/v1/models} with {@code Authorization: Bearer <key>}. The OpenAPI
 * description of the REST API (https://api.soniox.com/v1/openapi.json, operation {@code get_models}, security
 * {@code PublicApiAuth}, HTTP bearer) requires the key on this call and documents a 401 for a wrong one; listing models
 * costs nothing. The base is {@code https://api.soniox.com} unless the setting's {@code baseUrl} names another (a
 * regional endpoint).
 *
 * <p>Errors come as {@code {"status_code", "error_type", "message", "request_id", ...}}, classified by
 * {@code error_type} (https://soniox.com/docs/api-reference/errors): {@code unauthenticated} (401) is an invalid key;
 * {@code permission_denied} (403) a key whose permissions do not cover the call
 * (https://soniox.com/docs/guides/api-key-permissions), any other 403 (an expired temporary key) an invalid key;
 * {@code limit_exceeded} (429) a rate limit. No credit is not reported on this call, so {@code ok} does not prove it.
 */
@ApplicationScoped
public class SonioxCheck implements ProviderCheck {

    /** Soniox's documented REST API host. */
    static final String DEFAULT_BASE = "https://api.soniox.com";

    @Override
    public ProviderKind kind() {
        return ProviderKind.STT;
    }

    @Override
    public Set<String> providers() {
        return Set.of("soniox");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        return KeyedCalls.get(target, DEFAULT_BASE, "/v1/models", "Authorization", "Bearer ");
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        String type = Answers.text(body, "error_type");
        if ("permission_denied".equals(type)) {
            return Verdict.of(CheckResult.FORBIDDEN, type);
        }
        if ("limit_exceeded".equals(type) || status == 429) {
            return Verdict.of(CheckResult.RATE_LIMITED, type);
        }
        if ("unauthenticated".equals(type) || status == 401 || status == 403) {
            return Verdict.of(CheckResult.INVALID_KEY, type);
        }
        return Verdict.of(CheckResult.UNEXPECTED, type);
    }

    @Override
    public String proves() {
        return "GET {base}/v1/models with Authorization: Bearer <key> (base https://api.soniox.com unless baseUrl is"
                + " set). ok proves the key exists and may list models; it does not prove credit nor the key's"
                + " permission to transcribe.";
    }
}
