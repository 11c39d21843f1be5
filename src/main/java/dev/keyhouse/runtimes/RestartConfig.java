package dev.keyhouse.runtimes;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Restart runs, from the environment through {@code application.properties}. */
@ConfigMapping(prefix = "keyhouse.restart")
public interface RestartConfig {

    /**
     * Runtimes this replica is changing at once ({@code RESTART_CONCURRENCY}); 0: this replica executes none. A
     * restart whose driver called {@link RestartOrder#checking()} no longer counts.
     */
    @WithDefault("8")
    int concurrency();

    /** Seconds one runtime's restart may take before it is interrupted and marked timed out. */
    @WithDefault("120")
    int timeoutSeconds();

    /** Attempts per runtime before it is marked failed ({@code RESTART_ATTEMPTS}). */
    @WithDefault("3")
    int attempts();

    /** Wait before the first retry; each further retry waits twice as long. */
    @WithDefault("1s")
    Duration backoff();

    /**
     * How long past the timeout a claim stays this replica's. A replica that dies mid-restart leaves its work
     * claimed; once the lease runs out, any replica takes it over.
     */
    @WithDefault("10s")
    Duration leaseMargin();

    default Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds());
    }

    default Duration lease() {
        return timeout().plus(leaseMargin());
    }
}
