package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The pages' idle poll interval: 10 s unless {@code keyhouse.pages.idle-refresh} says otherwise (the tests' 1 s, in
 * TestSettings, is what the page tests see), written as htmx's {@code every} reads it.
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
    void anIntervalOfPartSecondsIsWrittenInMilliseconds() {
        assertThat(LiveRefresh.htmx(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(LiveRefresh.htmx(Duration.ofMillis(100))).isEqualTo("100ms");
    }
}
