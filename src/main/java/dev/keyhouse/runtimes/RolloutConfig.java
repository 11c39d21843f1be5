package dev.keyhouse.runtimes;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Rollouts of a saved key in waves, from the environment through {@code application.properties}. */
@ConfigMapping(prefix = "keyhouse.rollout")
public interface RolloutConfig {

    /** Runtimes in the canary wave when no dependent target is marked canary ({@code ROLLOUT_CANARY_COUNT}). */
    @WithDefault("1")
    int canaryCount();

    /** Each later wave's share of the runtimes left after the canary, in percent, 1-100 ({@code ROLLOUT_WAVE_PERCENT}). */
    @WithDefault("25")
    int wavePercent();

    /** Seconds to wait after a wave is confirmed before the next starts ({@code ROLLOUT_BAKE_SECONDS}). */
    @WithDefault("30")
    int bakeSeconds();

    /** Seconds a restarted runtime has to confirm before its wave fails ({@code ROLLOUT_CONFIRM_TIMEOUT_SECONDS}). */
    @WithDefault("120")
    int confirmTimeoutSeconds();

    /** {@code auto}: waves follow each other; {@code manual}: after the canary, wait for Continue ({@code ROLLOUT_APPROVAL}). */
    @WithDefault("auto")
    String approval();

    default Duration bake() {
        return Duration.ofSeconds(bakeSeconds());
    }

    default Duration confirmTimeout() {
        return Duration.ofSeconds(confirmTimeoutSeconds());
    }

    default boolean manualApproval() {
        return "manual".equals(approval());
    }
}
