package dev.keyhouse.checks;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * ElevenLabs text to speech: {@code GET {base}/v1/voices} with {@code xi-api-key: <key>}
 * (https://elevenlabs.io/docs/api-reference/voices/search, https://elevenlabs.io/docs/api-reference/authentication).
 * Listing voices costs no characters. {@code /v1/user} is not used: it needs the "User: read" permission, which keys
 * made for speech often lack. The base is {@code https://api.elevenlabs.io} unless the setting's {@code baseUrl}
 * names another.
 *
 * <p>Errors come as {@code {"detail": {"status", "message"}}}, classified by {@code detail.status}
 * (https://help.elevenlabs.io/hc/en-us/articles/19572237925521-API-Error-Code-400-or-401): {@code invalid_api_key}
 * (401) is an invalid key; {@code quota_exceeded} also comes as 401 and is no credit; {@code missing_permissions}
 * (401) is forbidden: the key exists, but its "Voices" permission is "No access" (such a key may still synthesize with
 * a known voice id, so an admin may override); {@code detected_unusual_activity} (401, free tier disabled) is
 * forbidden; {@code too_many_concurrent_requests} and {@code system_busy} (429) are rate limits.
 */
@ApplicationScoped
public class ElevenLabsCheck implements ProviderCheck {

    /** ElevenLabs' documented API host. */
    static final String DEFAULT_BASE = "https://api.elevenlabs.io";

    @Override
    public ProviderKind kind() {
        return ProviderKind.TTS;
    }

    @Override
    public Set<String> providers() {
        return Set.of("elevenlabs");
    }

    @Override
    public List<ProviderCall> calls(CheckTarget target) {
        return KeyedCalls.get(target, DEFAULT_BASE, "/v1/voices", "xi-api-key", "");
    }

    @Override
    public Verdict classify(ProviderCall call, int status, JsonNode body) {
        if (status >= 200 && status < 300) {
            return Verdict.of(CheckResult.OK);
        }
        String reported = Answers.text(body, "detail", "status");
        if (reported != null) {
            switch (reported) {
                case "invalid_api_key":
                    return Verdict.of(CheckResult.INVALID_KEY, reported);
                case "quota_exceeded":
                    return Verdict.of(CheckResult.NO_CREDIT, reported);
                case "missing_permissions", "detected_unusual_activity":
                    return Verdict.of(CheckResult.FORBIDDEN, reported);
                case "too_many_concurrent_requests", "system_busy":
                    return Verdict.of(CheckResult.RATE_LIMITED, reported);
                default:
                    break;
            }
        }
        return switch (status) {
            case 401 -> Verdict.of(CheckResult.INVALID_KEY, reported);
            case 403 -> Verdict.of(CheckResult.FORBIDDEN, reported);
            case 429 -> Verdict.of(CheckResult.RATE_LIMITED, reported);
            default -> Verdict.of(CheckResult.UNEXPECTED, reported);
        };
    }

    @Override
    public String proves() {
        return "GET {base}/v1/voices with xi-api-key: <key> (base https://api.elevenlabs.io unless baseUrl is set)."
                + " ok proves the key exists and may list voices; it does not prove character quota (quota_exceeded"
                + " comes on synthesis) nor the configured voice; a key without the Voices permission shows forbidden.";
    }
}
