package dev.keyhouse.checks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/** A server on 127.0.0.1 that answers every request with a redirect ({@link #status}, 302 at first) to a location. */
public final class RedirectingServer implements AutoCloseable {

    private final HttpServer server;
    /** Requests answered so far. */
    public final AtomicInteger requests = new AtomicInteger();
    /** The redirect status answered from now on. */
    public volatile int status = 302;

    public RedirectingServer(String location) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                requests.incrementAndGet();
                exchange.getResponseHeaders().set("Location", location);
                exchange.sendResponseHeaders(status, -1);
            }
        });
        server.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
