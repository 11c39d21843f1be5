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

    /** Whether every value is sealed under the current key: a job would find nothing to re-encrypt. */
    public boolean nothingToReEncrypt() {
        return remainingUnderPreviousKeys == 0 && underUnknownKeys == 0;
    }

    /**
     * Why Start is refused while no job runs (issue 20): every value is sealed under the current key, so a job
     * would find nothing to re-encrypt; null when something is left, or while a job runs (the page says that).
     */
    public String nothingToDo() {
        if (running() || !nothingToReEncrypt()) {
            return null;
        }
        return "Nothing to re-encrypt: every value (" + total + ") is sealed under the current key " + currentKeyId
                + ".";
    }
}
