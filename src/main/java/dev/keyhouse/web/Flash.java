package dev.keyhouse.web;

import java.util.Map;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Response;

/**
 * A message a page shows once after a form's redirect (POST, redirect, GET): the POST's answer sets a cookie naming
 * the message, the page that shows it expires the cookie, so a reload (or the address bookmarked) does not show it
 * again. The cookie holds a key of the page's own message map, never text: an unknown key shows nothing.
 * HttpOnly, SameSite=Strict, Secure over HTTPS, like the session cookie; scoped to the page's path.
 */
public final class Flash {

    /** The cookie's name. */
    public static final String COOKIE = "keyhouse-flash";

    private Flash() {
    }

    /** The {@code Set-Cookie} value that names {@code key} for the next GET of {@code path}. */
    public static String set(HttpServerRequest request, String path, String key) {
        return COOKIE + "=" + key + "; Path=" + path + "; Max-Age=60; HttpOnly; SameSite=Strict" + secure(request);
    }

    /** The {@code Set-Cookie} value that expires the flash cookie of {@code path} (the message was shown). */
    public static String consumed(HttpServerRequest request, String path) {
        return COOKIE + "=; Path=" + path + "; Max-Age=0; HttpOnly; SameSite=Strict" + secure(request);
    }

    /** The message {@code key} (the cookie's value, or null) names in {@code messages}; null for none or unknown. */
    public static String message(String key, Map<String, String> messages) {
        return key == null ? null : messages.get(key);
    }

    /**
     * 303 See Other to {@code location}, whose page shows the message {@code key} once: the cookie is scoped to the
     * location's path (its query and fragment left out), where {@link #shown} expires it.
     *
     * @param location an absolute path on this server ({@link Locations#seeOther})
     */
    public static Response seeOther(HttpServerRequest request, String location, String key) {
        String path = location.split("[?#]", 2)[0];
        return Locations.seeOther(location).header("Set-Cookie", set(request, path, key)).build();
    }

    /**
     * A page's 200 answer with {@code page}, which showed the message of {@code cookie} (the flash cookie the request
     * carried, or null): when there was one, the answer expires it for the request's path, so a reload does not show
     * the message again.
     */
    public static Response shown(HttpServerRequest request, String cookie, Object page) {
        Response.ResponseBuilder answer = Response.ok(page);
        return (cookie == null ? answer : answer.header("Set-Cookie", consumed(request, request.path()))).build();
    }

    private static String secure(HttpServerRequest request) {
        return StrictTransportSecurity.isHttps(request) ? "; Secure" : "";
    }
}
