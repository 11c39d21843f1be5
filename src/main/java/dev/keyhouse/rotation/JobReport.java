package dev.keyhouse.rotation;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.keyhouse.crypto.KeyRing;

/**
 * A job as the page and the API report it: progress, outcome, each failure (purpose and reason, never content) and
 * what to do next. {@code remainingUnderPreviousKeys} is counted now, not when the job ended.
 */
public record JobReport(long id, String state, String startedBy, Instant startedAt, Instant finishedAt,
        Instant heartbeatAt, String targetKeyId, Long retryOf, long total, long scanned, long rewritten,
        long alreadyCurrent, long failed, List<Failure> failures, long remainingUnderPreviousKeys,
        boolean previousKeyRetirable, String nextStep, String error) {

    /** A value the job left untouched because it could not read it. */
    public record Failure(UUID sealedValueId, String purpose, String keyId, String reason) {

        static Failure of(RotationFailure f) {
            return new Failure(f.sealedValueId, f.purpose, KeyRing.hex(f.keyId), f.reason);
        }
    }

    static JobReport of(RotationJob job, KeySummary keys, List<RotationFailure> failures, List<String> reasons) {
        boolean retirable = job.state == JobState.SUCCEEDED && job.failed == 0 && keys.underPreviousKeys() == 0;
        return new JobReport(job.id, job.state.id(), job.startedBy, job.startedAt, job.finishedAt, job.heartbeatAt,
                KeyRing.hex(job.targetKeyId), job.retryOf, job.total, job.scanned, job.rewritten, job.alreadyCurrent,
                job.failed, failures.stream().map(Failure::of).toList(), keys.underPreviousKeys(), retirable,
                NextStep.forJob(job, keys, reasons), job.error);
    }

    public boolean running() {
        return JobState.RUNNING.id().equals(state);
    }

    /** A finished job with failures can re-run just those. */
    public boolean retryable() {
        return !running() && failed > 0;
    }

    /** Share of {@code total} checked so far, 0 to 100. */
    public int percent() {
        if (total == 0) {
            return running() ? 0 : 100;
        }
        return (int) Math.min(100, scanned * 100 / total);
    }

    /** Failures the report lists are capped; this says how many more there are. */
    public long failuresNotListed() {
        return Math.max(0, failed - failures.size());
    }
}
