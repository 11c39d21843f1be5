package dev.keyhouse.runtimes;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Rollouts on {@code /q/metrics}: {@code keyhouse_rollouts_total{outcome}}, one count per rollout that reached a final
 * outcome (succeeded, rolled_back, halted, aborted, superseded). Every outcome is registered at 0 when Keyhouse
 * starts, so a dashboard or an alert rule on {@code rolled_back} or {@code halted} sees the series before the first one.
 */
@Startup
@ApplicationScoped
public class RolloutMetrics {

    /** The final outcomes of a rollout ({@link RestartRun}'s constants), in the order dashboards list them. */
    public static final List<String> OUTCOMES = List.of(RestartRun.SUCCEEDED, RestartRun.ROLLED_BACK,
            RestartRun.HALTED, RestartRun.ABORTED, RestartRun.SUPERSEDED);

    private final MeterRegistry registry;
    private final Map<String, Counter> counters;

    public RolloutMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.counters = Map.copyOf(OUTCOMES.stream().collect(Collectors.toMap(Function.identity(), this::counter)));
    }

    private Counter counter(String outcome) {
        return Counter.builder("keyhouse.rollouts").description("Rollouts by final outcome").tag("outcome", outcome)
                .register(registry);
    }

    /** Counts one rollout that ended with {@code outcome}. */
    void ended(String outcome) {
        Counter known = counters.get(outcome);
        (known != null ? known : counter(outcome)).increment();
    }
}
