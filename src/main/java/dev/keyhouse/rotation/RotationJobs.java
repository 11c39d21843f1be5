package dev.keyhouse.rotation;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;


import org.jboss.logging.Logger;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.config.DirectConnections;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.NotFound;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;

/**
 * Starts re-encryption jobs, one at a time across every replica, runs them on a background thread and reports on
 * them. The page and the REST API both go through here.
 *
 * <p>A job holds {@link JobLock} on its own connection from start to finish; the walk's batches run on that same
 * connection. A job row still {@code running} while nobody holds the lock belongs to a process that died: whoever
 * looks next (page, API, start) marks it {@code interrupted}.
 */
@ApplicationScoped
public class RotationJobs {

    /** What a job's error says of values another transaction kept locked through every sweep ({@link NextStep}). */
    static final String LEFT_LOCKED = " kept locked by another transaction";

    static final String AUDIT_KIND = "rotation";
    static final int HISTORY = 50;
    static final int FAILURES_LISTED = 200;
    private static final String SYSTEM = "system";
    private static final Logger LOG = Logger.getLogger(RotationJobs.class);

    private final DirectConnections connections;
    private final CredentialCipher cipher;
    private final RotationConfig config;
    private final Audit audit;
    private final KeyCounts keyCounts;
    private final RotationMetrics metrics;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "keyhouse-rotation");
        thread.setDaemon(true);
        return thread;
    });

    public RotationJobs(DirectConnections connections, CredentialCipher cipher, RotationConfig config, Audit audit,
            KeyCounts keyCounts, RotationMetrics metrics) {
        this.connections = connections;
        this.cipher = cipher;
        this.config = config;
        this.audit = audit;
        this.keyCounts = keyCounts;
        this.metrics = metrics;
    }

    /**
     * Starts a job over every sealed value and returns its id at once.
     *
     * @throws Conflict naming the running job when one runs anywhere; or, with {@code "nothingToReEncrypt": true},
     *         when every value is sealed under the current key already (a job would re-encrypt nothing: the page's
     *         Start is disabled then, and the API says the same)
     */
    public long start(String actor) {
        // read in a transaction that ends before the launch: no pooled connection is held into it
        String nothing = QuarkusTransaction.joiningExisting().call(() -> overview().nothingToDo());
        if (nothing != null) {
            throw new Conflict(nothing + " No job was started.", Map.of("nothingToReEncrypt", true));
        }
        return launch(actor, null);
    }

    /** Starts a job over only the values job {@code jobId} could not read. */
    public long retryFailed(String actor, long jobId) {
        // checked in a transaction that ends before the launch: no pooled connection is held into it
        QuarkusTransaction.joiningExisting().run(() -> {
            noticeAbandoned();
            RotationJob job = RotationJob.<RotationJob>findByIdOptional(jobId)
                    .orElseThrow(() -> new NotFound("rotation job " + jobId));
            if (job.state == JobState.RUNNING) {
                throw alreadyRunning();
            }
            if (job.failed == 0) {
                throw new Conflict("rotation job " + jobId + " has no failed values to retry");
            }
        });
        return launch(actor, jobId);
    }

    /** One job's report, read in one transaction (the counts per key included: one pooled connection). */
    @Transactional
    public JobReport report(long id) {
        noticeAbandoned();
        return report(id, keyCounts.summary());
    }

    /** The keys and the latest jobs, read in one transaction (one pooled connection). */
    @Transactional
    public Overview overview() {
        noticeAbandoned();
        return overview(keyCounts.summary());
    }

    /**
     * What the rotation page shows: the overview and the report of job {@code shown} (else of the newest job, or
     * none), read as of one moment (one read-only {@code REPEATABLE READ} transaction: every statement sees the same
     * snapshot), so the key table, next step, Start button, job card and history never disagree about a job that
     * ended while they were read (issue 20, point 1). {@link #betweenReads} runs between the overview and the report.
     *
     * @throws NotFound when there is no job {@code shown}
     */
    public Snapshot snapshot(Long shown) {
        noticeAbandoned(); // may write: in its own transaction, before the read-only one
        return QuarkusTransaction.requiringNew().call(() -> {
            RotationJob.getEntityManager()
                    .createNativeQuery("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").executeUpdate();
            KeySummary keys = keyCounts.summary();
            Overview overview = overview(keys);
            betweenReads.run();
            Long id = shown != null ? shown : overview.jobs().isEmpty() ? null : overview.jobs().get(0).id();
            return new Snapshot(overview, id == null ? null : report(id, keys));
        });
    }

    /** The overview and one job's report as of one moment ({@link #snapshot}); {@code job} null when none. */
    public record Snapshot(Overview overview, JobReport job) {
    }

    /** Runs inside {@link #snapshot}, between its reads: nothing, except in a test that commits a change there. */
    private volatile Runnable betweenReads = () -> {
    };

    /** Sets what runs between {@link #snapshot}'s reads (tests only); null for nothing. */
    void betweenReads(Runnable hook) {
        betweenReads = hook == null ? () -> {
        } : hook;
    }

    private JobReport report(long id, KeySummary keys) {
        RotationJob job = RotationJob.<RotationJob>findByIdOptional(id)
                .orElseThrow(() -> new NotFound("rotation job " + id));
        return JobReport.of(job, keys, RotationFailure.ofJob(id, FAILURES_LISTED), reasons(id));
    }

    private static Overview overview(KeySummary keys) {
        List<JobReport> jobs = RotationJob.latest(HISTORY).stream()
                .map(job -> JobReport.of(job, keys, List.of(), List.of())).toList();
        Long running = jobs.stream().filter(JobReport::running).map(JobReport::id).findFirst().orElse(null);
        return Overview.of(keys, running, jobs);
    }

    public Optional<Long> latestJobId() {
        return RotationJob.latest(1).stream().map(job -> job.id).findFirst();
    }

    /**
     * The interrupted rule: when a job row says {@code running} but the job lock is free, no process is running
     * it (the lock dies with its holder's connection), so it is marked {@code interrupted}. A live job holds the
     * lock from before its row exists until after its outcome is committed, so it is never marked by mistake.
     * The lock is tried for the transaction only ({@code pg_try_advisory_xact_lock}, the same key as the job's
     * session lock), in the caller's transaction or one of its own: no second connection.
     */
    public void noticeAbandoned() {
        QuarkusTransaction.joiningExisting().run(() -> {
            if (RotationJob.count("state", JobState.RUNNING) == 0) {
                return;
            }
            Object free = RotationJob.getEntityManager().createNativeQuery("SELECT pg_try_advisory_xact_lock(?1)")
                    .setParameter(1, JobLock.KEY).getSingleResult();
            if (Boolean.TRUE.equals(free)) {
                markInterrupted();
            }
        });
    }

    void stopRunningJob(@Observes ShutdownEvent shutdown) {
        stopping.set(true);
        runner.shutdown();
        try {
            if (!runner.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("the rotation job did not stop within 30s; it will show as interrupted");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long launch(String actor, Long retryOf) {
        Connection connection = open();
        boolean handedOver = false;
        try {
            if (!JobLock.tryAcquire(connection)) {
                throw alreadyRunning();
            }
            long id = QuarkusTransaction.requiringNew().call(() -> create(actor, retryOf));
            runner.execute(() -> run(connection, id, actor, retryOf));
            handedOver = true;
            return id;
        } catch (SQLException e) {
            throw new IllegalStateException("starting a rotation job failed: " + e.getMessage(), e);
        } finally {
            if (!handedOver) {
                closeReleasing(connection);
            }
        }
    }

    /** Under the job lock: any job row still running is dead, so it is marked before the new one goes in. */
    private long create(String actor, Long retryOf) {
        markInterrupted();
        RotationJob.getEntityManager().flush();
        RotationJob job = new RotationJob();
        job.state = JobState.RUNNING;
        job.startedBy = actor;
        job.startedAt = Instant.now();
        job.heartbeatAt = job.startedAt;
        job.targetKeyId = cipher.keyRing().currentKeyId();
        job.retryOf = retryOf;
        job.persist();
        audit.record(Audit.Entry.of(actor, "rotation.started", AUDIT_KIND, "job " + job.id)
                .detail("re-encrypting under key " + KeyRing.hex(job.targetKeyId)
                        + (retryOf == null ? "" : "; only the values job " + retryOf + " could not read")));
        LOG.infof("rotation job %d started by %s: re-encrypting under key %s%s", job.id, actor,
                KeyRing.hex(job.targetKeyId), retryOf == null ? "" : " (retrying the failures of job " + retryOf + ")");
        return job.id;
    }

    private void run(Connection connection, long id, String actor, Long retryOf) {
        JobState state;
        String error = null;
        try {
            RotationWalker.Result result = new RotationWalker(cipher, config.batchSize(), metrics)
                    .walk(connection, id, retryOf, stopping::get);
            if (result.stopped()) {
                state = JobState.INTERRUPTED;
                error = "Keyhouse was shutting down";
            } else if (result.leftLocked() > 0) {
                // never "succeeded" with values left under a previous key: retiring it would lose them
                state = JobState.FAILED;
                error = result.leftLocked() + (result.leftLocked() == 1 ? " value was" : " values were")
                        + LEFT_LOCKED + " while the job ran and " + (result.leftLocked() == 1
                                ? "is" : "are") + " still under a previous key";
            } else {
                state = result.counts().failed() > 0 ? JobState.FAILED : JobState.SUCCEEDED;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.errorf(e, "rotation job %d stopped on an error", id);
            state = JobState.FAILED;
            error = "stopped on an error (" + e.getClass().getSimpleName() + "); the log has the details";
        }
        try {
            JobState outcome = state;
            String why = error;
            QuarkusTransaction.requiringNew().run(() -> finish(id, outcome, why, actor));
        } catch (RuntimeException e) {
            LOG.errorf(e, "rotation job %d: its outcome could not be recorded; it will show as interrupted", id);
        } finally {
            // only now: until its outcome is committed, the lock tells everyone the job is alive
            closeReleasing(connection);
            metrics.jobEnded();
            refreshCounts();
        }
    }

    private void finish(long id, JobState state, String error, String actor) {
        RotationJob job = RotationJob.findById(id);
        job.state = state;
        job.finishedAt = Instant.now();
        job.error = error;
        audit.record(Audit.Entry.of(state == JobState.INTERRUPTED ? SYSTEM : actor, "rotation." + state.id(),
                AUDIT_KIND, "job " + id).detail(counts(job) + "; started by " + job.startedBy));
        LOG.infof("rotation job %d: %d rewritten, %d failed (%s; %d scanned, %d already current)", id, job.rewritten,
                job.failed, state.id(), job.scanned, job.alreadyCurrent);
    }

    private void markInterrupted() {
        List<RotationJob> abandoned = RotationJob.list("state", JobState.RUNNING);
        for (RotationJob job : abandoned) {
            job.state = JobState.INTERRUPTED;
            job.finishedAt = job.heartbeatAt;
            job.error = "the process running it stopped";
            audit.record(Audit.Entry.of(SYSTEM, "rotation.interrupted", AUDIT_KIND, "job " + job.id)
                    .detail(counts(job) + "; started by " + job.startedBy + "; found with no process running it"));
            LOG.warnf("rotation job %d was interrupted (no process holds the job lock); %d rewritten before it stopped",
                    job.id, job.rewritten);
        }
    }

    private Conflict alreadyRunning() {
        Optional<Long> running = RotationJob.running().map(job -> job.id);
        return running.map(id -> new Conflict("rotation job " + id + " is running; wait for it to finish",
                Map.<String, Object>of("runningJob", id)))
                .orElseGet(() -> new Conflict("another rotation job is starting; try again in a moment"));
    }

    /** Each distinct failure reason of a job with how many values it applies to, most frequent first. */
    private static List<String> reasons(long jobId) {
        List<Object[]> rows = RotationFailure.getEntityManager().createQuery("SELECT f.reason, count(f) FROM"
                + " RotationFailure f WHERE f.jobId = ?1 GROUP BY f.reason ORDER BY count(f) DESC", Object[].class)
                .setParameter(1, jobId).getResultList();
        return rows.stream().map(r -> r[0] + " (" + r[1] + (((Number) r[1]).longValue() == 1 ? " value)" : " values)"))
                .toList();
    }

    private static String counts(RotationJob job) {
        return job.scanned + " of " + job.total + " scanned, " + job.rewritten + " rewritten, " + job.alreadyCurrent
                + " already current, " + job.failed + " failed";
    }

    /**
     * The job's connection: its own, outside the pool (it holds the job lock for the whole job, and the request that
     * starts the job then takes one pooled connection to record it, never holding a pooled one while it waits).
     */
    private Connection open() {
        try {
            return connections.open("keyhouse-rotation", 0);
        } catch (SQLException e) {
            throw new IllegalStateException("no database connection for the rotation job: " + e.getMessage(), e);
        }
    }

    private static void closeReleasing(Connection connection) {
        JobLock.release(connection);
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debugf("closing the rotation job's connection: %s", e.getMessage());
        }
    }

    private void refreshCounts() {
        try {
            keyCounts.summary();
        } catch (RuntimeException e) {
            LOG.debugf("sealed value counts not refreshed: %s", e.getMessage());
        }
    }
}
