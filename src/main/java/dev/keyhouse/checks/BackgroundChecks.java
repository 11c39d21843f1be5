package dev.keyhouse.checks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.ProviderSettings;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Checks every configured kind's stored key in the background, every {@code PROVIDER_CHECK_INTERVAL_SECONDS}
 * (0: never), with the same non-billed calls as any check ({@link ProviderChecks}), and records each outcome
 * ({@link LastChecks}). It never restarts anything and never changes a setting.
 *
 * <p>Every poll ({@code keyhouse.checks.poll}, 60 s) looks at each kind: its stored values are read and the secret
 * opened in one short transaction, the kind is claimed in another ({@link LastChecks#claim}: due once per interval,
 * or at once when the stored key is not the one last checked), the check runs with no transaction open, and the
 * outcome is recorded in a third. With several replicas only the one whose claim matched checks a kind.
 */
@ApplicationScoped
public class BackgroundChecks {

    private static final Logger LOG = Logger.getLogger(BackgroundChecks.class);

    private final ProviderSettings settings;
    private final ProviderChecks checks;
    private final LastChecks lastChecks;
    private final int intervalSeconds;

    public BackgroundChecks(ProviderSettings settings, ProviderChecks checks, LastChecks lastChecks,
            @ConfigProperty(name = "keyhouse.checks.interval-seconds", defaultValue = "900") int intervalSeconds) {
        this.settings = settings;
        this.checks = checks;
        this.lastChecks = lastChecks;
        this.intervalSeconds = intervalSeconds;
    }

    @Scheduled(every = "${keyhouse.checks.poll:60s}", delayed = "${keyhouse.checks.poll-delay:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        try {
            lastChecks.refreshMetrics();
            runDue();
        } catch (RuntimeException e) {
            LOG.warnf("background provider checks failed (%s); the next poll tries again", e.getClass().getName());
        }
    }

    /** Whether background checks are on ({@code PROVIDER_CHECK_INTERVAL_SECONDS} is not 0). */
    public boolean enabled() {
        return intervalSeconds > 0;
    }

    /**
     * Checks every kind that is due and this replica could claim, one after the other.
     *
     * @return the outcomes, in kind order; empty when background checks are off or nothing was due
     */
    @Transactional(Transactional.TxType.NEVER)
    public List<CheckOutcome> runDue() {
        List<CheckOutcome> outcomes = new ArrayList<>();
        if (enabled()) {
            for (ProviderKind kind : ProviderKind.values()) {
                check(kind).ifPresent(outcomes::add);
            }
        }
        return outcomes;
    }

    /**
     * Checks {@code kind}'s stored key if it is due and this replica claims it. Must be called with no transaction
     * open: a check may wait for the provider up to its timeout, and must hold no database connection meanwhile.
     *
     * @return the outcome recorded; empty when checks are off, the kind has no stored key, it was not due, another
     *         replica claimed it, or every check slot was busy (the claim is then given back)
     */
    @Transactional(Transactional.TxType.NEVER)
    public Optional<CheckOutcome> check(ProviderKind kind) {
        if (!enabled()) {
            return Optional.empty();
        }
        Optional<ProviderSettings.StoredKey> stored = settings.storedKey(kind);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        String fingerprint = stored.get().fingerprint();
        if (!lastChecks.claim(kind, fingerprint, Duration.ofSeconds(intervalSeconds))) {
            return Optional.empty();
        }
        CheckTarget target = stored.get().target();
        CheckOutcome outcome;
        try {
            outcome = checks.check(target);
        } catch (ChecksBusy e) {
            LOG.infof("background check of %s postponed: every check slot is busy", kind.id());
            lastChecks.release(kind);
            return Optional.empty();
        } catch (dev.keyhouse.web.FieldErrors e) {
            // a vault: reference that cannot be resolved: nothing was sent; runtime-config reports it too
            LOG.warnf("background check of %s not run: %s", kind.id(), e.getMessage());
            lastChecks.release(kind);
            return Optional.empty();
        }
        lastChecks.record(kind, target.provider(), fingerprint, outcome);
        return Optional.of(outcome);
    }
}
