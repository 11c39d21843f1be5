package dev.keyhouse.runtimes.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.keyhouse.egress.Egress;
import dev.keyhouse.egress.EgressPolicy;
import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.FailureText;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeOutput;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;

/** The http driver against real HTTP servers on 127.0.0.1: a healthy runtime, a slow one and a failing one. */
class HttpDriverTest {

    private static final String SECRET = "whsec-0123456789abcdef-keyhouse";
    private static final String LLM_KEY = "sk-test-llm-key-that-must-never-travel";

    /** Loopback listed, as the runtimes stand in on it; no DNS: a name that is not an address resolves to nothing. */
    static final Egress LOOPBACK_ALLOWED = new Egress(EgressPolicy.parse("127.0.0.1,::1"), name -> {
        throw new java.net.UnknownHostException(name);
    });

    private final HttpDriver driver = new HttpDriver(LOOPBACK_ALLOWED);
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final CountDownLatch releaseSlow = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private HttpServer server;

    record Received(String method, String contentType, String timestamp, String signature, byte[] body) {
    }

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.createContext("/healthy", exchange -> {
            record(exchange);
            answer(exchange, 204, "");
        });
        server.createContext("/slow", exchange -> {
            record(exchange);
            try {
                releaseSlow.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "late");
        });
        server.createContext("/failing", exchange -> {
            record(exchange);
            answer(exchange, 500, "boom:\r\n\tdatabase\u0007 down; echo " + SECRET + " " + "x".repeat(10_000));
        });
        server.createContext("/moved", exchange -> {
            record(exchange);
            exchange.getResponseHeaders().add("Location", "/healthy");
            answer(exchange, 307, "");
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        releaseSlow.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    /**
     * A runtime a rollout holds is restarted onto a configuration whose version another's can equal: the body's
     * {@code configuration} names it apart (as its runtime-config ETag begins), the numbers stay the number.
     */
    @Test
    void aHeldConfigurationIsNamedInTheBody() throws Exception {
        driver.restart(target("/healthy", null), "voice-fleet", new RestartOrder(12, 3, Map.of("LLM_API_KEY", LLM_KEY),
                Set.of("LLM_API_KEY"), Instant.now().plusSeconds(120), 0, 0, null, "3-h3fa9c2e1"));

        Received request = received.poll(5, TimeUnit.SECONDS);
        assertThat(request).isNotNull();
        JsonNode event = new ObjectMapper().readTree(new String(request.body(), StandardCharsets.UTF_8));
        assertThat(event.get("configuration").asText()).isEqualTo("3-h3fa9c2e1");
        assertThat(event.get("version").asLong()).isEqualTo(3);
        assertThat(event.get("configurationVersion").asLong()).isEqualTo(3);
    }

    @Test
    void healthyRuntimeReceivesASignedBodyWithoutSecrets() throws Exception {
        Instant before = Instant.now();

        driver.restart(target("/healthy", null), "voice-fleet", order());

        Received request = received.poll(5, TimeUnit.SECONDS);
        assertThat(request).isNotNull();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.contentType()).isEqualTo("application/json");
        String body = new String(request.body(), StandardCharsets.UTF_8);
        assertThat(body).doesNotContain(SECRET).doesNotContain(LLM_KEY);
        assertThat(request.signature()).doesNotContain(SECRET);

        JsonNode event = new ObjectMapper().readTree(body);
        assertThat(event.get("event").asText()).isEqualTo("keyhouse.config.changed");
        assertThat(event.get("target").asText()).isEqualTo("voice-fleet");
        assertThat(event.get("runId").asLong()).isEqualTo(12);
        assertThat(event.get("version").asLong()).isEqualTo(3);
        assertThat(event.get("configurationVersion").asLong()).as("the same number, named for what it counts")
                .isEqualTo(3);
        assertThat(event.get("configuration").asText()).as("the current configuration: its number").isEqualTo("3");
        assertThat(event.get("timestamp").asText()).isEqualTo(request.timestamp());
        assertThat(Long.parseLong(request.timestamp())).isBetween(before.getEpochSecond(),
                Instant.now().getEpochSecond());

        // checked independently of WebhookSignature: HMAC-SHA256(secret, timestamp + "." + body), lowercase hex
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + java.util.HexFormat.of().formatHex(
                mac.doFinal((request.timestamp() + "." + body).getBytes(StandardCharsets.UTF_8)));
        assertThat(request.signature()).isEqualTo(expected);
        assertThat(WebhookSignature.verify(SECRET, request.timestamp(), request.body(), request.signature(),
                Instant.now(), WebhookSignature.DEFAULT_WINDOW)).isTrue();
    }

    @Test
    void verifyRefusesTamperedStaleOrWronglyKeyedWebhooks() {
        Instant now = Instant.ofEpochSecond(1_795_390_675);
        String timestamp = String.valueOf(now.getEpochSecond());
        byte[] body = "{\"event\":\"keyhouse.config.changed\",\"runId\":1}".getBytes(StandardCharsets.UTF_8);
        String signature = WebhookSignature.sign(SECRET, timestamp, body);
        Duration window = Duration.ofMinutes(5);

        assertThat(WebhookSignature.verify(SECRET, timestamp, body, signature, now, window)).isTrue();
        assertThat(WebhookSignature.verify(SECRET, timestamp, body, signature, now.plusSeconds(300), window)).isTrue();
        assertThat(WebhookSignature.verify(SECRET, timestamp, body, signature, now.plusSeconds(301), window)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, timestamp, body, signature, now.minusSeconds(301), window)).isFalse();
        byte[] tampered = "{\"event\":\"keyhouse.config.changed\",\"runId\":2}".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.verify(SECRET, timestamp, tampered, signature, now, window)).isFalse();
        assertThat(WebhookSignature.verify("another-secret-entirely", timestamp, body, signature, now, window)).isFalse();
        String otherTime = String.valueOf(now.getEpochSecond() + 1);
        assertThat(WebhookSignature.verify(SECRET, otherTime, body, signature, now, window)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, "soon", body, signature, now, window)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, String.valueOf(Long.MIN_VALUE), body, signature, now, window))
                .isFalse();
        assertThat(WebhookSignature.verify(SECRET, timestamp, body, null, now, window)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, timestamp, body, signature.toUpperCase(), now, window)).isFalse();
    }

    @Test
    void slowRuntimeFailsWithinItsTimeout() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> driver.restart(target("/slow", "1"), "voice-fleet", order()))
                .isInstanceOf(IOException.class)
                .hasMessage("could not reach the runtime at http://127.0.0.1:" + server.getAddress().getPort() + "/slow");

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        assertThat(received).hasSize(1);
    }

    @Test
    void interruptAbortsTheRequest() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                driver.restart(target("/slow", "60"), "voice-fleet", order());
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        caller.start();
        assertThat(received.poll(5, TimeUnit.SECONDS)).isNotNull();
        long start = System.nanoTime();

        caller.interrupt();

        Throwable error = outcome.get(5, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(error).isInstanceOf(InterruptedException.class).hasMessageContaining("aborted");
        caller.join(1000);
        assertThat(caller.isAlive()).isFalse();
    }

    /**
     * Issue 20, item 9 (follow-up, point 2): a runtime's refusal reads with its status, a fixed text and a snippet of
     * what it answered — an HTML error page (Python's http.server's 501, as a runtime without a POST handler answers)
     * as its words, one line, never markup.
     */
    @Test
    void aRefusedAnswerIsNamedByItsStatusAndASnippetOfItsWords() {
        server.createContext("/no-post", exchange -> {
            record(exchange);
            answer(exchange, 501, dev.keyhouse.runtimes.FailureTextTest.PYTHON_501);
        });
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/no-post", null), "voice-fleet", order())))
                .isInstanceOf(IOException.class)
                .hasMessage("refused by the runtime (HTTP 501): the webhook at " + url("/no-post") + " was not accepted"
                        + " (only a 2xx answer counts); it answered: Error response Error code: 501"
                        + " Message: Unsupported method ('POST'). Error code explanation: 501 - Server does not support"
                        + " this operation.")
                .satisfies(e -> assertThat(FailureText.of(e)).isEqualTo(e.getMessage()));
        // smalls, point 4: a typical 501 page says its status text in the title and the heading: the reason says it
        // once, and the status code once (up front)
        server.createContext("/apache", exchange -> {
            record(exchange);
            answer(exchange, 501, dev.keyhouse.runtimes.FailureTextTest.TYPICAL_501);
        });
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/apache", null), "voice-fleet", order())))
                .hasMessage("refused by the runtime (HTTP 501): the webhook at " + url("/apache") + " was not"
                        + " accepted (only a 2xx answer counts); it answered: Not Implemented GET not supported for"
                        + " current URL. Apache/2.4.62 (Debian) Server at 127.0.0.1 Port 80")
                .satisfies(e -> assertThat(FailureText.of(e)).isEqualTo(e.getMessage())
                        .containsOnlyOnce("Not Implemented").containsOnlyOnce("501"));
        server.createContext("/empty", exchange -> {
            record(exchange);
            answer(exchange, 503, "");
        });
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/empty", null), "voice-fleet", order())))
                .hasMessage("refused by the runtime (HTTP 503): the webhook at " + url("/empty") + " was not accepted"
                        + " (only a 2xx answer counts)");
        // plain text over several lines with control characters: one line, bounded
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/failing", null), "voice-fleet", order())))
                .hasMessageStartingWith("refused by the runtime (HTTP 500): the webhook at " + url("/failing")
                        + " was not accepted (only a 2xx answer counts); it answered: boom: database down; echo "
                        + "[masked] xxx")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r", "\t", "\u0007", SECRET)
                        .endsWith("x…").hasSizeLessThan(400));
    }

    /**
     * The snippet never carries a secret the runtime echoes — the target's signing secret or a provider key of the
     * run (neither is sent; a runtime could know one) — in any form, raw, base64, JSON- or HTML-escaped, or as
     * numeric entities that decode to it; and a long answer is not read whole (at most BODY_READ_LIMIT bytes).
     */
    @Test
    void anEchoedSecretIsMaskedAndALongAnswerIsNotReadWhole() {
        String entities = SECRET.chars().mapToObj(c -> "&#" + c + ";").collect(java.util.stream.Collectors.joining());
        server.createContext("/echo", exchange -> {
            record(exchange);
            answer(exchange, 401, "<html><body><p>bad signature for key " + SECRET + "</p><p>LLM_API_KEY=" + LLM_KEY
                    + "</p><p>" + java.util.Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8))
                    + "</p><p>" + entities + "</p></body></html>");
        });
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/echo", null), "voice-fleet", order())))
                .hasMessageStartingWith("refused by the runtime (HTTP 401)")
                .satisfies(e -> assertThat(e.getMessage()).contains("bad signature for key [masked]")
                        .contains("LLM_API_KEY=[masked]").doesNotContain(SECRET, LLM_KEY, "whsec", "sk-test",
                                java.util.Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8))));
        // breaker b20 H1: the key split by an empty tag (stripped into a space), by a line break, or escaped in part
        int half = LLM_KEY.length() / 2;
        for (String split : List.of(LLM_KEY.substring(0, half) + "<b></b>" + LLM_KEY.substring(half),
                LLM_KEY.substring(0, half) + "\n" + LLM_KEY.substring(half), LLM_KEY.replace("-", "%2D"))) {
            String path = "/split-" + Math.abs(split.hashCode());
            server.createContext(path, exchange -> {
                record(exchange);
                answer(exchange, 500, "<p>A: " + split + "</p>");
            });
            assertThatThrownBy(() -> admin(() -> driver.restart(target(path, null), "voice-fleet", order())))
                    .satisfies(e -> assertThat(e.getMessage()).containsPattern("; it answered: A: \\[masked]( \\[masked])?$")
                            .doesNotContain(LLM_KEY.substring(0, half), LLM_KEY.substring(half)));
        }
        server.createContext("/json-echo", exchange -> {
            record(exchange);
            answer(exchange, 400, "{\"error\":{\"message\":\"key " + SECRET + " is not ours\"}}");
        });
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/json-echo", null), "voice-fleet", order())))
                .hasMessageEndingWith("; it answered: key [masked] is not ours");
        // an entity-encoded secret across the 200-character cut: masked before the cut, so no part of it shows
        server.createContext("/straddle", exchange -> {
            record(exchange);
            // a space before it: a secret glued to other letters is masked with them, as one token (SecretFragments)
            answer(exchange, 403, "<html><body><p>" + "w".repeat(190) + " " + entities + "</p></body></html>");
        });
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/straddle", null), "voice-fleet", order())))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET.substring(0, 6))
                        .contains("w".repeat(190)));

        server.createContext("/endless", exchange -> {
            record(exchange);
            exchange.sendResponseHeaders(500, 0);
            byte[] chunk = "endless words ".repeat(1000).getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 10_000; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the driver hung up after the part it reads
            }
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> admin(() -> driver.restart(target("/endless", null), "voice-fleet", order())))
                .hasMessageContaining("; it answered: endless words endless")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400).endsWith("…"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("140 MB are not read").isLessThan(
                Duration.ofSeconds(5));
    }

    /**
     * Breaker bmask (medium): every value of the run's environment was masked, a model and a URL too ("model [masked]
     * is overloaded at [masked]/reload"). Only secret values are masked: a secret name's, and — fail closed — any
     * name that is not a known non-secret provider name (a shared secret's variable). The answer is the runtime's own
     * text ({@link RuntimeOutput}): an admin reads it, anyone else Keyhouse's reason only.
     */
    @Test
    void anAnswerShowsTheModelAndTheUrlAndMasksOnlyTheSecrets() {
        String model = "gpt-4o-mini-2024-07-18";
        String base = "https://llm-gateway.example.internal/v1";
        String shared = "acme-shared-token-5f0c2a9d7e31";
        server.createContext("/overloaded", exchange -> {
            record(exchange);
            answer(exchange, 503, "model " + model + " overloaded at " + base + "/reload, key " + LLM_KEY
                    + ", token " + shared);
        });
        RestartOrder order = new RestartOrder(12, 3, Map.of("LLM_API_KEY", LLM_KEY, "LLM_MODEL", model,
                "LLM_BASE_URL", base, "LLM_PROVIDER", "openai", "ACME_TOKEN", shared),
                Set.of("LLM_API_KEY", "LLM_MODEL", "LLM_BASE_URL", "LLM_PROVIDER"), Instant.now().plusSeconds(120));
        assertThat(order.secretValues()).containsExactlyInAnyOrder(LLM_KEY, shared);
        assertThatThrownBy(() -> driver.restart(target("/overloaded", null), "voice-fleet", order))
                .satisfies(e -> {
                    String admin = RuntimeOutput.withOutput(e.getMessage());
                    assertThat(admin).endsWith("; it answered: model " + model + " overloaded at " + base
                            + "/reload, key [masked], token [masked]").doesNotContain(LLM_KEY, shared);
                    assertThat(RuntimeOutput.reasonOnly(e.getMessage())).isEqualTo("refused by the runtime (HTTP"
                            + " 503): the webhook at " + url("/overloaded") + " was not accepted (only a 2xx answer"
                            + " counts); it answered: " + RuntimeOutput.NOT_SHOWN);
                });
    }

    /**
     * Breaker b9 L2: one rule for a runtime's text ({@link RuntimeOutput#clean}, as a command's output): escape
     * sequences are removed before masking, so a key answered in two halves with a colour code between them is masked
     * whole (each half, 9 letters and digits, is too short for the fragment pass alone), and no ESC byte is kept.
     */
    @Test
    void colourCodesAreRemovedBeforeMaskingSoASplitKeyIsMaskedWhole() {
        String key = "sk-Split0a1b2c3d4e5";
        server.createContext("/coloured", exchange -> {
            record(exchange);
            answer(exchange, 503, "key=" + key.substring(0, 10) + "\u001B[0m" + key.substring(10)
                    + "\n\u001B]0;title\u0007\u001B[31mred\u001B[0m\r\n");
        });
        RestartOrder order = new RestartOrder(12, 3, Map.of("LLM_API_KEY", key, "LLM_PROVIDER", "openai"),
                Set.of("LLM_API_KEY", "LLM_PROVIDER"), Instant.now().plusSeconds(120));
        assertThatThrownBy(() -> driver.restart(target("/coloured", null), "voice-fleet", order))
                .satisfies(e -> assertThat(RuntimeOutput.withOutput(e.getMessage()))
                        .endsWith("; it answered: key=[masked] red").doesNotContain("\u001B", "title"));
    }

    @Test
    void redirectIsAFailureNotFollowed() throws Exception {
        assertThatThrownBy(() -> driver.restart(target("/moved", null), "voice-fleet", order()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("refused by the runtime (HTTP 307): the webhook at " + url("/moved"));
        assertThat(received.take().body()).isNotEmpty();
        assertThat(received).isEmpty();
    }

    /** The IPv4-mapped form of a closed loopback port: the restart error quotes the URL as written. */
    @Test
    void anIpv6UrlIsQuotedWholeInTheRestartError() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://[::ffff:127.0.0.1]:" + closedPort + "/";
        TargetSpec target = new TargetSpec(1, "voice-fleet", "http", Map.of("url", url), Map.of("secret", SECRET));
        assertThatThrownBy(() -> driver.restart(target, "voice-fleet", order()))
                .isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(FailureText.of(e)).isEqualTo("could not reach the runtime at " + url));
    }

    @Test
    void refusedConnectionIsAClearError() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        TargetSpec target = new TargetSpec(1, "voice-fleet", "http",
                Map.of("url", "http://127.0.0.1:" + closedPort + "/reload?token=do-not-print"),
                Map.of("secret", SECRET));

        assertThatThrownBy(() -> driver.restart(target, "voice-fleet", order()))
                .isInstanceOf(IOException.class)
                .hasMessage("could not reach the runtime at http://127.0.0.1:" + closedPort + "/reload")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("do-not-print"));
    }

    /** A target saved while loopback was listed is refused at send time once the list no longer has it. */
    @Test
    void theEgressPolicyIsAppliedAgainAtSendTimeBeforeAnyConnection() throws Exception {
        HttpDriver unlisted = new HttpDriver(new Egress(EgressPolicy.nothingListed(), name -> {
            throw new java.net.UnknownHostException(name);
        }));
        int port = server.getAddress().getPort();
        for (String url : List.of("http://127.0.0.1:" + port + "/healthy", "http://localhost:" + port + "/healthy",
                "http://[::ffff:127.0.0.1]:" + port + "/healthy")) {
            TargetSpec target = new TargetSpec(7, "voice-fleet", "http", Map.of("url", url), Map.of("secret", SECRET));
            assertThatThrownBy(() -> unlisted.restart(target, "voice-fleet", order())).as(url)
                    .isInstanceOf(dev.keyhouse.egress.EgressRefused.class)
                    .hasMessageContaining("is a loopback address, which Keyhouse connects to only when"
                            + " EGRESS_ALLOWED_HOSTS lists it");
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).as("nothing reached the runtime").isNull();
        driver.restart(target("/healthy", null), "voice-fleet", order());
        assertThat(received.poll(5, TimeUnit.SECONDS)).as("the same URL with loopback listed").isNotNull();
    }

    @Test
    void discoversTheTargetItself() {
        assertThat(driver.discover(target("/healthy", null))).containsExactly("voice-fleet");
    }

    @Test
    void validationNamesEachBadField() {
        FieldErrors errors = validate("ftp://runtime.internal/reload", "short", "0");
        assertThat(errors.messageFor("config.url")).isEqualTo("must be an http or https URL");
        assertThat(errors.messageFor("config.secret")).contains("at least 16");
        assertThat(errors.messageFor("config.timeoutSeconds")).contains("1 to 300");

        assertThat(validate("https://admin:hunter2@runtime.internal/reload", SECRET, "abc").errors())
                .extracting(FieldErrors.FieldError::field)
                .containsExactlyInAnyOrder("config.url", "config.timeoutSeconds");
        assertThat(validate("https://admin:hunter2@runtime.internal/reload", SECRET, null).getMessage())
                .doesNotContain("hunter2");
        assertThat(validate("not a url", SECRET, null).messageFor("config.url"))
                .startsWith("must be a valid http or https URL");
        assertThat(validate("https:///reload", SECRET, null).messageFor("config.url"))
                .startsWith("must be an http or https URL with a host");
        // the rules every URL follows (FieldRules), and one of Keyhouse's own client: Java's refuses '_' in a host
        assertThat(validate("http://voice\u200B-1/reload", SECRET, null).messageFor("config.url"))
                .isEqualTo("invisible character U+200B (zero width space) at position 13");
        assertThat(validate("http://voice_1:8080/reload", SECRET, null).messageFor("config.url"))
                .contains("'_'").contains("network alias");
        assertThat(validate("HTTP://[::1]:8080/reload", SECRET, null).isEmpty()).isTrue();
        assertThat(validate("http://runtime.internal/reload", SECRET, "301").messageFor("config.timeoutSeconds"))
                .isNotNull();

        assertThat(validate("https://runtime.internal:8443/reload?fleet=voice", SECRET, "30").isEmpty()).isTrue();
        // the egress policy, at save: loopback is listed here, a private address is not, metadata never is
        assertThat(validate("http://127.0.0.1:8081/reload", null, null).isEmpty()).isTrue();
        assertThat(validate("http://10.0.0.7/reload", null, null).messageFor("config.url"))
                .isEqualTo("is refused: 10.0.0.7 is a private address, which Keyhouse connects to only when"
                        + " EGRESS_ALLOWED_HOSTS lists it");
        assertThat(validate("http://169.254.169.254/latest/meta-data/", null, null).messageFor("config.url"))
                .startsWith("is refused: 169.254.169.254 is a link-local address").endsWith("never connects to");
        assertThat(validate("http://[::ffff:169.254.169.254]/", null, null).messageFor("config.url"))
                .startsWith("is refused: ").contains("link-local");
    }

    @Test
    void describesItsFields() {
        assertThat(driver.id()).isEqualTo("http");
        assertThat(driver.fields()).extracting(DriverField::name).containsExactly("url", "secret", "timeoutSeconds");
        assertThat(driver.fields()).filteredOn(DriverField::secret).extracting(DriverField::name)
                .containsExactly("secret");
    }

    private FieldErrors validate(String url, String secret, String timeout) {
        Map<String, String> config = new java.util.HashMap<>(Map.of("url", url));
        if (timeout != null) {
            config.put("timeoutSeconds", timeout);
        }
        FieldErrors errors = new FieldErrors();
        driver.validate(new TargetSpec(0, "voice-fleet", "http", config,
                secret == null ? Map.of() : Map.of("secret", secret)), errors);
        return errors;
    }

    /** What a restart's refusal reads as for an admin: its message with the runtime's answer in it. */
    private static void admin(org.assertj.core.api.ThrowableAssert.ThrowingCallable restart) throws Throwable {
        try {
            restart.call();
        } catch (IOException e) {
            assertThat(RuntimeOutput.has(e.getMessage()) || !e.getMessage().contains("it answered"))
                    .as("the answer is marked as the runtime's own text").isTrue();
            throw new IOException(RuntimeOutput.withOutput(e.getMessage()), e.getCause());
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private TargetSpec target(String path, String timeoutSeconds) {
        Map<String, String> config = new java.util.HashMap<>();
        config.put("url", url(path));
        if (timeoutSeconds != null) {
            config.put("timeoutSeconds", timeoutSeconds);
        }
        return new TargetSpec(7, "voice-fleet", "http", config, Map.of("secret", SECRET));
    }

    private static RestartOrder order() {
        return new RestartOrder(12, 3, Map.of("LLM_API_KEY", LLM_KEY, "LLM_PROVIDER", "openai"),
                Set.of("LLM_API_KEY", "LLM_PROVIDER"), Instant.now().plusSeconds(120));
    }

    private void record(HttpExchange exchange) throws IOException {
        received.add(new Received(exchange.getRequestMethod(),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER),
                exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER),
                exchange.getRequestBody().readAllBytes()));
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        } catch (IOException e) {
            // the driver hung up after the part it reads
        }
    }
}
