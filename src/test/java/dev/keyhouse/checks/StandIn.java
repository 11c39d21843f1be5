package dev.keyhouse.checks;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A provider stand-in: a real HTTP server on 127.0.0.1 that answers as one provider documents, so that a
 * {@link dev.keyhouse.checks.ProviderCheck} can be tested where no provider is reachable. Each subclass holds one
 * provider's contract in one place (where the key travels, the documented answers and error bodies), citing the
 * provider's API reference, so that the real service can replace it.
 *
 * <p>Keys are issued by the stand-in per {@link Scenario}; any other key is answered as the provider answers an
 * unknown key. {@link #acceptAnything()} makes it answer every key as a good one (what a public endpoint or a proxy
 * that ignores authentication does), which the negative control must catch. {@link #echoKeys()} makes every answer
 * carry the key it was sent, as some providers' error bodies do. {@link #hold(String)} keeps the answers to one key
 * back until {@link #release(String)}: a caller in flight at a moment the test chooses. Every request is recorded.
 */
public abstract class StandIn implements AutoCloseable {

    /** What the stand-in does with a key. */
    public enum Scenario {
        /** A working key with credit. */
        GOOD,
        /** A key the provider never issued. */
        INVALID,
        /** A key the provider issued and then revoked or deleted. */
        REVOKED,
        /** A working key whose account has no credit or quota. */
        NO_CREDIT,
        /** A key without the scope or permission the call needs. */
        SCOPED,
        /** A key that is being rate-limited. */
        RATE_LIMITED,
        /** The provider fails (5xx). */
        SERVER_ERROR,
        /** The provider answers only after the check's timeout. */
        SLOW
    }

    /** One request as received: method, path, raw query, headers (names lower-cased) and body. */
    public record Received(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {

        /** The first value of a header, null when absent. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** How a subclass answers. */
    protected static final class Reply {
        private final HttpExchange exchange;
        private final String echo;
        private final List<String> echoed;

        Reply(HttpExchange exchange, String echo, List<String> echoed) {
            this.exchange = exchange;
            this.echo = echo;
            this.echoed = echoed;
        }

        /** Answers {@code status} with a JSON body (the key appended as {@code "echo"} when echoing). */
        public void json(int status, String json) throws IOException {
            String body = json;
            if (echo != null && json.trim().endsWith("}")) {
                String trimmed = json.trim();
                body = trimmed.substring(0, trimmed.length() - 1) + (trimmed.length() > 2 ? "," : "")
                        + "\"echo\":\"" + echo + "\"}";
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (echo != null) {
                exchange.getResponseHeaders().set("X-Echo", echo);
            }
            send(status, body);
        }

        /** Answers {@code status} with a plain-text body. */
        public void text(int status, String text) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            send(status, echo == null ? text : text + " " + echo);
        }

        /** Sets a response header. */
        public void header(String name, String value) {
            exchange.getResponseHeaders().set(name, value);
        }

        private void send(int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (echo != null) {
                echoed.add(echo);
            }
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final Map<String, Scenario> keys = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> echoed = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private volatile boolean acceptAnything;
    private volatile boolean echoKeys;

    protected StandIn() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>}, no trailing slash. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A new key of this provider's shape that the stand-in treats as {@code scenario}. */
    public String key(Scenario scenario) {
        String key = newKey();
        keys.put(key, scenario);
        return key;
    }

    /** Registers a key chosen by the test. */
    public String key(String key, Scenario scenario) {
        keys.put(key, scenario);
        return key;
    }

    /** How the stand-in treats {@code key} now: its scenario, {@link Scenario#INVALID} for a key it never issued. */
    public Scenario scenario(String key) {
        return acceptAnything ? Scenario.GOOD : keys.getOrDefault(key, Scenario.INVALID);
    }

    /** From now on every key, known or not, is answered as {@link Scenario#GOOD}. */
    public StandIn acceptAnything() {
        acceptAnything = true;
        return this;
    }

    /** From now on every answer carries the key it was sent (in the body and a header). */
    public StandIn echoKeys() {
        echoKeys = true;
        return this;
    }

    /**
     * From now on a request carrying {@code key} is recorded (see {@link #received()}) and then left unanswered until
     * {@link #release(String)} (or 60 s, or {@link #close()}).
     */
    public StandIn hold(String key) {
        holds.putIfAbsent(key, new CountDownLatch(1));
        return this;
    }

    /** Requests carrying {@code key} are answered again, those held so far too. */
    public StandIn release(String key) {
        CountDownLatch hold = holds.remove(key);
        if (hold != null) {
            hold.countDown();
        }
        return this;
    }

    /** Every request received so far, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Every key an answer sent so far carried back (see {@link #echoKeys()}), in order; decoys included. */
    public List<String> echoed() {
        return List.copyOf(echoed);
    }

    /** Forgets the requests received so far. */
    public void clearReceived() {
        received.clear();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    /** A random key of the provider's documented shape (prefix, length, alphabet). */
    protected abstract String newKey();

    /** The key a request carries where this provider takes it; null when it carries none. */
    protected abstract String keyOf(Received request);

    /**
     * Answers a request as the provider does for {@code scenario}; {@code null} means the request carried no key
     * (answered as the provider answers a missing key).
     */
    protected abstract void answer(Scenario scenario, Received request, Reply reply) throws IOException;

    /** The rest of {@code header} after {@code scheme} (e.g. {@code "Bearer "}); null when absent or another scheme. */
    protected static String afterScheme(String header, String scheme) {
        return header != null && header.startsWith(scheme) ? header.substring(scheme.length()) : null;
    }

    /** The key of an {@code Authorization: Bearer <key>} header, null when there is none. */
    protected static String bearer(Received request) {
        return afterScheme(request.header("Authorization"), "Bearer ");
    }

    /** Random characters from {@code alphabet}. */
    protected static String random(String alphabet, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    protected static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    protected static final String HEX = "0123456789abcdef";

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT),
                    List.copyOf(values)));
            URI uri = exchange.getRequestURI();
            Received request = new Received(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers,
                    exchange.getRequestBody().readAllBytes());
            received.add(request);
            String key = keyOf(request);
            CountDownLatch hold = key == null ? null : holds.get(key);
            if (hold != null) {
                try {
                    hold.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            Scenario scenario = key == null ? null : scenario(key);
            if (scenario == Scenario.SLOW) {
                try {
                    closed.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            answer(scenario, request, new Reply(exchange, echoKeys ? key : null, echoed));
        }
    }
}
