package dev.keyhouse.web;

import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * {@code Strict-Transport-Security: max-age=31536000} (one year, RFC 6797) on every answer to a request that came over
 * HTTPS, directly or through a proxy listed in TRUSTED_PROXIES that says {@code X-Forwarded-Proto: https} (Quarkus'
 * forwarded-header support has already set the request's scheme); never on plain HTTP, where browsers ignore it and
 * where it would tell nothing true. A Vert.x route filter, so it covers every route: pages, API, static files, /q.
 */
@ApplicationScoped
public class StrictTransportSecurity {

    public static final String HEADER = "Strict-Transport-Security";
    public static final String VALUE = "max-age=31536000";
    /** Ahead of Quarkus' CORS filter and the application's routes, so answers they end early carry it too. */
    private static final int PRIORITY = 10_000;

    void register(@Observes Filters filters) {
        filters.register(rc -> {
            if (rc.request().isSSL()) {
                rc.response().putHeader(HEADER, VALUE);
            }
            rc.next();
        }, PRIORITY);
    }
}
