package dev.keyhouse.rotation;

import java.util.List;

import dev.keyhouse.config.EnvCatalog;

/** What the operator should do next, in plain words. */
final class NextStep {

    private static final String PREVIOUS = EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS;

    private NextStep() {
    }

    /** @param reasons each distinct failure reason with its count ("2 × written under key …"), maybe empty */
    static String forJob(RotationJob job, KeySummary keys, List<String> reasons) {
        return switch (job.state) {
            case RUNNING -> "Job " + job.id + " is running: " + job.scanned + " of " + job.total
                    + " values checked so far. Saves go on as usual while it runs.";
            case INTERRUPTED -> "Job " + job.id + " was interrupted before it finished (" + orDefault(job.error,
                    "Keyhouse stopped while it ran") + "). Nothing was lost: every value it rewrote is committed and"
                    + " the others are untouched. Start the job again to finish.";
            case FAILED -> {
                boolean leftLocked = job.error != null && job.error.contains(RotationJobs.LEFT_LOCKED);
                String locked = "Job " + job.id + " did not finish: " + job.error + ". Start the job again once the"
                        + " saves holding them have ended; keep " + PREVIOUS + " until a job succeeds.";
                yield job.failed > 0 ? couldNotDecrypt(job, reasons) + (leftLocked ? " " + locked : "")
                        : leftLocked ? locked
                        : "Job " + job.id + " stopped on an error (" + orDefault(job.error, "see the log")
                                + "). Start the job again; values already rewritten stay rewritten.";
            }
            case SUCCEEDED -> afterSuccess(keys);
        };
    }

    static String overall(KeySummary keys, Long runningJob) {
        if (runningJob != null) {
            return "Job " + runningJob + " is running; wait for it to finish.";
        }
        if (keys.underUnknownKeys() > 0) {
            return keys.underUnknownKeys() + " values are under a key that is not configured: add that key to " + PREVIOUS
                    + " and restart, then run the job; or replace those values. Keep " + PREVIOUS + " until then.";
        }
        if (keys.underLegacyKeyIds() > 0) {
            return keys.underPreviousKeys() + " values are still under a previous key or under the legacy (SHA-256)"
                    + " id an earlier Keyhouse gave a configured key (" + keys.underLegacyKeyIds() + " of them): start"
                    + " the job to re-encrypt them under the current key " + keys.currentKeyId()
                    + ". Keep every key configured until it has finished.";
        }
        if (keys.underPreviousKeys() > 0) {
            return keys.underPreviousKeys() + " values are still under a previous key: start the job to re-encrypt them"
                    + " under the current key " + keys.currentKeyId() + ".";
        }
        return afterSuccess(keys);
    }

    private static String afterSuccess(KeySummary keys) {
        if (keys.underPreviousKeys() > 0) {
            return keys.underPreviousKeys() + " values are still under a previous key (written or held by someone"
                    + " else while the job ran): run the job again.";
        }
        if (!keys.hasPreviousKeys()) {
            return "Every value is under the current key " + keys.currentKeyId()
                    + " and no previous key is configured: nothing to retire.";
        }
        return "Every value is under the current key " + keys.currentKeyId() + ". Remove " + PREVIOUS
                + " and restart.";
    }

    private static String couldNotDecrypt(RotationJob job, List<String> reasons) {
        return job.failed + " values could not be decrypted" + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons))
                + ". They were left untouched. If a key is missing, add it to " + PREVIOUS
                + " and restart, then retry the failed values; otherwise replace those values. Keep " + PREVIOUS
                + " until then.";
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
