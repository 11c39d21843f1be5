package dev.keyhouse.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Password sign-ins (form and token endpoint) on {@code /q/metrics}: {@code keyhouse_sign_ins_total{outcome}} with
 * outcome ok, failed (wrong e-mail or password, disabled account) or throttled. Never labelled by account.
 */
@Startup
@ApplicationScoped
public class SignInMetrics {

    private final Counter ok;
    private final Counter failed;
    private final Counter throttled;

    public SignInMetrics(MeterRegistry registry) {
        ok = counter(registry, "ok");
        failed = counter(registry, "failed");
        throttled = counter(registry, "throttled");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("keyhouse.sign.ins").tag("outcome", outcome)
                .description("Password sign-in attempts by outcome").register(registry);
    }

    void record(SignIn.Outcome outcome) {
        if (outcome instanceof SignIn.Outcome.SignedIn) {
            ok.increment();
        } else if (outcome instanceof SignIn.Outcome.Throttled) {
            throttled.increment();
        } else {
            failed.increment();
        }
    }
}
