package dev.keyhouse.web;

import java.time.Duration;

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

    private static String secure(HttpServerRequest request) {
        return "https".equals(request.scheme()) ? "; Secure" : "";
    }
}
