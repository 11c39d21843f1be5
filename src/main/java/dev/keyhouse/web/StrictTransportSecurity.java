package dev.keyhouse.web;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * {@code Strict-Transport-Security: max-age=31536000} (one year, RFC 6797) on every answer to a request that came over
 * HTTPS, directly or through a proxy listed in TRUSTED_PROXIES that says {@code X-Forwarded-Proto: https} in any
 * letter case (Quarkus' forwarded-header support has already set the request's scheme; see {@link #isHttps}); never on plain HTTP, where browsers ignore it and
 * where it would tell nothing true. A Vert.x route filter, so it covers every route: pages, API, static files, /q.
 */
@ApplicationScoped
public class StrictTransportSecurity {

    public static final String HEADER = "Strict-Transport-Security";
    public static final String VALUE = "max-age=31536000";
    /** Ahead of Quarkus' CORS filter and the application's routes, so answers they end early carry it too. */
    private static final int PRIORITY = 10_000;

    /**
     * Whether the request came over HTTPS: directly, or through a trusted proxy whose {@code X-Forwarded-Proto}
     * says so in any letter case ({@code https}, {@code HTTPS}; URI schemes are case-insensitive, RFC 3986 3.1).
     * Quarkus sets the forwarded value as the request's scheme as sent, and its {@code isSSL()} compares it with
     * lower-case {@code https} only, so every Secure/HSTS decision asks here instead.
     */
    public static boolean isHttps(HttpServerRequest request) {
        String scheme = request.scheme();
        return request.isSSL() || (scheme != null && "https".equalsIgnoreCase(scheme.strip()));
    }

    void register(@Observes Filters filters) {
        filters.register(rc -> {
            if (isHttps(rc.request())) {
                rc.response().putHeader(HEADER, VALUE);
            }
            rc.next();
        }, PRIORITY);
    }
}
