package dev.keyhouse.runtimes;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

/**
 * The one rule for what a runtime's later restarts do to an earlier restart's result: which of the runtime's signals
 * (fetches, status reports, health) still count for it. Read by the rollout gate ({@link Rollouts}), a run's report
 * ({@link RestartRuns#report}) and whether its pages poll ({@link RunView#canChange}).
 *
 * <p>A later restart of a rollout's runtime <em>carries the change forward</em> when what it restarts the runtime
 * onto still contains the change the rollout rolled out: it is a restart by another run (never the rollout's own
 * rollback), and no later rollout of the same kind (a newer save, an admin's rollback, a fallback change) existed
 * when it began, so the runtime was released from the rollout's pin (its result is past {@code waiting}) and is held
 * nowhere else at an older configuration of that kind. A runtime confirming two rollouts at once (llm saved, then stt
 * while llm's canary has not confirmed; a shared secret linked to the canary; "Restart now" on it) is restarted again
 * by such a restart: its signals after it, on a configuration version no older than the result's, still count.
 *
 * <p>Any other later restart (the rollout's own rollback; one after a later change of the same kind; any restart
 * after a run that is not a rollout — restart now, a shared secret's run —, which rolls out no change of its own and
 * stays as it ended, V25) ends the result's window: nothing after it counts. So does the target's deletion or a
 * rename of a target whose runtime is the target ({@link RestartQueue#settleDeleted},
 * {@link RestartQueue#settleRenamed}).
 */
@ApplicationScoped
public class LaterRestarts {

    /**
     * What later restarts left of a result's window.
     *
     * @param closedAt when the restart that ended the window began (or the target was deleted or renamed); null while
     *        the window is open: a signal after the result's restart still counts
     * @param closedBy why it ended, to follow "before it was": "restarted again by run 16", "its target was deleted",
     *        "its target was renamed"; null while open
     * @param carriedAt when the latest later restart that carried the change forward ended (now while it is under
     *        way); null when none did. The window's time to confirm ({@code ROLLOUT_CONFIRM_TIMEOUT_SECONDS}) counts
     *        from it
     * @param kept the fetches kept on the result and on each restart that carried the change (each runtime's last
     *        fetch before its next restart, V25), newest first; with the window closed, the only fetches that count
     */
    public record Window(Instant closedAt, String closedBy, Instant carriedAt, List<RuntimeAcks.Ack> kept) {

        /** No later restart: every signal since the restart counts. */
        static final Window OPEN = new Window(null, null, null, List.of());

        /** Whether a later restart (or the target's deletion or rename) ended it. */
        public boolean closed() {
            return closedAt != null;
        }

        /**
         * Whether a signal of {@code runtime} at {@code at} counts for a result whose runtime answers to {@code name}
         * now ({@link TargetRuntimes#namesNow}: a renamed command, systemd or http target's new name): made under that
         * name, since {@code since} (its restart began) and before the window closed.
         */
        boolean counts(String name, String runtime, Instant at, Instant since) {
            return RuntimeAcks.matches(name, runtime) && !at.isBefore(since)
                    && (closedAt == null || at.isBefore(closedAt));
        }

        /**
         * As {@link #counts(String, String, Instant, Instant)}, made under any of {@code names}
         * ({@link TargetRuntimes.NamesNow#all}: the name the runtime answers to now, and the one it was restarted
         * under when its target was renamed since, which no other target has now).
         */
        boolean counts(java.util.Collection<String> names, String runtime, Instant at, Instant since) {
            return names.stream().anyMatch(name -> counts(name, runtime, at, since));
        }

        /** The newest fetch kept within the window; null without one. */
        RuntimeAcks.Ack newestKept() {
            return kept.isEmpty() ? null : kept.get(0);
        }
    }

    /** {@link Window#closedBy()} of a window its target's deletion ended. */
    static final String DELETED = "its target was deleted";

    private final EntityManager em;
    /** The drivers whose runtime is the target ({@link TargetRuntimes#ownNamed}). */
    private final List<String> ownNamed;

    public LaterRestarts(EntityManager em, RuntimeDrivers drivers) {
        this.em = em;
        this.ownNamed = TargetRuntimes.ownNamed(drivers);
    }

    /**
     * The window of {@code row}, a result of {@code run}: {@link Window#OPEN} while the runtime was not restarted
     * since ({@code nextStartedAt} null); else its later restarts, in order, each either carrying the change forward
     * (the window stays open, its time counting from that restart) or ending it. Reads in the caller's transaction.
     */
    @SuppressWarnings("unchecked")
    public Window of(RestartResult row, RestartRun run) {
        if (row.nextStartedAt == null || row.startedAt == null) {
            return Window.OPEN;
        }
        List<RuntimeAcks.Ack> kept = new ArrayList<>();
        keep(kept, row.runtime, row.ackVersion, row.ackFingerprint, row.ackedAt);
        List<Object[]> later = row.targetId == null ? List.of() : em.createNativeQuery("SELECT n.run_id,"
                        + " n.started_at, n.finished_at, n.next_started_at, n.ack_version, n.ack_fingerprint, n.acked_at,"
                        + " EXISTS (SELECT 1 FROM restart_runs m WHERE m.id > :run AND m.created_at <= n.started_at"
                        + " AND m.rollout AND m.kind = :kind) AS changed"
                        + " FROM restart_results n WHERE n.target_id = :target"
                        + " AND (n.runtime = :runtime OR (:ownRow AND n.driver IN (:own))) AND n.started_at > :started"
                        + " ORDER BY n.started_at, n.id")
                .setParameter("run", run.id).setParameter("kind", Objects.toString(run.kind, ""))
                .setParameter("target", row.targetId)
                .setParameter("runtime", row.runtime).setParameter("ownRow", ownNamed.contains(row.driver))
                .setParameter("own", ownNamed).setParameter("started", Timestamp.from(row.startedAt)).getResultList();
        Instant next = row.nextStartedAt;
        Instant carried = null;
        for (Object[] n : later) {
            long by = ((Number) n[0]).longValue();
            Instant started = RuntimeAcks.instant(n[1]);
            if (!started.equals(next)) {
                // the window ended before this restart: the target was renamed (or deleted) in between
                break;
            }
            if (!run.rollout || by == run.id || Boolean.TRUE.equals(n[7])) {
                return new Window(started, "restarted again by run " + by, carried, sorted(kept));
            }
            Instant finished = RuntimeAcks.instant(n[2]);
            carried = finished == null ? Instant.now() : finished;
            keep(kept, row.runtime, n[4] == null ? null : ((Number) n[4]).longValue(), (String) n[5],
                    RuntimeAcks.instant(n[6]));
            next = RuntimeAcks.instant(n[3]);
            if (next == null) {
                return new Window(null, null, carried, sorted(kept));
            }
        }
        return new Window(next, row.targetId == null ? DELETED : "its target was renamed", carried,
                sorted(kept));
    }

    private static void keep(List<RuntimeAcks.Ack> kept, String runtime, Long version, String fingerprint, Instant at) {
        if (at != null && version != null) {
            kept.add(new RuntimeAcks.Ack(runtime, version, fingerprint, at));
        }
    }

    private static List<RuntimeAcks.Ack> sorted(List<RuntimeAcks.Ack> kept) {
        return kept.stream().sorted(java.util.Comparator.comparing(RuntimeAcks.Ack::at).reversed()).toList();
    }
}
