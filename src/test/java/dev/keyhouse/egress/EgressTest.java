package dev.keyhouse.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Egress} against real sockets on 127.0.0.1 only: what the policy refuses never gets a connection (the
 * listening socket counts every accept), every failure to get an answer reads the same, and the connection goes to
 * the address that was checked, not to what a second lookup would say.
 */
class EgressTest {

    private static final String PEER = "the runtime";

    private ServerSocket listener;
    private final AtomicInteger accepted = new AtomicInteger();
    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();
    private volatile Behaviour behaviour = Behaviour.ANSWER;

    enum Behaviour { ANSWER, RESET, SILENT, GARBAGE }

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        acceptor.submit(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket socket = listener.accept();
                    accepted.incrementAndGet();
                    serve(socket);
                } catch (IOException e) {
                    // closed
                }
            }
        });
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
        acceptor.shutdownNow();
    }

    @Test
    void numericHostFormsAndUnlistedLoopbackAreRefusedBeforeAnyConnection() throws Exception {
        int port = listener.getLocalPort();
        List<String> looked = new ArrayList<>();
        EgressPolicy.Lookup lookup = name -> {
            looked.add(name);
            return new InetAddress[] {InetAddress.getByAddress(new byte[] {127, 0, 0, 1})};
        };
        Egress fresh = new Egress(EgressPolicy.nothingListed(), lookup);
        Egress loopbackListed = new Egress(EgressPolicy.parse("127.0.0.0/8"), lookup);
        for (String host : List.of("0177.0.0.1", "2130706433", "0x7f.1", "127.1", "0x7f000001")) {
            for (Egress egress : List.of(fresh, loopbackListed)) {
                assertThatThrownBy(() -> egress.post(post("http://" + host + ":" + port + "/reload")))
                        .as(host).isInstanceOf(EgressRefused.class)
                        .hasMessageStartingWith("not sent to http://" + host + ":" + port + "/reload: " + host
                                + " is a number but not an address in its usual form");
            }
        }
        for (String host : List.of("127.0.0.1", "[::ffff:127.0.0.1]", "localhost", "voice.localhost", "[::1]")) {
            assertThatThrownBy(() -> fresh.post(post("http://" + host + ":" + port + "/reload")))
                    .as(host).isInstanceOf(EgressRefused.class).hasMessageContaining("loopback address")
                    .hasMessageContaining("EGRESS_ALLOWED_HOSTS");
        }
        assertThatThrownBy(() -> fresh.post(post("http://runtime.test:" + port + "/reload")))
                .as("a name that resolves to loopback").isInstanceOf(EgressRefused.class)
                .hasMessageContaining("runtime.test (127.0.0.1) is a loopback address");
        assertThat(looked).containsExactly("runtime.test");
        Thread.sleep(200);
        assertThat(accepted).as("connections the refused requests opened").hasValue(0);

        assertThat(loopbackListed.post(post("http://127.0.0.1:" + port + "/reload")).status()).isEqualTo(204);
        assertThat(loopbackListed.post(post("http://[::ffff:127.0.0.1]:" + port + "/reload")).status())
                .as("the mapped form of a listed address is that address").isEqualTo(204);
        assertThat(accepted).hasValue(2);
    }

    @Test
    void theConnectionGoesToTheAddressThatWasChecked() throws Exception {
        int port = listener.getLocalPort();
        AtomicInteger lookups = new AtomicInteger();
        // a rebinding name: the first answer is where the runtime listens, any later one another loopback address
        // where nothing does (a test never connects off this machine)
        EgressPolicy.Lookup rebinding = name -> new InetAddress[] {InetAddress.getByAddress(name,
                lookups.getAndIncrement() == 0 ? new byte[] {127, 0, 0, 1} : new byte[] {127, 0, 0, 2})};
        Egress egress = new Egress(EgressPolicy.parse("voice-1.test"), rebinding);

        Egress.Answer answer = egress.post(post("http://voice-1.test:" + port + "/reload"));

        assertThat(answer.status()).isEqualTo(204);
        assertThat(lookups).as("looked up once: the client connects to the checked address").hasValue(1);
        assertThat(accepted).hasValue(1);
    }

    @Test
    void everyFailureToGetAnAnswerReadsTheSame() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        int open = listener.getLocalPort();
        Egress egress = new Egress(EgressPolicy.parse("127.0.0.1,unresolvable.test"), name -> {
            throw new UnknownHostException(name);
        });
        List<String> messages = new ArrayList<>();
        messages.add(failure(egress, "http://127.0.0.1:" + closed + "/reload", "closed port"));
        behaviour = Behaviour.RESET;
        messages.add(failure(egress, "http://127.0.0.1:" + open + "/reload", "reset"));
        behaviour = Behaviour.SILENT;
        messages.add(failure(egress, "http://127.0.0.1:" + open + "/reload", "no answer"));
        behaviour = Behaviour.GARBAGE;
        messages.add(failure(egress, "http://127.0.0.1:" + open + "/reload", "not HTTP"));
        behaviour = Behaviour.ANSWER;
        messages.add(failure(egress, "https://127.0.0.1:" + open + "/reload", "TLS to a plain HTTP server"));
        messages.add(failure(egress, "http://unresolvable.test:" + open + "/reload", "unknown name"));

        assertThat(messages).containsExactly(
                "could not reach the runtime at http://127.0.0.1:" + closed + "/reload",
                "could not reach the runtime at http://127.0.0.1:" + open + "/reload",
                "could not reach the runtime at http://127.0.0.1:" + open + "/reload",
                "could not reach the runtime at http://127.0.0.1:" + open + "/reload",
                "could not reach the runtime at https://127.0.0.1:" + open + "/reload",
                "could not reach the runtime at http://unresolvable.test:" + open + "/reload");
    }

    @Test
    void redirectsAreNotFollowedAndALongAnswerIsCutAtTheLimit() throws Exception {
        Egress egress = new Egress(EgressPolicy.parse("127.0.0.1"), name -> {
            throw new UnknownHostException(name);
        });
        behaviour = Behaviour.ANSWER;
        Egress.Answer answer = egress.post(new Egress.Post(URI.create("http://127.0.0.1:" + listener.getLocalPort()
                + "/moved"), "application/json", new byte[0], Map.of(), Duration.ofSeconds(5), 16, PEER));
        assertThat(answer.status()).isEqualTo(307);
        assertThat(accepted).hasValue(1);
        Egress.Answer longer = egress.post(new Egress.Post(URI.create("http://127.0.0.1:" + listener.getLocalPort()
                + "/long"), "application/json", new byte[0], Map.of(), Duration.ofSeconds(5), 16, PEER));
        assertThat(longer.body()).hasSize(16);
    }

    private static String failure(Egress egress, String url, String what) {
        long start = System.nanoTime();
        IOException error = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> egress.post(new Egress.Post(URI.create(url), "application/json", new byte[] {'{', '}'},
                        Map.of(), Duration.ofSeconds(1), 4096, PEER)), what);
        assertThat(error).as(what).isNotInstanceOf(EgressRefused.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as(what).isLessThan(Duration.ofSeconds(8));
        return error.getMessage();
    }

    private static Egress.Post post(String url) {
        return new Egress.Post(URI.create(url), "application/json", "{}".getBytes(StandardCharsets.UTF_8),
                Map.of("X-Test", "1"), Duration.ofSeconds(5), 4096, PEER);
    }

    /** A tiny HTTP/1.1 server: enough to answer, reset, stay silent or talk nonsense. */
    private void serve(Socket socket) throws IOException {
        try (socket) {
            socket.setSoTimeout(5000);
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            try {
                while (!head.toString().contains("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    head.append((char) c);
                }
            } catch (SocketTimeoutException e) {
                return;
            }
            OutputStream out = socket.getOutputStream();
            switch (behaviour) {
                case RESET -> {
                    socket.setSoLinger(true, 0);
                    return;
                }
                case SILENT -> {
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                case GARBAGE -> out.write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
                case ANSWER -> {
                    String path = head.toString().split(" ")[1];
                    String answer = switch (path) {
                        case "/moved" -> "HTTP/1.1 307 Temporary Redirect\r\nLocation: /reload\r\nContent-Length: 0\r\n\r\n";
                        case "/long" -> "HTTP/1.1 500 Error\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(100_000);
                        default -> "HTTP/1.1 204 No Content\r\n\r\n";
                    };
                    out.write(answer.getBytes(StandardCharsets.US_ASCII));
                }
            }
            out.flush();
        } catch (IOException e) {
            // the client hung up
        }
    }
}
