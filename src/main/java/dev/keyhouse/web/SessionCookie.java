package dev.keyhouse.web;

import java.time.Duration;

import dev.keyhouse.auth.CsrfTokens;
import dev.keyhouse.auth.SessionTokens;
import io.vertx.core.http.HttpServerRequest;

/** The browser session cookie: HttpOnly, SameSite=Strict, and Secure whenever the request came over HTTPS. */
public final class SessionCookie {

    private SessionCookie() {
    }

    public static String issue(HttpServerRequest request, String token, Duration lifetime) {
        return SessionTokens.SESSION_COOKIE + "=" + token + "; Path=/; Max-Age=" + lifetime.toSeconds()
                + "; HttpOnly; SameSite=Strict" + secure(request);
    }

    public static String clear(HttpServerRequest request) {
        return SessionTokens.SESSION_COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure(request);
    }

    /**
     * The visitor CSRF cookie ({@link CsrfTokens#VISITOR_COOKIE}): the nonce the sign-in form's token is derived
     * from, for two hours; HttpOnly (only the server reads it), SameSite=Strict, Secure like the session cookie.
     */
    public static String visitor(HttpServerRequest request, String nonce) {
        return CsrfTokens.VISITOR_COOKIE + "=" + nonce + "; Path=/; Max-Age=" + Duration.ofHours(2).toSeconds()
                + "; HttpOnly; SameSite=Strict" + secure(request);
    }

    /** Drops the visitor cookie (at sign-in, so the next visit starts with a new nonce). */
    public static String clearVisitor(HttpServerRequest request) {
        return CsrfTokens.VISITOR_COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure(request);
    }

    private static String secure(HttpServerRequest request) {
        return StrictTransportSecurity.isHttps(request) ? "; Secure" : "";
    }
}
