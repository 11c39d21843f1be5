package dev.keyhouse.rotation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.keyhouse.crypto.KeyRing;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Counts sealed values per key. Every count also refreshes the per-key gauges, which a background refresh keeps
 * no older than {@value #REFRESH_SECONDS} seconds.
 */
@ApplicationScoped
public class KeyCounts {

    static final int REFRESH_SECONDS = 30;
    private static final Logger LOG = Logger.getLogger(KeyCounts.class);

    private final EntityManager em;
    private final KeyRing ring;
    private final RotationMetrics metrics;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "keyhouse-key-counts");
        thread.setDaemon(true);
        return thread;
    });

    public KeyCounts(EntityManager em, KeyRing ring, RotationMetrics metrics) {
        this.em = em;
        this.ring = ring;
        this.metrics = metrics;
    }

    void refreshPeriodically(@Observes StartupEvent started) {
        refresher.scheduleWithFixedDelay(this::refreshQuietly, 0, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        refresher.shutdownNow();
    }

    /** The keys in effect and the values under each, counted now (in the caller's transaction, if any). */
    @Transactional
    @SuppressWarnings("unchecked")
    public KeySummary summary() {
        Map<Long, Long> counts = new HashMap<>();
        for (Object[] row : (List<Object[]>) em.createNativeQuery(
                "SELECT key_id, count(*) FROM sealed_values GROUP BY key_id").getResultList()) {
            counts.put(((Number) row[0]).longValue(), ((Number) row[1]).longValue());
        }
        KeySummary summary = KeySummary.of(ring, counts);
        metrics.keys(summary);
        return summary;
    }

    private void refreshQuietly() {
        try {
            summary();
        } catch (RuntimeException e) {
            LOG.debugf("sealed value counts not refreshed: %s", e.getMessage());
        }
    }
}
