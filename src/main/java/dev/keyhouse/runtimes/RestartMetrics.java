package dev.keyhouse.runtimes;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Restarts on {@code /q/metrics}: {@code keyhouse_restart_results_total{driver, outcome}} (restarted, failed,
 * timed_out; counted once per runtime, when its result is final) and {@code keyhouse_restart_run_duration_seconds}
 * (creation to finish, tagged with the run's state).
 */
@ApplicationScoped
public class RestartMetrics {

    private final MeterRegistry registry;

    public RestartMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void result(String driver, String outcome) {
        Counter.builder("keyhouse.restart.results").description("Runtime restarts by final outcome")
                .tag("driver", driver).tag("outcome", outcome).register(registry).increment();
    }

    void runFinished(String state, Duration duration) {
        Timer.builder("keyhouse.restart.run.duration").description("Restart runs, from creation to the last result")
                .tag("state", state).register(registry).record(duration);
    }
}
