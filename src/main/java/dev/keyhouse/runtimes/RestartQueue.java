package dev.keyhouse.runtimes;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.keyhouse.audit.Audit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * The database side of executing restart runs: claiming open results ({@code FOR UPDATE SKIP LOCKED}, so replicas
 * never claim the same row, plus a lease so a dead replica's claims are taken over), expanding a planned row into
 * one row per runtime, recording outcomes, and finishing a run when its last result is final. Each outcome is
 * written only by the claim that holds the row (same replica, same attempt), so a replica whose lease was taken
 * over cannot overwrite its successor's result.
 */
@ApplicationScoped
public class RestartQueue {

    private static final Logger LOG = Logger.getLogger(RestartQueue.class);

    /**
     * One result row this replica holds. {@code runtime} null: the target's planned row, still to discover.
     * {@code rollout}: the run goes out in waves (discovered runtimes wait for their wave).
     */
    public record Claim(long id, long runId, Long targetId, String targetName, String driver, String runtime,
            int attempts, String claimedBy, boolean rollout) {

        public Claim(long id, long runId, Long targetId, String targetName, String driver, String runtime,
                int attempts, String claimedBy) {
            this(id, runId, targetId, targetName, driver, runtime, attempts, claimedBy, false);
        }
    }

    /** A run this replica finished. */
    public record Finished(long runId, String state, Duration duration) {
    }

    private final EntityManager em;
    private final Audit audit;
    private final Instance<RestartRuns> runs;
    private final RuntimeAcks acks;
    /** The drivers whose runtime is the target ({@link TargetRuntimes#ownNamed}). */
    private final List<String> ownNamed;

    public RestartQueue(EntityManager em, Audit audit, Instance<RestartRuns> runs, RuntimeAcks acks,
            RuntimeDrivers drivers) {
        this.em = em;
        this.audit = audit;
        this.runs = runs;
        this.acks = acks;
        this.ownNamed = TargetRuntimes.ownNamed(drivers);
    }

    /**
     * Claims up to {@code limit} results that are due: pending ones, and running ones whose lease ran out; none of a
     * paused run.
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Claim> claim(String replica, int limit, Duration lease) {
        List<Object[]> rows = em.createNativeQuery("""
                WITH picked AS (
                    SELECT id FROM restart_results
                    WHERE ((state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= now()))
                       OR (state = 'running' AND lease_until < now()))
                      AND run_id NOT IN (SELECT id FROM restart_runs WHERE paused)
                    ORDER BY id LIMIT :limit
                    FOR UPDATE SKIP LOCKED)
                UPDATE restart_results r SET state = 'running', claimed_by = :me, attempts = r.attempts + 1,
                    lease_until = now() + make_interval(secs => :lease), started_at = coalesce(r.started_at, now()),
                    next_attempt_at = NULL
                FROM picked, restart_runs u WHERE r.id = picked.id AND u.id = r.run_id
                RETURNING r.id, r.run_id, r.target_id, r.target_name, r.driver, r.runtime, r.attempts, u.rollout""")
                .setParameter("limit", limit)
                .setParameter("me", replica)
                .setParameter("lease", (double) lease.toMillis() / 1000)
                .getResultList();
        List<Claim> claims = new ArrayList<>();
        for (Object[] row : rows) {
            claims.add(new Claim(((Number) row[0]).longValue(), ((Number) row[1]).longValue(),
                    row[2] == null ? null : ((Number) row[2]).longValue(), (String) row[3], (String) row[4],
                    (String) row[5], ((Number) row[6]).intValue(), replica, Boolean.TRUE.equals(row[7])));
        }
        return claims;
    }

    /**
     * A planned row's runtimes are known: the row becomes the first runtime's result and one row is added per
     * further runtime, with fresh attempts: pending, or in a rollout waiting for their wave.
     */
    @Transactional
    public boolean expand(Claim claim, List<String> runtimes) {
        lockRun(claim.runId());
        String state = claim.rollout() ? RestartResult.WAITING : RestartResult.PENDING;
        int updated = em.createNativeQuery("UPDATE restart_results SET runtime = :runtime, state = :state,"
                        + " attempts = 0, claimed_by = NULL, lease_until = NULL, started_at = NULL, error = NULL"
                        + " WHERE id = :id AND claimed_by = :me AND attempts = :attempts AND state = 'running'")
                .setParameter("runtime", runtimes.get(0)).setParameter("state", state)
                .setParameter("id", claim.id()).setParameter("me", claim.claimedBy())
                .setParameter("attempts", claim.attempts()).executeUpdate();
        if (updated == 0) {
            return false;
        }
        if (claim.targetId() == null || RuntimeTargets.shareRows(List.of(claim.targetId())).isEmpty()) {
            // the target was deleted since its claim: no further rows refer to it (the foreign key); the first one
            // is its planned row, kept with its name
            return true;
        }
        for (String runtime : runtimes.subList(1, runtimes.size())) {
            em.createNativeQuery("INSERT INTO restart_results (run_id, target_id, target_name, driver, runtime, state)"
                            + " VALUES (:run, :target, :name, :driver, :runtime, :state)")
                    .setParameter("state", state)
                    .setParameter("run", claim.runId()).setParameter("target", claim.targetId())
                    .setParameter("name", claim.targetName()).setParameter("driver", claim.driver())
                    .setParameter("runtime", runtime).executeUpdate();
        }
        return true;
    }

    /**
     * Settles the earlier results of a runtime whose restart {@code claim} is about to begin (V25): each earlier result
     * of the same runtime not settled yet gets {@code next_started_at} (the start of the restart after it) and the
     * runtime's newest fetch between the two ({@code ack_version}, {@code ack_fingerprint}, {@code acked_at}; null
     * when there was none, or when the newest fetch known is from after that next restart). {@code runtime_acks}
     * keeps only each runtime's newest fetch, so without this a fetch after this restart (of this run's version, or of
     * a later version that undid the earlier change) would confirm or re-describe the earlier runs' results. Its own
     * transaction, called before the driver restarts the runtime; the earlier rows belong to other runs (or to this
     * run's earlier wave, for a rollback's restart), so it waits at most for a step writing them.
     *
     * <p>The same runtime ({@link #SAME_RUNTIME}): a result of the same target with the same {@code runtime}, and for
     * a driver whose runtime is the target ({@link TargetRuntimes#ownNamed}: command, systemd, http) every result of
     * the target under such a driver whatever its name was then (a renamed target's earlier results hold its old
     * name). Each settled result keeps the newest fetch by its own {@code runtime} name.
     *
     * @return how many earlier results were settled
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public int settleEarlier(Claim claim) {
        if (claim.runtime() == null || claim.targetId() == null) {
            return 0;
        }
        return settle("WITH me AS (SELECT target_id, runtime, driver, started_at FROM restart_results"
                + " WHERE id = :id AND started_at IS NOT NULL),"
                + " earlier AS (SELECT o.id, o.runtime, o.started_at, (SELECT min(n.started_at) FROM restart_results n"
                + " WHERE n.target_id = o.target_id AND " + sameRuntime("n", "o") + " AND n.started_at > o.started_at)"
                + " AS next_start FROM restart_results o, me WHERE o.target_id = me.target_id"
                + " AND " + sameRuntime("o", "me") + " AND o.next_started_at IS NULL AND o.id <> :id"
                + " AND o.started_at < me.started_at)",
                query -> query.setParameter("id", claim.id()).setParameter("own", ownNamed));
    }

    /**
     * Settles every result of target {@code targetId} not settled yet, in the caller's transaction, as the target is
     * deleted: {@code next_started_at} is the deletion (the transaction's {@code now()}) and the fetch kept is each
     * runtime's newest between its restart and the deletion. After it, a runtime of that name (a target created again
     * under the same name, a pod of another workload) is no runtime of this target, and the deleted target's rows
     * (their {@code target_id} set null by the delete) would never be settled by a restart. Results never started
     * keep nothing (no fetch counts for them).
     *
     * @return how many results were settled
     */
    @Transactional
    public int settleDeleted(long targetId) {
        return settle("WITH earlier AS (SELECT o.id, o.runtime, o.started_at, now() AS next_start"
                + " FROM restart_results o WHERE o.target_id = :target AND o.next_started_at IS NULL"
                + " AND o.started_at IS NOT NULL)", query -> query.setParameter("target", targetId));
    }

    /**
     * Locks the rows {@link #settleRenamed} settles ({@code FOR UPDATE}, in id order): a rename takes them before the
     * target's own row, the order a target's delete and the rollout planner follow. Call in the rename's transaction.
     */
    @Transactional
    public void lockRenamed(long targetId) {
        em.createNativeQuery("SELECT o.id FROM restart_results o WHERE o.target_id = :target AND o.driver IN (:own)"
                + " AND o.next_started_at IS NULL AND o.started_at IS NOT NULL" + NOT_IN_OPEN_ROLLOUT
                + " ORDER BY o.id FOR UPDATE")
                .setParameter("target", targetId).setParameter("own", ownNamed).getResultList();
    }

    /**
     * Settles the results of target {@code targetId} whose runtime is named after the target (a driver whose runtime
     * is the target, {@link TargetRuntimes#ownNamed}: command, systemd, http) and not settled yet, in the caller's
     * transaction, as the target is renamed: {@code next_started_at} is the rename (the transaction's {@code now()})
     * and the fetch kept is each one's newest by its (old) name between its restart and the rename. After it that name
     * is no runtime of this target ({@link TargetRuntimes}), so a runtime that takes it later (a target created under
     * it, another runtime calling itself so) must not confirm them, which it would until this target's next restart
     * settled them. Results of other drivers (containers, workloads) do not carry the target's name and stay open.
     * Results of an open rollout stay open too (issue 19): a rename is no restart, and the gate follows the target,
     * reading its runtime's signals under the name it has now and the name it was restarted under while no other
     * target has it ({@link TargetRuntimes.NamesNow#all}: its process keeps that name until its next restart, b19 C),
     * so the rename neither ends a restarted runtime's time to confirm nor lets a name another target takes confirm
     * it.
     *
     * @return how many results were settled
     */
    @Transactional
    public int settleRenamed(long targetId) {
        return settle("WITH earlier AS (SELECT o.id, o.runtime, o.started_at, now() AS next_start"
                + " FROM restart_results o WHERE o.target_id = :target AND o.driver IN (:own)"
                + " AND o.next_started_at IS NULL AND o.started_at IS NOT NULL" + NOT_IN_OPEN_ROLLOUT + ")",
                query -> query.setParameter("target", targetId).setParameter("own", ownNamed));
    }

    /** Result {@code o} is not of a rollout still open (running, waiting for approval or rolling back). */
    private static final String NOT_IN_OPEN_ROLLOUT = " AND NOT EXISTS (SELECT 1 FROM restart_runs n"
            + " WHERE n.id = o.run_id AND n.rollout AND n.state IN ('running', 'waiting_approval', 'rolling_back'))";

    /**
     * Two results ({@code restart_results} aliases {@code a}, {@code b}) of one target are of the same runtime: the
     * same {@code runtime}, or both under a driver whose runtime is the target (parameter {@code :own}).
     */
    private static String sameRuntime(String a, String b) {
        return "(" + a + ".runtime = " + b + ".runtime OR (" + a + ".driver IN (:own) AND " + b + ".driver IN (:own)))";
    }

    /**
     * Sets {@code next_started_at} and the newest fetch of each row's runtime in {@code [started_at, next_start)} on
     * the rows of {@code earlier}, a CTE {@code earlier(id, runtime, started_at, next_start)} (the query's WITH
     * clause, naming it last).
     */
    private int settle(String earlier, java.util.function.UnaryOperator<jakarta.persistence.Query> parameters) {
        RuntimeAcks.Relation fetches = acks.relation();
        return fetches.bind(parameters.apply(em.createNativeQuery(earlier + ","
                + " fetched AS (SELECT e.id, e.next_start, f.settings_version, f.llm_fingerprint, f.acked_at"
                + " FROM earlier e LEFT JOIN LATERAL (SELECT a.settings_version, a.llm_fingerprint,"
                + " a.acked_at FROM " + fetches.sql() + " a WHERE " + RuntimeAcks.matchesSql("e.runtime", "a.runtime")
                + " AND a.acked_at >= e.started_at AND a.acked_at < e.next_start ORDER BY a.acked_at DESC"
                + " LIMIT 1) f ON true)"
                + " UPDATE restart_results r SET next_started_at = f.next_start, ack_version = f.settings_version,"
                + " ack_fingerprint = f.llm_fingerprint, acked_at = f.acked_at FROM fetched f WHERE r.id = f.id")))
                .executeUpdate();
    }

    /** A failed attempt that will be tried again at {@code retryAt}. */
    @Transactional
    public void retryLater(Claim claim, String error, Instant retryAt) {
        em.createNativeQuery("UPDATE restart_results SET state = 'pending', error = :error, next_attempt_at = :at,"
                        + " lease_until = NULL, claimed_by = NULL"
                        + " WHERE id = :id AND claimed_by = :me AND attempts = :attempts AND state = 'running'")
                .setParameter("error", truncate(error)).setParameter("at", Timestamp.from(retryAt))
                .setParameter("id", claim.id()).setParameter("me", claim.claimedBy())
                .setParameter("attempts", claim.attempts()).executeUpdate();
    }

    /**
     * A final outcome: restarted, failed or timed_out.
     *
     * @return whether this call recorded it (false: the claim was lost to a takeover), and the run if it finished
     */
    @Transactional
    public Optional<Finished> finish(Claim claim, String state, String error) {
        return finish(claim, state, error, null, null);
    }

    /**
     * As {@link #finish(Claim, String, String)}, recording the runtime-config version the runtime restarted onto and,
     * for a run that is not a rollout, its confirmation none: {@code notAsked} not null and the restart succeeded, the
     * result is not asked to confirm ({@code confirm_state} not_asked), as a rollout's gate decides it.
     */
    @Transactional
    public Optional<Finished> finish(Claim claim, String state, String error, Long envVersion,
            Confirmations.Decision notAsked) {
        return finish(claim, state, error, envVersion, notAsked, null);
    }

    /**
     * As {@link #finish(Claim, String, String, Long, Confirmations.Decision)}, recording also the name the runtime
     * was restarted under ({@code restarted_as}, V27: a command, systemd or http target's name as the driver gave it
     * to the runtime), when the restart succeeded and {@code restartedAs} is not null.
     */
    @Transactional
    public Optional<Finished> finish(Claim claim, String state, String error, Long envVersion,
            Confirmations.Decision notAsked, String restartedAs) {
        lockRun(claim.runId());
        boolean none = notAsked != null && RestartResult.RESTARTED.equals(state);
        boolean named = restartedAs != null && RestartResult.RESTARTED.equals(state);
        int updated = em.createNativeQuery("UPDATE restart_results SET state = :state, error = :error,"
                        + " finished_at = now(), lease_until = NULL, env_version = CASE WHEN :version < 0 THEN env_version ELSE :version END,"
                        + " restarted_as = CASE WHEN :named THEN :restartedAs ELSE restarted_as END,"
                        + " confirmation = CASE WHEN :none THEN 'none' ELSE confirmation END,"
                        + " confirmation_reason = CASE WHEN :none THEN :reason ELSE confirmation_reason END,"
                        + " confirm_state = CASE WHEN :none THEN 'not_asked' ELSE confirm_state END,"
                        + " confirm_detail = CASE WHEN :none THEN 'restarted; confirmation not asked (none)'"
                        + " ELSE confirm_detail END"
                        + " WHERE id = :id AND claimed_by = :me AND attempts = :attempts AND state = 'running'")
                .setParameter("version", envVersion == null ? -1L : envVersion)
                .setParameter("none", none)
                .setParameter("named", named).setParameter("restartedAs", named ? restartedAs : "")
                .setParameter("reason", none ? truncate(notAsked.reason(), 300) : "")
                .setParameter("state", state).setParameter("error", truncate(error))
                .setParameter("id", claim.id()).setParameter("me", claim.claimedBy())
                .setParameter("attempts", claim.attempts()).executeUpdate();
        if (updated == 0) {
            LOG.warnf("restart run %d: result %d was taken over by another replica; its outcome there counts",
                    claim.runId(), claim.id());
            return Optional.empty();
        }
        return finishIfDone(claim.runId());
    }

    /** Runs whose results are all final but which are still marked running (a replica died between the two). */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Long> stranded() {
        return ((List<Number>) em.createNativeQuery("SELECT id FROM restart_runs r WHERE state = 'running' AND NOT rollout"
                + " AND NOT EXISTS (SELECT 1 FROM restart_results x WHERE x.run_id = r.id"
                + " AND x.state IN ('pending', 'running'))").getResultList())
                .stream().map(Number::longValue).toList();
    }

    /** Finishes a run when none of its results is open; the caller's transaction holds the run's lock or takes it. */
    @Transactional
    public Optional<Finished> finishIfDone(long runId) {
        RestartRun run = lockRun(runId);
        if (run == null || run.finished() || run.rollout) {
            // a rollout finishes when its gate says so (Rollouts), not when its restarts are done
            return Optional.empty();
        }
        Object[] counts = (Object[]) em.createNativeQuery("SELECT count(*) FILTER (WHERE state IN ('pending', 'running')),"
                        + " count(*) FILTER (WHERE state = 'restarted'), count(*) FROM restart_results WHERE run_id = :run")
                .setParameter("run", runId).getSingleResult();
        long open = ((Number) counts[0]).longValue();
        long restarted = ((Number) counts[1]).longValue();
        long total = ((Number) counts[2]).longValue();
        if (open > 0) {
            return Optional.empty();
        }
        run.state = restarted == total ? RestartRun.SUCCEEDED : restarted == 0 ? RestartRun.FAILED : RestartRun.PARTIAL;
        run.finishedAt = Instant.now();
        em.flush();
        audit.record(Audit.Entry.of("system", "restart.finish", RuntimeTargets.AUDIT_KIND, "restart run " + runId)
                .detail(runs.get().finishDetail(runId, null)));
        LOG.infof("restart run %d: %s, %d of %d runtimes restarted", runId, run.state, restarted, total);
        return Optional.of(new Finished(runId, run.state, Duration.between(run.createdAt, run.finishedAt)));
    }

    private RestartRun lockRun(long runId) {
        return em.find(RestartRun.class, runId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
    }

    private static String truncate(String error) {
        return truncate(error, 2000);
    }

    /**
     * {@code text} cut to {@code max} characters, a NUL (which PostgreSQL refuses in text: the result's write failed
     * and it stayed running until its lease ran out, its real error lost; bmask) shown as U+FFFD.
     */
    private static String truncate(String text, int max) {
        String storable = text == null ? null : text.replace('\u0000', '\uFFFD');
        return storable == null || storable.length() <= max ? storable : storable.substring(0, max - 3) + "...";
    }
}
