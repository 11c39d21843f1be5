package dev.keyhouse.rotation;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Rotation on {@code /q/metrics}: {@code keyhouse_sealed_values{key_id, status}}, the running job's
 * {@code keyhouse_rotation_job_scanned} of {@code keyhouse_rotation_job_total}, and the
 * {@code keyhouse_rotation_rewritten_total} / {@code keyhouse_rotation_failures_total} counters, and
 * {@code keyhouse_rotation_batch_values} (values per committed batch: ROTATION_BATCH_SIZE at most, its count the
 * number of transactions the jobs committed).
 */
@ApplicationScoped
public class RotationMetrics implements RotationWalker.Listener {

    private final MultiGauge sealedValues;
    private final AtomicLong jobId = new AtomicLong();
    private final AtomicLong jobScanned = new AtomicLong();
    private final AtomicLong jobTotal = new AtomicLong();
    private final AtomicLong jobRunning = new AtomicLong();
    private final Counter rewritten;
    private final Counter failures;
    private final DistributionSummary batchValues;

    public RotationMetrics(MeterRegistry registry) {
        sealedValues = MultiGauge.builder("keyhouse.sealed.values")
                .description("Sealed values per encryption key id; status is current, previous or unknown (not configured)")
                .register(registry);
        Gauge.builder("keyhouse.rotation.job.scanned", jobScanned, AtomicLong::get)
                .description("Values the running (or last) re-encryption job has checked").register(registry);
        Gauge.builder("keyhouse.rotation.job.total", jobTotal, AtomicLong::get)
                .description("Values the running (or last) re-encryption job set out to check").register(registry);
        Gauge.builder("keyhouse.rotation.job.running", jobRunning, AtomicLong::get)
                .description("1 while a re-encryption job runs in this process").register(registry);
        Gauge.builder("keyhouse.rotation.job.id", jobId, AtomicLong::get)
                .description("Id of the running (or last) re-encryption job of this process").register(registry);
        rewritten = Counter.builder("keyhouse.rotation.rewritten")
                .description("Values re-encrypted under the current key").register(registry);
        failures = Counter.builder("keyhouse.rotation.failures")
                .description("Values a re-encryption job could not decrypt and left untouched").register(registry);
        batchValues = DistributionSummary.builder("keyhouse.rotation.batch.values")
                .description("Values checked per committed re-encryption batch (at most ROTATION_BATCH_SIZE)")
                .register(registry);
    }

    /** Replaces the per-key gauges with the latest counts. */
    public void keys(KeySummary summary) {
        sealedValues.register(summary.keys().stream()
                .map(k -> MultiGauge.Row.of(Tags.of("key_id", k.keyId(), "status", k.status().metricTag()), k.values()))
                .toList(), true);
    }

    @Override
    public void totalKnown(long id, long total) {
        jobId.set(id);
        jobTotal.set(total);
        jobScanned.set(0);
        jobRunning.set(1);
    }

    @Override
    public void batchCommitted(long id, RotationWalker.Counts batch) {
        jobScanned.addAndGet(batch.scanned());
        batchValues.record(batch.scanned());
        rewritten.increment(batch.rewritten());
        failures.increment(batch.failed());
    }

    void jobEnded() {
        jobRunning.set(0);
    }
}
