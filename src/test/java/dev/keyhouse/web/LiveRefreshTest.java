package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The pages' poll intervals: idle 10 s and busy 2 s unless {@code keyhouse.pages.idle-refresh} and
 * {@code keyhouse.pages.busy-refresh} say otherwise (the tests' 1 s and 500 ms, in TestSettings, are what the page
 * tests see), written as htmx's {@code every} reads them.
 */
class LiveRefreshTest {

    @Test
    void theIdleIntervalIsTenSecondsUnlessConfigured() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(LiveRefresh.Config.class)
                .withConverter(Duration.class, 100, new DurationConverter()).build();
        assertThat(config.getConfigMapping(LiveRefresh.Config.class).idleRefresh()).isEqualTo(Duration.ofSeconds(10));
        assertThat(LiveRefresh.htmx(Duration.ofSeconds(10))).isEqualTo("10s");
    }

    @Test
    void theBusyIntervalIsTwoSecondsUnlessConfigured() {
        SmallRyeConfig defaults = new SmallRyeConfigBuilder().withMapping(LiveRefresh.Config.class)
                .withConverter(Duration.class, 100, new DurationConverter()).build();
        assertThat(defaults.getConfigMapping(LiveRefresh.Config.class).busyRefresh()).isEqualTo(Duration.ofSeconds(2));
        SmallRyeConfig configured = new SmallRyeConfigBuilder().withMapping(LiveRefresh.Config.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValue("keyhouse.pages.busy-refresh", "750ms").build();
        assertThat(configured.getConfigMapping(LiveRefresh.Config.class).busyRefresh())
                .isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void anIntervalOfPartSecondsIsWrittenInMilliseconds() {
        assertThat(LiveRefresh.htmx(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(LiveRefresh.htmx(Duration.ofMillis(100))).isEqualTo("100ms");
    }
}
