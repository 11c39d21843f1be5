package dev.keyhouse.checks;

import java.io.IOException;
import java.util.UUID;

/**
 * Deepgram as its API reference documents it (https://developers.deepgram.com/reference/authentication,
 * https://developers.deepgram.com/reference/manage/projects/list, https://developers.deepgram.com/docs/errors): the key
 * in {@code Authorization: Token}, 40 hexadecimal characters; the key's projects under {@code GET /v1/projects};
 * errors as {@code {"err_code", "err_msg", "request_id"}}. A key whose project is out of credit still lists its
 * projects (Deepgram answers 402 {@code ASR_PAYMENT_REQUIRED} on transcription only).
 */
public class DeepgramStandIn extends StandIn {

    @Override
    protected String newKey() {
        return random(HEX, 40);
    }

    @Override
    protected String keyOf(Received request) {
        return afterScheme(request.header("Authorization"), "Token ");
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null) {
            reply.json(401, error("INVALID_AUTH", "Invalid credentials."));
            return;
        }
        if (!request.method().equals("GET") || !request.path().equals("/v1/projects")) {
            reply.json(404, error("NOT_FOUND", "Not found."));
            return;
        }
        switch (scenario) {
            case GOOD, NO_CREDIT -> reply.json(200, "{\"projects\":[{\"project_id\":\"" + UUID.randomUUID()
                    + "\",\"name\":\"Voice fleet\"}]}");
            case INVALID, REVOKED -> reply.json(401, error("INVALID_AUTH", "Invalid credentials."));
            case SCOPED -> reply.json(401, error("INSUFFICIENT_PERMISSIONS",
                    "User does not have sufficient permissions."));
            case RATE_LIMITED -> reply.json(429, error("TOO_MANY_REQUESTS", "Too many requests. Please try again"
                    + " later"));
            case SERVER_ERROR -> reply.json(500, error("INTERNAL_SERVER_ERROR", "Internal server error."));
            case SLOW -> throw new IllegalStateException("handled by StandIn");
        }
    }

    private static String error(String code, String message) {
        return "{\"err_code\":\"" + code + "\",\"err_msg\":\"" + message + "\",\"request_id\":\"" + UUID.randomUUID()
                + "\"}";
    }
}
