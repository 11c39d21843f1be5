package dev.keyhouse.runtimes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Restarts a runtime by POSTing a signed webhook to its reload URL; the runtime then re-fetches
 * {@code /api/v1/internal/runtime-config}. The body names the target, run and settings version, never a secret; see
 * {@link WebhookSignature} for the signature a runtime must check. A 2xx answer counts as restarted.
 */
@ApplicationScoped
public class HttpDriver implements RuntimeDriver {

    static final String EVENT = "keyhouse.config.changed";
    static final int DEFAULT_TIMEOUT_SECONDS = 10;
    static final int MAX_TIMEOUT_SECONDS = 300;
    static final int MIN_SECRET_LENGTH = 16;
    /** How much of a failed answer's body is read, and how much of it an error message quotes. */
    static final int BODY_READ_LIMIT = 4096;
    static final int SNIPPET_LENGTH = 200;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Static so that the bean's client proxy does not build a second one. HTTP/1.1: a cleartext URL would otherwise
     * get an h2c upgrade offer, which some runtimes' servers mishandle. A redirect is a failure, not followed.
     */
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    @Override
    public String id() {
        return "http";
    }

    @Override
    public List<DriverField> fields() {
        return List.of(
                DriverField.url("url", "Reload URL",
                        "http(s) URL the runtime accepts the signed webhook on, e.g. https://voice-1.internal:8443/reload"),
                DriverField.secret("secret", "Signing secret", true,
                        "HMAC-SHA256 key shared with the runtime, at least " + MIN_SECRET_LENGTH
                                + " characters (openssl rand -hex 32)"),
                DriverField.optional("timeoutSeconds", "Timeout (seconds)", String.valueOf(DEFAULT_TIMEOUT_SECONDS),
                        "How long to wait for the runtime's answer, 1 to " + MAX_TIMEOUT_SECONDS));
    }

    @Override
    public void validate(TargetSpec target, FieldErrors errors) {
        String url = target.config("url");
        if (url != null) {
            String problem = urlProblem(url);
            if (problem != null) {
                errors.add("config.url", problem);
            }
        }
        String secret = target.secret("secret");
        if (secret != null && secret.length() < MIN_SECRET_LENGTH) {
            errors.add("config.secret", "must be at least " + MIN_SECRET_LENGTH + " characters");
        }
        String timeout = target.config("timeoutSeconds");
        if (timeout != null && parseTimeout(timeout) == null) {
            errors.add("config.timeoutSeconds", "must be a whole number from 1 to " + MAX_TIMEOUT_SECONDS);
        }
    }

    /** The target itself is the one runtime: the webhook reaches whatever stands behind the URL. */
    @Override
    public List<String> discover(TargetSpec target) {
        return List.of(target.name());
    }

