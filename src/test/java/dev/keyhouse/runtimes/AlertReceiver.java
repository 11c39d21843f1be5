package dev.keyhouse.runtimes;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.keyhouse.runtimes.http.WebhookSignature;

/**
 * A rollout alert receiver on loopback: a real HTTP server that records every request on {@code /alerts} and answers
 * each with the next status queued by {@link #answer} (204 once the queue is empty), after {@link #delay} if set, with
 * {@link #ANSWER_BODY} as the body of a non-2xx answer.
 */
final class AlertReceiver implements AutoCloseable {

    /** What the receiver answers with a non-2xx status: Keyhouse must never read or log it. */
    static final String ANSWER_BODY = "receiver-answer-body-planted-7f3a9c";

    record Received(String method, String contentType, String timestamp, String signature, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<Integer> statuses = new LinkedBlockingQueue<>();
    private volatile Duration delay = Duration.ZERO;

    /** @param port a loopback port, 0 for any */
    AlertReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 0);
        server.setExecutor(handlers);
        server.createContext("/alerts", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port() + "/alerts";
    }

    /** The statuses of the next answers, in order. */
    AlertReceiver answer(Integer... next) {
        statuses.addAll(java.util.List.of(next));
        return this;
    }

    /** Waits this long before answering each request. */
    AlertReceiver delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** The next request received within {@code seconds}, or null. */
    Received next(double seconds) throws InterruptedException {
        return received.poll((long) (seconds * 1000), TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER),
                exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER),
                exchange.getRequestBody().readAllBytes()));
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Integer status = statuses.poll();
        int code = status == null ? 204 : status;
        byte[] body = code / 100 == 2 ? new byte[0] : ANSWER_BODY.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }
}
