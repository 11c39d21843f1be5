package dev.keyhouse.checks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.keyhouse.settings.ProviderEntries;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.ProviderSettings;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Checks every configured kind's stored key, and each enabled fallback entry's (issue 19), in the background, every
 * {@code PROVIDER_CHECK_INTERVAL_SECONDS} (0: never), with the same non-billed calls as any check ({@link ProviderChecks}), and records each outcome
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
    private final ProviderEntries entries;
    private final ProviderChecks checks;
    private final LastChecks lastChecks;
    private final int intervalSeconds;

    public BackgroundChecks(ProviderSettings settings, ProviderEntries entries, ProviderChecks checks,
            LastChecks lastChecks,
            @ConfigProperty(name = "keyhouse.checks.interval-seconds", defaultValue = "900") int intervalSeconds) {
        this.settings = settings;
        this.entries = entries;
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
     * Checks every kind that is due and this replica could claim, one after the other, and after each kind its
     * enabled fallbacks that are due ({@link #checkFallbacks}).
     *
     * @return the outcomes, in kind order (a kind's primary, then its fallbacks by position); empty when background
     *         checks are off or nothing was due
     */
    @Transactional(Transactional.TxType.NEVER)
    public List<CheckOutcome> runDue() {
        List<CheckOutcome> outcomes = new ArrayList<>();
        if (enabled()) {
            for (ProviderKind kind : ProviderKind.values()) {
                check(kind).ifPresent(outcomes::add);
                outcomes.addAll(checkFallbacks(kind));
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
        return settings.storedKey(kind).flatMap(stored -> run(kind.id(), stored, new Claims(
                (fingerprint, interval) -> lastChecks.claim(kind, fingerprint, interval),
                () -> lastChecks.release(kind),
                (provider, fingerprint, outcome) -> lastChecks.record(kind, provider, fingerprint, outcome))));
    }

    /**
     * Checks each enabled fallback of {@code kind} whose stored key is due and this replica claims, on the same
     * interval as the kind ({@link LastChecks#claimEntry}: due once per interval, or at once when its key is not the
     * one last checked), recording each outcome as that entry's ({@link LastChecks#recordEntry}). A disabled fallback
     * is not checked. No transaction may be open, as for {@link #check}.
     *
     * @return the outcomes recorded, by position; empty for a kind without fallbacks or when checks are off
     */
    @Transactional(Transactional.TxType.NEVER)
    public List<CheckOutcome> checkFallbacks(ProviderKind kind) {
        List<CheckOutcome> outcomes = new ArrayList<>();
        if (!enabled()) {
            return outcomes;
        }
        entries.storedKeys(kind).forEach((id, stored) -> run(kind.id() + " fallback " + id, stored, new Claims(
                (fingerprint, interval) -> lastChecks.claimEntry(kind, id, fingerprint, interval),
                () -> lastChecks.releaseEntry(kind, id),
                (provider, fingerprint, outcome) -> lastChecks.recordEntry(kind, id, provider, fingerprint, outcome)))
                .ifPresent(outcomes::add));
        return outcomes;
    }

    /** Where one stored key's claims and outcomes are kept: a kind's primary or a fallback entry. */
    private record Claims(java.util.function.BiPredicate<String, Duration> claim, Runnable release,
            Recorder recorder) {
    }

    /** Records an outcome: {@link LastChecks#record} or {@link LastChecks#recordEntry}. */
    @FunctionalInterface
    private interface Recorder {
        void record(String provider, String fingerprint, CheckOutcome outcome);
    }

    /**
     * Claims, checks and records one stored key ({@code what}: "llm", "llm fallback 12" in the log).
     *
     * @return the outcome recorded; empty when not claimed, or when the check could not run (claim given back)
     */
    private Optional<CheckOutcome> run(String what, ProviderSettings.StoredKey stored, Claims claims) {
        String fingerprint = stored.fingerprint();
        if (!claims.claim().test(fingerprint, Duration.ofSeconds(intervalSeconds))) {
            return Optional.empty();
        }
        CheckTarget target = stored.target();
        CheckOutcome outcome;
        try {
            outcome = checks.check(target);
        } catch (ChecksBusy e) {
            LOG.infof("background check of %s postponed: every check slot is busy", what);
            claims.release().run();
            return Optional.empty();
        } catch (dev.keyhouse.web.FieldErrors e) {
            // a vault: reference that cannot be resolved: nothing was sent; runtime-config reports it too
            LOG.warnf("background check of %s not run: %s", what, e.getMessage());
            claims.release().run();
            return Optional.empty();
        }
        claims.recorder().record(target.provider(), fingerprint, outcome);
        return Optional.of(outcome);
    }
}
