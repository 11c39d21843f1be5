package dev.keyhouse.web;

import java.time.Duration;

import org.eclipse.microprofile.config.ConfigProvider;
import org.hibernate.validator.constraints.time.DurationMin;

import io.quarkus.qute.TemplateGlobal;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.WithDefault;

/**
 * How often a page's live region looks for changes: every busy interval (2 s) while what it shows is under way (a
 * rollout, a restart run, a rotation job), every idle interval (10 s) otherwise, to see one start or a version saved
 * behind them. The settings pages, the runtimes list and the rotation page choose by that rule on their first render
 * and in every fragment alike (one {@code live} rule feeds both); the run page, a target's latest run and a notice's run status poll at the
 * busy interval while their run can still change (RunView.canChange: under way, or a runtime may still confirm), then stop or idle.
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

        /**
         * The busy poll interval, while a rollout, run or job a page shows is under way; at least 100 ms, start-up
         * refuses a shorter one.
         */
        @WithDefault("2s")
        @DurationMin(millis = 100)
        Duration busyRefresh();
    }

    /**
     * {@code {idleRefresh}} in every template: the idle interval as htmx's {@code every} takes it, whole seconds as
     * {@code 10s}, anything else in milliseconds ({@code 500ms}).
     */
    @TemplateGlobal
    static String idleRefresh() {
        return htmx(config().idleRefresh());
    }

    /** {@code {busyRefresh}} in every template: the busy interval as htmx's {@code every} takes it ({@code 2s}). */
    @TemplateGlobal
    static String busyRefresh() {
        return htmx(config().busyRefresh());
    }

    private static Config config() {
        return ConfigProvider.getConfig().unwrap(SmallRyeConfig.class).getConfigMapping(Config.class);
    }

    /** An interval as htmx's {@code every} takes it: {@code 10s}, or {@code 1500ms} when not whole seconds. */
    static String htmx(Duration interval) {
        long millis = interval.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
