package dev.keyhouse.auth;

import io.vertx.core.http.HttpServerRequest;

/** The client address sign-in throttling counts by (the proxy's view when forwarding is configured). */
final class ClientAddress {

    private ClientAddress() {
    }

    static String of(HttpServerRequest request) {
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }
}
