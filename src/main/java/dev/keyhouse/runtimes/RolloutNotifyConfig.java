package dev.keyhouse.runtimes;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Where a rollout alert is sent ({@code ROLLOUT_NOTIFY_URL}, {@code ROLLOUT_NOTIFY_SECRET}) and how hard Keyhouse
 * tries: each attempt waits at most {@link #timeout()} for the answer; a failed attempt is retried after
 * {@link #backoff()}, doubling, up to {@link #attempts()} in all. Start-up refuses a bad URL, and a URL without a secret.
 */
@ConfigMapping(prefix = "keyhouse.rollout-notify")
public interface RolloutNotifyConfig {

    /** The http(s) URL the signed event is POSTed to ({@code ROLLOUT_NOTIFY_URL}); empty: alerts are logged only. */
    Optional<String> url();

    /** The HMAC-SHA256 key events are signed with ({@code ROLLOUT_NOTIFY_SECRET}), as {@link dev.keyhouse.runtimes.http.WebhookSignature}. */
    Optional<String> secret();

    /** How long one attempt waits for the receiver's answer once connected. */
    @WithDefault("10s")
    Duration timeout();

    /** Attempts per event, the first included. */
    @WithDefault("4")
    int attempts();

    /** Wait before the first retry; each further retry waits twice as long. */
    @WithDefault("2s")
    Duration backoff();
}
