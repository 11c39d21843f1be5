package dev.keyhouse.runtimes.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How the {@code http} driver signs its webhook, and how a runtime checks it.
 *
 * <p>Keyhouse POSTs {@code Content-Type: application/json} to the target's URL with two headers:
 *
 * <pre>
 * X-Keyhouse-Timestamp: 1795390675
 * X-Keyhouse-Signature: sha256=5d0c...e1 (64 lowercase hex digits)
 * </pre>
 *
 * <p>and a body such as
 * {@code {"event":"keyhouse.config.changed","target":"voice-fleet","runId":12,"version":3,"timestamp":1795390675}}.
 * The body carries no secret: on receiving it the runtime re-fetches {@code GET /api/v1/internal/runtime-config}
 * with its {@code PROVISIONER_INTERNAL_TOKEN} and restarts (or reloads) on what it gets.
 *
 * <p>The signature is {@code hex(HMAC-SHA256(key = UTF-8 bytes of the target's secret, message = timestamp + "." +
 * raw body bytes))}, where {@code timestamp} is the header's value exactly as sent (unix seconds). A runtime must:
 * <ol>
 * <li>read the raw body bytes before parsing them (re-serialised JSON does not match);</li>
 * <li>refuse a timestamp further than its replay window (five minutes is a good default) from its own clock, in
 * either direction, so a captured request cannot be replayed later;</li>
 * <li>compute the HMAC itself and compare it with the header in constant time (never with {@code equals});</li>
 * <li>answer 2xx only once the reload is under way; any other status is recorded as a failed restart, with the
 * status and the first 200 characters of the answer.</li>
 * </ol>
 * A runtime on the JVM can call {@link #verify}; elsewhere, e.g. in Python:
 *
 * <pre>
 * expected = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
 * ok = abs(time.time() - int(ts)) &lt;= 300 and hmac.compare_digest(expected, request.headers["X-Keyhouse-Signature"])
 * </pre>
 *
 * <p>Retries of one restart run carry the same {@code runId} with a fresh timestamp; a runtime may treat a second
 * webhook for a {@code runId} it already reloaded for as a no-op.
 */
public final class WebhookSignature {

    public static final String TIMESTAMP_HEADER = "X-Keyhouse-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Keyhouse-Signature";
    /** The shortest signing secret Keyhouse takes (a target's webhook secret, {@code ROLLOUT_NOTIFY_SECRET}). */
    public static final int MIN_SECRET_LENGTH = 16;
    /** The replay window this project recommends to runtimes. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private static final String PREFIX = "sha256=";

    private WebhookSignature() {
    }

    /** The {@value #SIGNATURE_HEADER} value for {@code body} sent at {@code timestamp} (unix seconds, as sent). */
    public static String sign(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return PREFIX + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /**
     * Whether a webhook is genuine and fresh: {@code signatureHeader} is the HMAC of {@code timestamp} and
     * {@code body} under {@code secret}, and {@code timestamp} lies within {@code window} of {@code now}. Compares
     * in constant time; any missing or malformed part is simply {@code false}.
     */
    public static boolean verify(String secret, String timestamp, byte[] body, String signatureHeader, Instant now,
            Duration window) {
        if (secret == null || secret.isEmpty() || timestamp == null || body == null || signatureHeader == null) {
            return false;
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return false;
        }
        long nowSeconds = now.getEpochSecond();
        if (seconds < nowSeconds - window.toSeconds() || seconds > nowSeconds + window.toSeconds()) {
            return false;
        }
        byte[] expected = sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signatureHeader.trim().getBytes(StandardCharsets.US_ASCII));
    }
}