    @Override
    public void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception {
        String url = target.config("url");
        String secret = target.secret("secret");
        if (url == null || urlProblem(url) != null) {
            throw new IllegalStateException(target + ": url is missing or invalid");
        }
        if (secret == null || secret.isEmpty()) {
            throw new IllegalStateException(target + ": secret is not set");
        }
        URI uri = URI.create(FieldRules.clean(FieldType.URL, url).value());
        String where = "webhook " + safeUrl(uri);
        Duration timeout = timeout(target, order);
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        byte[] body = body(target, order, timestamp);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "keyhouse")
                .header(WebhookSignature.TIMESTAMP_HEADER, timestamp)
                .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<byte[]> response = send(request, timeout, where);
        if (response.statusCode() / 100 != 2) {
            String snippet = snippet(response.body(), secret);
            throw new IOException(where + " answered HTTP " + response.statusCode()
                    + (snippet.isEmpty() ? "" : ": " + snippet));
        }
    }

    /** Sends and waits; an interrupt or the deadline cancels the exchange (the JDK client closes the connection). */
    private HttpResponse<byte[]> send(HttpRequest request, Duration timeout, String where) throws Exception {
        CompletableFuture<HttpResponse<byte[]>> exchange = CLIENT.sendAsync(request, info -> new LimitedBody());
        try {
            // the request timeout covers the headers; this bound also covers a body that trickles in
            return exchange.get(timeout.toMillis() + CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedException(where + ": aborted, interrupted");
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new IOException(where + ": no complete answer within " + timeout.toSeconds() + "s");
        } catch (ExecutionException e) {
            throw failure(e.getCause(), where, timeout);
        }
    }

    private static IOException failure(Throwable cause, String where, Duration timeout) {
        if (cause instanceof HttpConnectTimeoutException) {
            return new IOException(where + ": could not connect within " + CONNECT_TIMEOUT.toSeconds() + "s", cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new IOException(where + ": no answer within " + timeout.toSeconds() + "s", cause);
        }
        if (cause instanceof ConnectException) {
            return new IOException(where + ": connection refused", cause);
        }
        String detail = cause.getMessage() == null ? "" : ": " + sanitise(cause.getMessage());
        return new IOException(where + ": " + cause.getClass().getSimpleName() + detail, cause);
    }

    private static byte[] body(TargetSpec target, RestartOrder order, String timestamp) throws JsonProcessingException {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", EVENT);
        event.put("target", target.name());
        event.put("runId", order.runId());
        event.put("version", order.version());
        event.put("timestamp", Long.parseLong(timestamp));
        return JSON.writeValueAsBytes(event);
    }

    /** The target's timeout, cut to what is left before the executor's deadline (at least one second). */
    private static Duration timeout(TargetSpec target, RestartOrder order) {
        Integer seconds = parseTimeout(target.config("timeoutSeconds", String.valueOf(DEFAULT_TIMEOUT_SECONDS)));
        Duration timeout = Duration.ofSeconds(seconds == null ? DEFAULT_TIMEOUT_SECONDS : seconds);
        if (order.deadline() != null) {
            Duration left = Duration.between(Instant.now(), order.deadline());
            if (left.compareTo(timeout) < 0) {
                timeout = left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
            }
        }
        return timeout;
    }

    private static Integer parseTimeout(String value) {
        try {
            int seconds = Integer.parseInt(value.strip());
            return seconds >= 1 && seconds <= MAX_TIMEOUT_SECONDS ? seconds : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Null when {@code url} passes the rules for a URL ({@link FieldType#URL}) and Keyhouse's own client can reach
     * it; else what is wrong. Java's HTTP client refuses host names with '_', which runtimes' clients accept.
     */
    static String urlProblem(String url) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.URL, url);
        if (!cleaned.ok()) {
            return cleaned.problem();
        }
        if (cleaned.value() == null) {
            return "is required";
        }
        try {
            if (new URI(cleaned.value()).getHost() == null) {
                return "has a host name with '_', which Keyhouse's webhook client (Java's) cannot connect to;"
                        + " give the runtime a network alias without one";
            }
        } catch (URISyntaxException e) {
            return "must be a valid http or https URL";
        }
        return null;
    }

    /** The URL for messages: scheme, host, port and path; the query is left out in case it carries a token. */
    private static String safeUrl(URI uri) {
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + uri.getHost() + port + path;
    }

    /** The start of a failed answer, one line of printable text, with the signing secret blanked should it echo. */
    static String snippet(byte[] body, String secret) {
        String text = sanitise(new String(body, StandardCharsets.UTF_8));
        if (secret != null && !secret.isEmpty()) {
            text = text.replace(secret, "[secret]");
        }
        return text.length() <= SNIPPET_LENGTH ? text : text.substring(0, SNIPPET_LENGTH) + "…";
    }

    private static String sanitise(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), BODY_READ_LIMIT));
        text.codePoints().limit(BODY_READ_LIMIT).forEach(c -> out.appendCodePoint(
                Character.isISOControl(c) || c == '\uFFFD' || Character.getType(c) == Character.FORMAT ? ' ' : c));
        return out.toString().replaceAll("\\s+", " ").strip();
    }

    /** Keeps the first {@link #BODY_READ_LIMIT} bytes of an answer and hangs up on the rest. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {

        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int take = Math.min(buffer.remaining(), BODY_READ_LIMIT - kept.size());
                if (take > 0) {
                    byte[] bytes = new byte[take];
                    buffer.get(bytes);
                    kept.write(bytes, 0, take);
                }
            }
            if (kept.size() >= BODY_READ_LIMIT) {
                subscription.cancel();
                result.complete(kept.toByteArray());
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(kept.toByteArray());
        }
    }
}
