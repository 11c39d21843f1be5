package dev.keyhouse.checks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP egress proxy stand-in: a real server on 127.0.0.1 that records every request it gets and never opens a
 * connection anywhere else.
 * <ul>
 * <li>{@code CONNECT host:443} (an https destination) is recorded and refused with 403: no tunnel is ever made.</li>
 * <li>An absolute-form request ({@code GET http://api.provider.test/v1/models HTTP/1.1}) is answered as the provider
 * would: it is handed, in origin form, to the one provider {@link StandIn} this proxy stands in front of, on loopback,
 * whatever host the URL names.</li>
 * <li>With {@link #requireCredentials}, a request without the right {@code Proxy-Authorization: Basic} is answered
 * 407 with {@code Proxy-Authenticate: Basic realm="egress"}, as squid and most proxies do.</li>
 * </ul>
 * Every answer closes the connection.
 */
public final class ProxyStandIn implements AutoCloseable {

    /** One request as the proxy got it: method, request target (absolute URL or host:port) and headers (lower-cased names). */
    public record Seen(String method, String target, Map<String, String> headers) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private static final Set<String> NOT_RELAYED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "proxy-authorization", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding");

    private final ServerSocket listener;
    private final StandIn provider;
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpClient relay = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private volatile String credentials;

    /** A proxy on a free loopback port in front of {@code provider}. */
    public ProxyStandIn(StandIn provider) {
        this(provider, 0);
    }

    /** A proxy on loopback port {@code port} (0: any free one) in front of {@code provider}. */
    public ProxyStandIn(StandIn provider, int port) {
        this.provider = provider;
        try {
            listener = new ServerSocket(port, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        workers.submit(this::accept);
    }

    /** {@code http://127.0.0.1:<port>}, as HTTP_PROXY or HTTPS_PROXY names it. */
    public String url() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** From now on, every request must carry these Basic credentials. */
    public ProxyStandIn requireCredentials(String user, String password) {
        credentials = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Every request received so far, in order (407-answered ones included). */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing
        }
        workers.shutdownNow();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                workers.submit(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            String head = head(in);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, String> headers = dev.keyhouse.web.RawHttp.headers(lines);
            int length = headers.containsKey("content-length") ? Integer.parseInt(headers.get("content-length")) : 0;
            byte[] body = in.readNBytes(length);
            Seen request = new Seen(requestLine[0], requestLine.length > 1 ? requestLine[1] : "", headers);
            seen.add(request);
            OutputStream out = socket.getOutputStream();
            String expected = credentials;
            if (expected != null && !expected.equals(request.header("Proxy-Authorization"))) {
                answer(out, 407, "Proxy Authentication Required",
                        Map.of("Proxy-Authenticate", "Basic realm=\"egress\""), new byte[0]);
                return;
            }
            if (request.method().equals("CONNECT")) {
                // a test never leaves this machine: the tunnel is refused, nothing is opened
                answer(out, 403, "Forbidden", Map.of(), new byte[0]);
                return;
            }
            if (!request.target().startsWith("http://")) {
                answer(out, 400, "Bad Request", Map.of(), new byte[0]);
                return;
            }
            relay(out, request, body);
        } catch (IOException | InterruptedException e) {
            // the client hung up, or the proxy is closing
        }
    }

    /** Hands the request to the provider stand-in on loopback, whatever host the absolute URL names. */
    private void relay(OutputStream out, Seen request, byte[] body) throws IOException, InterruptedException {
        URI target = URI.create(request.target());
        String pathAndQuery = target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
        HttpRequest.Builder onward = HttpRequest.newBuilder(URI.create(provider.url() + pathAndQuery))
                .method(request.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(60));
        request.headers().forEach((name, value) -> {
            if (!NOT_RELAYED.contains(name)) {
                onward.header(name, value);
            }
        });
        HttpResponse<byte[]> answer = relay.send(onward.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, String> headers = new LinkedHashMap<>();
        answer.headers().map().forEach((name, values) -> {
            if (!NOT_RELAYED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                headers.put(name, values.get(0));
            }
        });
        answer(out, answer.statusCode(), "Relayed", headers, answer.body());
    }

    private static void answer(OutputStream out, int status, String reason, Map<String, String> headers, byte[] body)
            throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " " + reason + "\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** The request line and headers, up to the empty line; null when the client sent nothing. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            if (head.size() > 64 * 1024) {
                return null;
            }
        }
        return null;
    }
}
