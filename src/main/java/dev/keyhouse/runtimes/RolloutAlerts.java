package dev.keyhouse.runtimes;

import org.jboss.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

/**
 * A rollout's final outcome, told to operators once it is committed ({@link RolloutEnded}): a log line —
 * {@code rolled_back} and {@code halted} at ERROR, {@code aborted} and {@code superseded} at WARN, {@code succeeded} at
 * INFO, e.g. {@code rollout of run 12 (llm version 7) halted: the new key and the previous key both fail: invalid_key
 * / invalid_key — enter a working key} — one count of {@code keyhouse_rollouts_total{outcome}} ({@link RolloutMetrics})
 * and, for the outcomes {@link RolloutNotifier#SENT_FOR}, a signed event to {@code ROLLOUT_NOTIFY_URL}. The line holds
 * the run, kind, versions and the engine's reason, which never holds a secret; nothing else is added.
 */
@ApplicationScoped
public class RolloutAlerts {

    private static final Logger LOG = Logger.getLogger(RolloutAlerts.class);

    private final RolloutMetrics metrics;
    private final RolloutNotifier notifier;

    public RolloutAlerts(RolloutMetrics metrics, RolloutNotifier notifier) {
        this.metrics = metrics;
        this.notifier = notifier;
    }

    /** Logs, counts and (for an alert) queues the event; never throws into the engine, never blocks on the network. */
    void ended(@Observes(during = TransactionPhase.AFTER_SUCCESS) RolloutEnded ended) {
        try {
            LOG.log(level(ended.outcome()), line(ended));
            metrics.ended(ended.outcome());
            notifier.send(ended);
        } catch (RuntimeException e) {
            // an alert must never reach the rollout that raised it
            LOG.warnf("rollout alert for run %d failed: %s", ended.runId(), e.getClass().getName());
        }
    }

    /** ERROR for what needs a person (rolled back, halted), WARN for a stopped rollout, INFO for success. */
    static Logger.Level level(String outcome) {
        return switch (outcome) {
            case RestartRun.ROLLED_BACK, RestartRun.HALTED -> Logger.Level.ERROR;
            case RestartRun.SUCCEEDED -> Logger.Level.INFO;
            default -> Logger.Level.WARN;
        };
    }

    /**
     * The log line: {@code rollout of run N (<kind> version V) <outcome in words>[ to version R][: <reason>]}, e.g.
     * {@code rollout of run 12 (llm version 7) rolled back to version 8: canary chat-1 reported failing: invalid_key}.
     */
    static String line(RolloutEnded ended) {
        StringBuilder line = new StringBuilder("rollout of run ").append(ended.runId()).append(" (")
                .append(ended.kind()).append(" version ").append(ended.settingsVersion()).append(") ")
                .append(ended.outcome().replace('_', ' '));
        if (ended.rollbackVersion() != null) {
            line.append(RestartRun.ROLLED_BACK.equals(ended.outcome()) ? " to version " : ", rolled back to version ")
                    .append(ended.rollbackVersion());
        }
        if (ended.reason() != null && !ended.reason().isBlank()) {
            line.append(": ").append(ended.reason());
        }
        return line.toString();
    }
}
