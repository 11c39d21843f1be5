package dev.keyhouse.checks;

import java.io.IOException;
import java.util.UUID;

/**
 * Soniox as its REST API description documents it (https://api.soniox.com/v1/openapi.json,
 * https://soniox.com/docs/api-reference/errors): the key in {@code Authorization: Bearer}; models under
 * {@code GET /v1/models}; errors as {@code {"status_code", "error_type", "message", "validation_errors",
 * "request_id", "more_info"}}, {@code unauthenticated} (401), {@code permission_denied} (403, a key whose permissions
 * do not cover the call), {@code limit_exceeded} (429), {@code internal_error} (500). Listing models is not billed,
 * so a key without credit still lists them.
 */
public class SonioxStandIn extends StandIn {

    @Override
    protected String newKey() {
        return random(HEX, 64);
    }

    @Override
    protected String keyOf(Received request) {
        return afterScheme(request.header("Authorization"), "Bearer ");
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null || scenario == Scenario.INVALID || scenario == Scenario.REVOKED) {
            reply.json(401, error(401, "unauthenticated", "Incorrect API key provided. You can get an API key at"
                    + " https://console.soniox.com"));
            return;
        }
        if (!request.method().equals("GET") || !request.path().equals("/v1/models")) {
            reply.json(404, error(404, "not_found", "Not found."));
            return;
        }
        switch (scenario) {
            case GOOD, NO_CREDIT -> reply.json(200, "{\"models\":[{\"id\":\"stt-async-v3\",\"name\":\"Speech-to-Text"
                    + " Async v3\",\"transcription_mode\":\"async\",\"languages\":[{\"code\":\"en\",\"name\":"
                    + "\"English\"}]}]}");
            case SCOPED -> reply.json(403, error(403, "permission_denied", "This API key does not have permission"
                    + " for this operation."));
            case RATE_LIMITED -> reply.json(429, error(429, "limit_exceeded", "Requests per minute limit has been"
                    + " exceeded for your organization."));
            case SERVER_ERROR -> reply.json(500, error(500, "internal_error", "The server encountered an error."
                    + " Please try again. If the issue persists contact support@soniox.com."));
            case INVALID, REVOKED, SLOW -> throw new IllegalStateException("handled above");
        }
    }

    private static String error(int status, String type, String message) {
        return "{\"status_code\":" + status + ",\"error_type\":\"" + type + "\",\"message\":\"" + message
                + "\",\"validation_errors\":[],\"request_id\":\"" + UUID.randomUUID()
                + "\",\"more_info\":\"https://soniox.com/docs/api-reference/errors#" + type.replace('_', '-') + "\"}";
    }
}
