package dev.keyhouse.checks;

import java.io.IOException;

/**
 * DeepSeek as its reference documents it (https://api-docs.deepseek.com/api/get-user-balance,
 * https://api-docs.deepseek.com/quick_start/error_codes): the key in {@code Authorization: Bearer};
 * {@code GET /user/balance} at the root (not under {@code /v1}) answers {@code {"is_available", "balance_infos":
 * [{"currency", "total_balance", "granted_balance", "topped_up_balance"}]}}; errors in OpenAI's shape, {@code {"error":
 * {"message", "type", "param", "code"}}}. Its 401 quotes the key's last four characters.
 *
 * <p>No credit is a 200 with {@code is_available: false}, or with {@link #noCreditAs} the documented 402
 * "Insufficient Balance". DeepSeek has no scoped keys and documents no 403: a {@link Scenario#SCOPED} key is an
 * ordinary good key here. A server error is the documented 500 "Server Error" or, with {@link #serverErrorAs}, 503
 * "Server Overloaded".
 */
public class DeepSeekStandIn extends StandIn {

    /** How a key without credit is answered. */
    public enum NoCredit {
        /** 200 with {@code is_available: false} and a zero balance. */
        UNAVAILABLE,
        /** 402 "Insufficient Balance". */
        INSUFFICIENT_BALANCE
    }

    /** How the provider fails. */
    public enum ServerError {
        /** 500 "Server Error". */
        SERVER_ERROR,
        /** 503 "Server Overloaded". */
        OVERLOADED
    }

    private volatile NoCredit noCredit = NoCredit.UNAVAILABLE;
    private volatile ServerError serverError = ServerError.SERVER_ERROR;

    /** The base URL a setting uses to reach this stand-in, as Keyhouse's default has it (with {@code /v1}). */
    public String baseUrl() {
        return url() + "/v1";
    }

    /** From now on a {@link Scenario#NO_CREDIT} key is answered this way. */
    public DeepSeekStandIn noCreditAs(NoCredit how) {
        noCredit = how;
        return this;
    }

    /** From now on a {@link Scenario#SERVER_ERROR} key is answered this way. */
    public DeepSeekStandIn serverErrorAs(ServerError how) {
        serverError = how;
        return this;
    }

    @Override
    protected String newKey() {
        return "sk-" + random(HEX, 32);
    }

    @Override
    protected String keyOf(Received request) {
        return bearer(request);
    }

    @Override
    protected void answer(Scenario scenario, Received request, Reply reply) throws IOException {
        if (scenario == null) {
            reply.json(401, error("Authentication Fails (auth header format should be Bearer sk-...)",
                    "authentication_error"));
            return;
        }
        if (!request.method().equals("GET") || !request.path().equals("/user/balance")) {
            reply.json(404, error("Not Found", "invalid_request_error"));
            return;
        }
        String key = keyOf(request);
        switch (scenario) {
            case GOOD, SCOPED -> reply.json(200, balance(true, "110.00"));
            case INVALID, REVOKED -> reply.json(401, error("Authentication Fails, Your api key: ****"
                    + key.substring(key.length() - 4) + " is invalid", "authentication_error"));
            case NO_CREDIT -> {
                if (noCredit == NoCredit.INSUFFICIENT_BALANCE) {
                    reply.json(402, error("Insufficient Balance", "unknown_error"));
                } else {
                    reply.json(200, balance(false, "0.00"));
                }
            }
            case RATE_LIMITED -> reply.json(429, error("Rate Limit Reached", "rate_limit_error"));
            case SERVER_ERROR -> {
                if (serverError == ServerError.OVERLOADED) {
                    reply.json(503, error("Server Overloaded", "server_error"));
                } else {
                    reply.json(500, error("Server Error", "server_error"));
                }
            }
            case SLOW -> throw new IllegalStateException("handled by StandIn");
        }
    }

    private static String balance(boolean available, String total) {
        return "{\"is_available\":" + available + ",\"balance_infos\":[{\"currency\":\"USD\",\"total_balance\":\""
                + total + "\",\"granted_balance\":\"0.00\",\"topped_up_balance\":\"" + total + "\"}]}";
    }

    private static String error(String message, String type) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":"
                + "\"invalid_request_error\"}}";
    }
}
