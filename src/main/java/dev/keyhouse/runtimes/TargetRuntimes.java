package dev.keyhouse.runtimes;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import dev.keyhouse.settings.RuntimeReceivers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The runtimes each target has NOW, for the shared secrets runtime-config serves a runtime (issue 19), by current
 * data only ({@link #KNOWN}): for a driver whose runtime is the target ({@link RuntimeDriver#runtimeIsTarget}:
 * command, systemd, http), the target's current name, and the name it was restarted under at its latest restart
 * ({@code restarted_as}, V27) while it has not been restarted since a rename (its running processes still name
 * themselves so; never a name another target has now);
 * for the others (docker, kubernetes), the {@code runtime} of the target's
 * {@code restart_results} rows of its latest discovery under its current driver (a container name, a kubernetes
 * workload {@code Deployment/voice}, matched by its pods as {@link RuntimeAcks#matches} says): a runtime an earlier
 * discovery found, or one found under another driver, no longer counts. The same runtimes {@link Confirmations}
 * counts as the target's.
 */
@ApplicationScoped
public class TargetRuntimes implements RuntimeReceivers {

    /** The name result {@code r}'s runtime was restarted under (V27), else the name it was discovered under. */
    private static final String RESTARTED_AS = "coalesce(r.restarted_as, r.runtime)";

    /**
     * The rows {@code (target_id, runtime)} of every target's runtimes now, as described above; an SQL subquery
     * taking the parameter {@code :own} (the ids of the drivers whose runtime is the target, {@link #ownNamed}).
     */
    static final String KNOWN = "(SELECT t.id AS target_id, CAST(t.name AS text) AS runtime FROM runtime_targets t"
            + " WHERE t.driver IN (:own)"
            // renamed since its last restart: its running processes still name themselves by the old name (b19 E),
            // unless another target has taken that name
            // (the name it was restarted under, V27, else as discovered: b19 C)
            + " UNION SELECT t.id, CAST(" + RESTARTED_AS + " AS text) FROM runtime_targets t JOIN restart_results r"
            + " ON r.target_id = t.id WHERE t.driver IN (:own) AND r.driver = t.driver AND r.state = 'restarted'"
            + " AND " + RESTARTED_AS + " <> t.name AND r.id = (SELECT max(x.id) FROM restart_results x"
            + " WHERE x.target_id = t.id AND x.state = 'restarted')"
            + " AND NOT EXISTS (SELECT 1 FROM runtime_targets o WHERE o.name = " + RESTARTED_AS + ")"
            + " UNION SELECT r.target_id, CAST(r.runtime AS text) FROM restart_results r"
            + " JOIN runtime_targets t ON t.id = r.target_id WHERE r.runtime IS NOT NULL AND t.driver NOT IN (:own)"
            + " AND r.driver = t.driver AND r.run_id = (SELECT max(x.run_id) FROM restart_results x"
            + " WHERE x.target_id = t.id AND x.driver = t.driver AND x.runtime IS NOT NULL))";

    private final EntityManager em;
    private final List<String> ownNamed;

    public TargetRuntimes(EntityManager em, RuntimeDrivers drivers) {
        this.em = em;
        this.ownNamed = ownNamed(drivers);
    }

    /** The value of {@link #KNOWN}'s {@code :own}: never empty (SQL {@code IN ()} is not valid). */
    static List<String> ownNamed(RuntimeDrivers drivers) {
        List<String> own = drivers.all().stream().filter(RuntimeDriver::runtimeIsTarget).map(RuntimeDriver::id)
                .toList();
        return own.isEmpty() ? List.of("") : own;
    }

    /** A target and one runtime it is known to have. */
    private record Row(long target, String runtime) {
    }

    /** One query; joins the caller's transaction (the runtime-config read) or runs in its own. */
    @Override
    @Transactional
    public Set<Long> targetsOf(String runtime) {
        if (runtime == null || runtime.isBlank()) {
            return Set.of();
        }
        return matching(rows(" AND " + RuntimeAcks.matchesSql("k.runtime", "CAST(:runtime AS text)"), runtime),
                runtime);
    }

    /** One query for every target's known runtimes; matched in memory as {@link #targetsOf} matches them. */
    @Override
    @Transactional
    public Known known() {
        List<Row> rows = rows("", null);
        return runtime -> runtime == null || runtime.isBlank() ? Set.of() : matching(rows, runtime);
    }

    @SuppressWarnings("unchecked")
    private List<Row> rows(String matches, String runtime) {
        var query = em.createNativeQuery("SELECT k.target_id, k.runtime FROM " + KNOWN + " k WHERE true" + matches)
                .setParameter("own", ownNamed);
        if (runtime != null) {
            query.setParameter("runtime", runtime);
        }
        return ((List<Object[]>) query.getResultList()).stream()
                .map(r -> new Row(((Number) r[0]).longValue(), (String) r[1])).toList();
    }

    /**
     * The name each of {@code results}' runtimes answers to now (issue 19, a target renamed mid-rollout): for a result
     * under a driver whose runtime is the target ({@link RuntimeDriver#runtimeIsTarget}: command, systemd, http), the
     * target's current name while its driver is still one of those, since its runtime fetches and reports under the
     * target's name, not the one the result was planned with; otherwise the runtime as its driver discovered it (a
     * container, a workload {@code Deployment/voice}: a rename changes neither), or as recorded once the target is
     * deleted. One query for all the results' targets; joins the caller's transaction.
     *
     * @return the lookup; {@link NamesNow#of} answers null for a result not discovered yet
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public NamesNow namesNow(java.util.Collection<RestartResult> results) {
        List<Long> ids = results.stream().filter(r -> r.targetId != null && ownNamed.contains(r.driver))
                .map(r -> r.targetId).distinct().toList();
        List<String> restartedAs = results.stream().map(r -> r.restartedAs).filter(java.util.Objects::nonNull)
                .distinct().toList();
        java.util.Map<Long, String> names = new java.util.HashMap<>();
        java.util.Map<String, Long> holders = new java.util.HashMap<>();
        if (!ids.isEmpty() || !restartedAs.isEmpty()) {
            ((List<Object[]>) em.createNativeQuery("SELECT id, name, id IN (:ids) AND driver IN (:own)"
                    + " FROM runtime_targets WHERE id IN (:ids) OR name IN (:restartedAs)")
                    .setParameter("ids", ids.isEmpty() ? List.of(-1L) : ids).setParameter("own", ownNamed)
                    .setParameter("restartedAs", restartedAs.isEmpty() ? List.of("") : restartedAs).getResultList())
                    .forEach(r -> {
                        long id = ((Number) r[0]).longValue();
                        if (Boolean.TRUE.equals(r[2])) {
                            names.put(id, (String) r[1]);
                        }
                        holders.put((String) r[1], id);
                    });
        }
        return new NamesNow(java.util.Map.copyOf(names), java.util.Map.copyOf(holders), Set.copyOf(ownNamed));
    }

    /**
     * What {@link #namesNow} read: the current names of the targets whose runtime is the target, by id, and which
     * target has each name a result's runtime was restarted under now.
     *
     * @param names target id → its current name, for the targets whose driver names their runtime after them
     * @param holders a name → the target that has it now, for the results' {@code restarted_as} names (and the
     *        targets' own names)
     * @param ownNamed the ids of those drivers
     */
    public record NamesNow(java.util.Map<Long, String> names, java.util.Map<String, Long> holders,
            Set<String> ownNamed) {

        /** The name {@code result}'s runtime answers to now, as {@link #namesNow} describes; null while planned. */
        public String of(RestartResult result) {
            if (result.runtime == null) {
                return null;
            }
            String now = result.targetId == null || !ownNamed.contains(result.driver) ? null
                    : names.get(result.targetId);
            return now == null ? result.runtime : now;
        }

        /**
         * Every name {@code result}'s runtime's signals count under (issue 19, b19 C): the name it answers to now
         * ({@link #of}) first, then the name it was restarted under ({@link RestartResult#restartedAs}) when its
         * target was renamed since: its process learnt that name at its restart and keeps reporting and fetching
         * under it until restarted again. Never a name another target has now (that target's runtimes are not this
         * one). Empty while planned.
         */
        public List<String> all(RestartResult result) {
            String now = of(result);
            if (now == null) {
                return List.of();
            }
            String was = result.restartedAs;
            Long holder = was == null ? null : holders.get(was);
            if (was == null || was.equals(now) || holder != null && !holder.equals(result.targetId)) {
                return List.of(now);
            }
            return List.of(now, was);
        }
    }

    private static Set<Long> matching(List<Row> rows, String runtime) {
        Set<Long> targets = new TreeSet<>();
        for (Row row : rows) {
            if (RuntimeAcks.matches(row.runtime(), runtime)) {
                targets.add(row.target());
            }
        }
        return Set.copyOf(targets);
    }
}
