package dev.keyhouse.checks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.keyhouse.settings.ProviderKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Provider key checks on {@code /q/metrics}:
 * <ul>
 * <li>{@code keyhouse_provider_check_total{kind,provider,result}}: every check Keyhouse makes (in the background, on
 * save, and from {@code /check}), counted by {@link ProviderChecks} on this replica;</li>
 * <li>{@code keyhouse_provider_check_last{kind,provider,result}}: the last recorded result of each kind, one series
 * per possible result, 1 for the current one and 0 for the others (Prometheus' "enum" pattern, OpenMetrics'
 * StateSet: an alert reads {@code keyhouse_provider_check_last{result="no_credit"} == 1} and a result that never
 * occurred is still a series with 0, not a missing one);</li>
 * <li>{@code keyhouse_provider_check_last_timestamp_seconds{kind,provider}}: when that check ran (Unix seconds), so a
 * stale result can be alerted on.</li>
 * </ul>
 * The last-result gauges come from {@code provider_checks} (refreshed by every background poll and every record), so
 * every replica shows the same. Labels carry ids only, never a key or a fingerprint.
 */
@ApplicationScoped
public class CheckMetrics {

    private final MeterRegistry registry;
    private final MultiGauge last;
    private final MultiGauge lastTimestamp;
    /** The last check of each kind id, as last published. */
    private final Map<String, LastCheck> current = new ConcurrentHashMap<>();

    public CheckMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.last = MultiGauge.builder("keyhouse.provider.check.last")
                .description("The last provider key check of each kind: 1 for its result, 0 for the others")
                .register(registry);
        this.lastTimestamp = MultiGauge.builder("keyhouse.provider.check.last.timestamp").baseUnit("seconds")
                .description("When the last provider key check of each kind ran (Unix time)").register(registry);
    }

    /** Counts one check that was made. */
    public void counted(CheckOutcome outcome) {
        Counter.builder("keyhouse.provider.check").description("Provider key checks made, by kind, provider and result")
                .tags("kind", outcome.kind(), "provider", provider(outcome.kind(), outcome.provider()),
                        "result", outcome.result().json())
                .register(registry).increment();
    }

    /** Publishes a kind's newest check. */
    public void last(LastCheck check) {
        current.put(check.kind(), check);
        publish();
    }

    /** Publishes what {@code provider_checks} holds now; kinds never checked have no series. */
    public void refresh(Map<ProviderKind, LastCheck> checks) {
        current.keySet().retainAll(checks.keySet().stream().map(ProviderKind::id).toList());
        checks.values().forEach(c -> current.put(c.kind(), c));
        publish();
    }

    private synchronized void publish() {
        List<MultiGauge.Row<?>> results = new ArrayList<>();
        List<MultiGauge.Row<?>> times = new ArrayList<>();
        for (LastCheck check : current.values()) {
            Tags tags = Tags.of("kind", check.kind(), "provider", provider(check.kind(), check.provider()));
            for (CheckResult result : CheckResult.values()) {
                results.add(MultiGauge.Row.of(tags.and("result", result.json()), result == check.result() ? 1 : 0));
            }
            times.add(MultiGauge.Row.of(tags, check.checkedAt().toEpochMilli() / 1000.0));
        }
        last.register(results, true);
        lastTimestamp.register(times, true);
    }

    /** A provider id as a label: one of the kind's providers, else {@code other} (labels stay few). */
    static String provider(String kind, String provider) {
        return ProviderKind.parse(kind).filter(k -> k.providers().contains(provider)).map(k -> provider)
                .orElse("other");
    }
}
