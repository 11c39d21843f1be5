package dev.keyhouse.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket to the test server on loopback, one request per connection: the request line, headers
 * and body go out byte for byte as given, so a test can send what no HTTP client library would (an invalid
 * {@code %} escape in the path, a NUL in a query, invalid UTF-8, a malformed {@code Content-Type}). The client can
 * bind to any {@code 127.0.0.0/8} address, so requests can come from many loopback "clients".
 */
public final class RawHttp {

    /** A response: its status, headers (names lower-cased; the last of a repeated header) and body as text. */
    record Response(int status, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger CLIENTS = new java.util.concurrent.atomic.AtomicInteger();

    private RawHttp() {
    }

    /**
     * Sends one request to the test server from a loopback address of its own ({@code 127.66.x.y}, a new one per
     * request), so sign-in throttling, which counts by address, never adds up requests of different tests.
     */
    static Response sendFromNewClient(String method, String target, Map<String, String> headers, byte[] body) {
        int n = CLIENTS.incrementAndGet();
        try {
            InetAddress from = InetAddress.getByAddress(new byte[] {127, 66, (byte) (n / 250), (byte) (1 + n % 250)});
            return send(io.restassured.RestAssured.port, from, method, target, headers, body);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends one request to {@code 127.0.0.1:port} from {@code from} (a loopback address) and reads the answer until
     * the server closes the connection. {@code target} is the request-target exactly as sent; {@code headers} are
     * added after {@code Host}, {@code Connection: close} and (with a body) {@code Content-Length}.
     */
    static Response send(int port, InetAddress from, String method, String target, Map<String, String> headers,
            byte[] body) {
        if (!from.isLoopbackAddress()) {
            throw new IllegalArgumentException("tests send from loopback only: " + from);
        }
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: localhost:").append(port).append("\r\n").append("Connection: close\r\n");
            // a body sent chunked (a Transfer-Encoding: chunked header given) goes as one chunk, with no length
            boolean chunked = "chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"));
            if (body != null && !chunked) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            // ISO-8859-1 keeps every char below 256 as that one byte, so raw bytes can be put in a target or header
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                try {
                    if (chunked) {
                        out.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write(body);
                    if (chunked) {
                        out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException refusedEarly) {
                    // the server may answer (413) and close before reading a large body: read what it said
                }
            }
            out.flush();
            return parse(readAll(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + target, e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) != -1;) {
                all.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a server that answered and then reset the connection (unread request body): keep what arrived
            if (all.size() == 0) {
                throw reset;
            }
        }
        return all.toByteArray();
    }

    private static Response parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String[] lines = head.split("\r\n");
        // HTTP/1.0 from Vert.x's own refusals before any route (414 for a request line past its limit)
        if (lines.length == 0 || !lines[0].matches("HTTP/1\\.[01] \\d{3}.*")) {
            throw new IllegalStateException("not an HTTP response: " + head);
        }
        int status = Integer.parseInt(lines[0].substring(9, 12));
        return new Response(status, headers(lines), end < 0 ? "" : text.substring(end + 4));
    }

    /** The header fields of a message head split into lines (the first, the start line, skipped): names lower-cased. */
    public static Map<String, String> headers(String[] lines) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        return headers;
    }
}
