package dev.keyhouse.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** An API token presented as a bearer credential. */
public final class ApiTokenAuthenticationRequest extends BaseAuthenticationRequest {

    private final String token;

    public ApiTokenAuthenticationRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return "ApiTokenAuthenticationRequest[redacted]";
    }
}
