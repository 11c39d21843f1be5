package dev.keyhouse.web;

import java.time.Duration;

import org.eclipse.microprofile.config.ConfigProvider;
import org.hibernate.validator.constraints.time.DurationMin;

import io.quarkus.qute.TemplateGlobal;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.WithDefault;

/**
 * How often a page's live region looks for changes while nothing it shows is under way: the settings pages, the
 * runtimes list and the rotation page poll every 2 s while a rollout, run or job is live, and at this interval
 * otherwise, to see one start or a version saved behind them.
 */
public final class LiveRefresh {

    private LiveRefresh() {
    }

    /**
     * {@code keyhouse.pages.*}: not an operator setting (no variable, so not in the environment catalog); the tests
     * shorten it so a browser test sees an idle page change within a second instead of waiting out 10 s.
     */
    @ConfigMapping(prefix = "keyhouse.pages")
    public interface Config {

        /** The idle poll interval, at least 100 ms; start-up refuses a shorter one. */
        @WithDefault("10s")
        @DurationMin(millis = 100)
        Duration idleRefresh();
    }

    /**
     * {@code {idleRefresh}} in every template: the idle interval as htmx's {@code every} takes it, whole seconds as
     * {@code 10s}, anything else in milliseconds ({@code 500ms}).
     */
    @TemplateGlobal
    static String idleRefresh() {
        return htmx(ConfigProvider.getConfig().unwrap(SmallRyeConfig.class).getConfigMapping(Config.class).idleRefresh());
    }

    /** An interval as htmx's {@code every} takes it: {@code 10s}, or {@code 1500ms} when not whole seconds. */
    static String htmx(Duration interval) {
        long millis = interval.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
