package dev.keyhouse.rotation;

import java.util.List;

/**
 * {@code GET /api/v1/admin/rotate-credentials} and the top of the page: the keys in effect, values per key, whether
 * the previous key can be retired, the running job if any, and the history (newest first, without failures).
 */
public record Overview(String currentKeyId, List<String> previousKeyIds, List<KeySummary.KeyCount> keys, long total,
        long remainingUnderPreviousKeys, long underUnknownKeys, boolean previousKeyRetirable, String nextStep,
        Long runningJob, List<JobReport> jobs) {

    static Overview of(KeySummary keys, Long runningJob, List<JobReport> jobs) {
        boolean retirable = runningJob == null && keys.underPreviousKeys() == 0 && keys.underUnknownKeys() == 0;
        return new Overview(keys.currentKeyId(), keys.previousKeyIds(), keys.keys(), keys.total(),
                keys.underPreviousKeys(), keys.underUnknownKeys(), retirable, NextStep.overall(keys, runningJob), runningJob,
                jobs);
    }

    public boolean running() {
        return runningJob != null;
    }
}
