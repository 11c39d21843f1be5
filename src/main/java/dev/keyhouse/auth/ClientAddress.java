package dev.keyhouse.auth;

import io.vertx.core.http.HttpServerRequest;

/**
 * The client address sign-in throttling counts by: the connection's peer, or the first {@code X-Forwarded-For} entry
 * when that peer is a proxy listed in TRUSTED_PROXIES (Quarkus' forwarded-header support has already put it in
 * {@code remoteAddress()}; see {@link dev.keyhouse.web.ProxyConfigSourceFactory}). "unknown" when there is none.
 */
final class ClientAddress {

    private ClientAddress() {
    }

    static String of(HttpServerRequest request) {
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }
}
