package dev.keyhouse.runtimes;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import dev.keyhouse.settings.RuntimeReceivers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The runtimes each target is known to have, for the shared secrets runtime-config serves a runtime (issue 19): the
 * {@code runtime} of the target's {@code restart_results} rows (what its driver discovered: a container name, a
 * kubernetes workload {@code Deployment/voice}, matched by its pods as {@link RuntimeAcks#matches} says), and, for a
 * driver whose runtime is the target ({@link RuntimeDriver#runtimeIsTarget}: command, systemd, http), the target's
 * own name from the start. The same runtimes {@link Confirmations} counts as the target's.
 */
@ApplicationScoped
public class TargetRuntimes implements RuntimeReceivers {

    private final EntityManager em;
    private final List<String> ownNamed;

    public TargetRuntimes(EntityManager em, RuntimeDrivers drivers) {
        this.em = em;
        this.ownNamed = drivers.all().stream().filter(RuntimeDriver::runtimeIsTarget).map(RuntimeDriver::id)
                .toList();
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
        var query = em.createNativeQuery("SELECT k.target_id, k.runtime FROM (SELECT DISTINCT r.target_id,"
                + " r.runtime FROM restart_results r JOIN runtime_targets t ON t.id = r.target_id"
                + " WHERE r.runtime IS NOT NULL UNION SELECT t.id, t.name FROM runtime_targets t"
                + " WHERE t.driver IN (:own)) k WHERE true" + matches)
                .setParameter("own", ownNamed.isEmpty() ? List.of("") : ownNamed);
        if (runtime != null) {
            query.setParameter("runtime", runtime);
        }
        return ((List<Object[]>) query.getResultList()).stream()
                .map(r -> new Row(((Number) r[0]).longValue(), (String) r[1])).toList();
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
