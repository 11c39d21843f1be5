package dev.keyhouse.auth;

import io.restassured.specification.RequestSpecification;

/**
 * Someone calling Keyhouse, as a security test fires requests: how they present themselves and what Keyhouse
 * should make of them.
 *
 * @param name      the column heading in the security matrix
 * @param kind      what Keyhouse should make of the caller
 * @param credential a JWT, a {@code kh_} API token, or null for nobody
 */
public record Caller(String name, Kind kind, String credential) {

    /** What Keyhouse should make of a caller. */
    public enum Kind {
        /** No credential at all. */
        ANONYMOUS,
        /** An accepted credential with the viewer role. */
        VIEWER,
        /** An accepted credential with the admin role. */
        ADMIN,
        /** A credential that must be refused outright (401 / sign-in redirect), whatever it claims. */
        REJECTED
    }

    public static Caller anonymous() {
        return new Caller("anonymous", Kind.ANONYMOUS, null);
    }

    public boolean isApiToken() {
        return credential != null && credential.startsWith(ApiTokens.PREFIX);
    }

    /**
     * Adds the credential the way real clients send it: automation sends a bearer header, a browser sends a JWT
     * as the session cookie; API tokens are always bearer.
     */
    public RequestSpecification presentTo(RequestSpecification request, boolean api) {
        if (credential == null) {
            return request;
        }
        if (api || isApiToken()) {
            return bearer(request);
        }
        return cookie(request);
    }

    public RequestSpecification bearer(RequestSpecification request) {
        return request.header("Authorization", "Bearer " + credential);
    }

    public RequestSpecification cookie(RequestSpecification request) {
        return request.cookie(SessionTokens.SESSION_COOKIE, credential);
    }

    @Override
    public String toString() {
        return name;
    }
}
