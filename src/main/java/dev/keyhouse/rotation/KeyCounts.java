package dev.keyhouse.rotation;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import dev.keyhouse.crypto.KeyRing;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Counts sealed values per key. Every count also refreshes the per-key gauges, which a background refresh keeps
 * no older than {@value #REFRESH_SECONDS} seconds.
 */
@ApplicationScoped
public class KeyCounts {

    static final int REFRESH_SECONDS = 30;
    private static final Logger LOG = Logger.getLogger(KeyCounts.class);

    private final DataSource dataSource;
    private final KeyRing ring;
    private final RotationMetrics metrics;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "keyhouse-key-counts");
        thread.setDaemon(true);
        return thread;
    });

    public KeyCounts(DataSource dataSource, KeyRing ring, RotationMetrics metrics) {
        this.dataSource = dataSource;
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

    /** The keys in effect and the values under each, counted now. */
    public KeySummary summary() {
        Map<Long, Long> counts = new HashMap<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT key_id, count(*) FROM sealed_values GROUP BY key_id")) {
            while (rows.next()) {
                counts.put(rows.getLong(1), rows.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting sealed values per key failed: " + e.getMessage(), e);
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
