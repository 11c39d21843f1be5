package dev.keyhouse.checks;

import java.io.IOException;

/**
 * ElevenLabs as its API reference documents it (https://elevenlabs.io/docs/api-reference/authentication,
 * https://elevenlabs.io/docs/api-reference/voices/search,
 * https://help.elevenlabs.io/hc/en-us/articles/19572237925521-API-Error-Code-400-or-401): the key in
 * {@code xi-api-key}, {@code sk_} and 48 hexadecimal characters; voices under {@code GET /v1/voices}; errors as
 * {@code {"detail": {"status", "message"}}}: {@code invalid_api_key} (401), {@code missing_permissions} (401, a key
 * whose "Voices" permission is "No access"), {@code too_many_concurrent_requests} (429). Quota is spent by synthesis
 * only: {@code POST /v1/text-to-speech/{voice_id}} with a key out of quota answers 401 {@code quota_exceeded}, and
 * listing voices still works.
 */
public class ElevenLabsStandIn extends StandIn {

    @Override
    protected String newKey() {
        return "sk_" + random(HEX, 48);
    }

    @Override
    protected String keyOf(Received request) {
        return request.header("xi-api-key");
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null || scenario == Scenario.INVALID || scenario == Scenario.REVOKED) {
            reply.json(401, error("invalid_api_key", "Invalid API key"));
            return;
        }
        boolean voices = request.method().equals("GET") && request.path().equals("/v1/voices");
        boolean speech = request.method().equals("POST") && request.path().startsWith("/v1/text-to-speech/");
        if (!voices && !speech) {
            reply.json(404, "{\"detail\":\"Not Found\"}");
            return;
        }
        switch (scenario) {
            case GOOD -> good(voices, reply);
            case NO_CREDIT -> {
                if (voices) {
                    good(true, reply);
                } else {
                    reply.json(401, error("quota_exceeded", "This request exceeds your quota of 10000. You have 3"
                            + " credits remaining, while 40 credits are required for this request."));
                }
            }
            case SCOPED -> reply.json(401, error("missing_permissions", "The API key you used is missing the"
                    + " permission " + (voices ? "voices_read" : "text_to_speech") + " to execute this operation."));
            case RATE_LIMITED -> reply.json(429, error("too_many_concurrent_requests", "Too many concurrent"
                    + " requests."));
            case SERVER_ERROR -> reply.json(500, error("internal_server_error", "An internal error occurred."));
            case INVALID, REVOKED, SLOW -> throw new IllegalStateException("handled above");
        }
    }

    private static void good(boolean voices, Reply reply) throws IOException {
        if (voices) {
            reply.json(200, "{\"voices\":[{\"voice_id\":\"21m00Tcm4TlvDq8ikWAM\",\"name\":\"Rachel\",\"category\":"
                    + "\"premade\"}],\"has_more\":false}");
        } else {
            reply.text(200, "(audio)");
        }
    }

    private static String error(String status, String message) {
        return "{\"detail\":{\"status\":\"" + status + "\",\"message\":\"" + message + "\"}}";
    }
}
