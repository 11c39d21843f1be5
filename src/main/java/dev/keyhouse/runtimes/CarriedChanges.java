package dev.keyhouse.runtimes;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

/**
 * Whether a runtime's {@code failing} report may be another rollout's doing (breaker b10 M3). Every rollout restart
 * writes the current configuration, so a rollout of kind K restarting a target that depends on K and J writes into
 * it the J change of an open J rollout that has not moved that runtime itself. A failing report on that
 * configuration names no culprit: the J change is as new to the runtime as the K one.
 *
 * <p>Such a report is <em>ambiguous</em> for K's result when the restart that wrote the configuration it ran on (the
 * result's own, or a later one carrying K's change forward, {@link LaterRestarts}) began after a J rollout was created
 * and before it ended, the target depends on J, and that J rollout had not begun restarting this runtime by then. While
 * J's rollout (or the one that superseded it) is open, the report decides nothing for K. Once it ended: rolled back
 * or aborted, and it restarted the runtime since the report (its rollback restarts back what K's rollout wrote,
 * {@code Rollouts.carriedForward}), the report is of a configuration no longer there: the runtime's signals after that
 * restart decide. Any other end (succeeded, halted, or no restart since) leaves the change in place: the report counts
 * against K's result as any failing report does.
 */
@ApplicationScoped
public class CarriedChanges {

    /** What the other rollout's state makes of the report. */
    public enum Verdict {
        /** The other rollout is still open: waiting for it to decide. */
        OPEN,
        /** The other rollout was undone and restarted the runtime since the report: its next signal decides. */
        UNDONE
    }

    /**
     * Another rollout's change a failing report's configuration carried.
     *
     * @param runId the other rollout (the one that superseded it, when it was superseded since)
     * @param kind its kind
     * @param verdict open, or undone with the runtime restarted since
     * @param restartedAt for {@link Verdict#UNDONE}: when its restart of the runtime after the report began; signals
     *        count from then on
     */
    public record Carried(long runId, String kind, Verdict verdict, Instant restartedAt) {

        /**
         * What the result says meanwhile: "reported failing: invalid_key on a configuration also carrying the stt
         * change of rollout 55, still open: waiting for it to decide", or, undone, "…, rolled back and restarted
         * back since: its next signal decides".
         */
        public String text(String detail) {
            return "reported failing" + (detail == null ? "" : ": " + detail) + " on a configuration also carrying the "
                    + kind + " change of rollout " + runId + (verdict == Verdict.OPEN
                            ? ", still open: waiting for it to decide"
                            : ", rolled back and restarted back since: its next signal decides");
        }
    }

    private final EntityManager em;
    /** The drivers whose runtime is the target ({@link TargetRuntimes#ownNamed}). */
    private final List<String> ownNamed;

    public CarriedChanges(EntityManager em, RuntimeDrivers drivers) {
        this.em = em;
        this.ownNamed = TargetRuntimes.ownNamed(drivers);
    }

    /**
     * The other rollout whose change makes {@code row}'s failing report made at {@code reportedAt} ambiguous, or null
     * when the report counts against {@code run} (no such rollout, or it ended with its change in place). Reads in
     * the caller's transaction.
     */
    @SuppressWarnings("unchecked")
    public Carried of(RestartResult row, RestartRun run, Instant reportedAt) {
        if (!run.rollout || run.kind == null || row.targetId == null || row.startedAt == null || row.runtime == null) {
            return null;
        }
        boolean ownRow = ownNamed.contains(row.driver);
        // the restart that wrote the configuration the report ran on: this result's, or a later one within its window
        List<Object[]> writer = em.createNativeQuery("SELECT w.run_id, w.started_at FROM restart_results w"
                        + " WHERE w.target_id = :target AND (w.runtime = :runtime OR (:ownRow AND w.driver IN (:own)))"
                        + " AND w.started_at >= :since AND w.started_at <= :at ORDER BY w.started_at DESC, w.id DESC"
                        + " LIMIT 1")
                .setParameter("target", row.targetId).setParameter("runtime", row.runtime)
                .setParameter("ownRow", ownRow).setParameter("own", ownNamed)
                .setParameter("since", Timestamp.from(row.startedAt)).setParameter("at", Timestamp.from(reportedAt))
                .getResultList();
        Instant wrote = writer.isEmpty() ? row.startedAt : RuntimeAcks.instant(writer.get(0)[1]);
        List<Number> others = em.createNativeQuery("SELECT o.id FROM restart_runs o JOIN runtime_targets t"
                        + " ON t.id = :target WHERE o.rollout AND o.kind IS NOT NULL AND o.kind <> :kind"
                        + " AND o.kind = ANY (string_to_array(t.depends_on, ',')) AND o.created_at < :wrote"
                        + " AND (o.finished_at IS NULL OR o.finished_at > :wrote)"
                        + " AND EXISTS (SELECT 1 FROM restart_results p WHERE p.run_id = o.id"
                        + " AND p.target_id = :target)"
                        + " AND NOT EXISTS (SELECT 1 FROM restart_results p WHERE p.run_id = o.id"
                        + " AND p.target_id = :target AND (p.runtime = :runtime OR (:ownRow AND p.driver IN (:own)))"
                        + " AND p.started_at <= :wrote) ORDER BY o.id")
                .setParameter("target", row.targetId).setParameter("kind", run.kind)
                .setParameter("runtime", row.runtime).setParameter("ownRow", ownRow).setParameter("own", ownNamed)
                .setParameter("wrote", Timestamp.from(wrote)).getResultList();
        Carried undone = null;
        for (Number other : others) {
            RestartRun head = RestartRun.findById(other.longValue());
            for (int hops = 0; head != null && RestartRun.SUPERSEDED.equals(head.state) && head.supersededBy != null
                    && hops < 100; hops++) {
                head = RestartRun.findById(head.supersededBy);
            }
            if (head == null) {
                continue;
            }
            if (RestartRun.RUNNING.equals(head.state) || RestartRun.WAITING_APPROVAL.equals(head.state)
                    || RestartRun.ROLLING_BACK.equals(head.state)) {
                return new Carried(head.id, head.kind, Verdict.OPEN, null);
            }
            if (undone == null && (RestartRun.ROLLED_BACK.equals(head.state)
                    || RestartRun.ABORTED.equals(head.state))) {
                Object back = em.createNativeQuery("SELECT min(r.started_at) FROM restart_results r"
                                + " WHERE r.run_id = :head AND r.target_id = :target AND (r.runtime = :runtime"
                                + " OR (:ownRow AND r.driver IN (:own))) AND r.started_at > :at")
                        .setParameter("head", head.id).setParameter("target", row.targetId)
                        .setParameter("runtime", row.runtime).setParameter("ownRow", ownRow)
                        .setParameter("own", ownNamed).setParameter("at", Timestamp.from(reportedAt))
                        .getSingleResult();
                if (back != null) {
                    undone = new Carried(head.id, head.kind, Verdict.UNDONE, RuntimeAcks.instant(back));
                }
            }
        }
        return undone;
    }
}
