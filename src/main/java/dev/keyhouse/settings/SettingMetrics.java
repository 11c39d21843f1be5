package dev.keyhouse.settings;

import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

/**
 * Provider setting saves on {@code /q/metrics}: {@code keyhouse_setting_saves_total{kind}}, one per new version that
 * committed (a save, a rollback or the first-start bootstrap); a save that rolled back is not counted.
 */
@Startup
@ApplicationScoped
public class SettingMetrics {

    private final Map<ProviderKind, Counter> saves = new EnumMap<>(ProviderKind.class);

    public SettingMetrics(MeterRegistry registry) {
        for (ProviderKind kind : ProviderKind.values()) {
            saves.put(kind, Counter.builder("keyhouse.setting.saves").tag("kind", kind.id())
                    .description("Provider setting versions saved, by kind").register(registry));
        }
    }

    void saved(@Observes(during = TransactionPhase.AFTER_SUCCESS) SettingSaved event) {
        ProviderKind.parse(event.kind()).map(saves::get).ifPresent(Counter::increment);
    }
}
