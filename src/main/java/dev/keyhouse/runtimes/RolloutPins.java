package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.List;

import dev.keyhouse.settings.EnvironmentPins;
import dev.keyhouse.settings.HeldFallbacks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The rollouts' pins: a runtime is held at kind K's whole previous configuration (its version P and its fallback
 * entries as they were then: {@code held_version}, {@code held_entries}; {@code previous_version} and the current
 * fallbacks for a run planned before V23) while a rollout of K (a save's or a fallback change's run, state
 * {@code running} or {@code waiting_approval}, P &ge; 1) has a result row for it in state
 * {@code waiting} (its wave has not come) or {@code held} (its target is on hold); and while such a rollout is
 * {@code rolling_back}, also for its {@code cancelled} rows (the runtimes a failed rollout never moved, until the
 * previous key is saved again and the run ends). A row pins its runtime by the name the driver discovered it under
 * and by the name it answers to now, looked up from its target ({@link TargetRuntimes#namesNow}): a command, systemd
 * or http target renamed mid-rollout holds its runtime under its new name, and still under the old one (a runtime
 * learns its name at its restart, so until its wave it may still fetch so: no back door to the change); a container
 * or a workload is named as discovered, which a rename does not change. A runtime matches a name as is, or as a pod
 * of a kubernetes workload ({@code Deployment/voice} holds {@code voice-5d8f7c-x2x9q}), as
 * {@link RuntimeAcks#matches} says.
 *
 * <p>A row being restarted ({@code pending}, {@code running}) pins nothing: the restart is what moves the runtime,
 * and it fetches the new settings as it starts. When the run ends (any final state) or its row leaves
 * {@code waiting}, the pin is gone with the next fetch.
 */
@ApplicationScoped
public class RolloutPins implements EnvironmentPins {

    /**
     * The name a row's runtime answers to now: its target's current name under a driver whose runtime is the target
     * (parameter {@code :own}, {@link TargetRuntimes#ownNamed}), else the runtime as discovered ({@code t}: the row's
     * target, left-joined).
     */
    private static final String RUNTIME = "(CASE WHEN r.driver IN (:own) AND t.driver IN (:own) THEN CAST(t.name AS"
            + " text) ELSE CAST(r.runtime AS text) END)";
    private static final String TARGET = " LEFT JOIN runtime_targets t ON t.id = r.target_id";
    /** A row's runtime, as discovered or as named now, is the name, or a workload the name starts as a pod of. */
    private static final String MATCHES = " AND (" + matches("r.runtime") + " OR " + matches(RUNTIME) + ")";
    private static final String PINNING_RUN = " AND n.rollout AND n.kind IS NOT NULL"
            + " AND coalesce(n.held_version, n.previous_version) >= 1";
    /** A pin's columns: the kind, the version held (V23's, else the previous one), the run, the runtime, entries. */
    private static final String SELECT = "SELECT n.kind, coalesce(n.held_version, n.previous_version), n.id,"
            + " r.runtime, n.held_entries, n.held_entries_upto, " + RUNTIME;

    /**
     * Open rollouts' waiting and held rows for the name or its workload (as discovered, or its target's name now),
     * read through the partial index {@code restart_results_waiting} (a few rows while a rollout runs); and, while a
     * failed rollout is rolling back, its cancelled rows too (runtimes never moved: until the previous key is saved
     * again the current settings are the failed key), through the run's rows. The pod test is done again in Java;
     * here it only narrows.
     */
    private static final String PINS = pins(MATCHES);
    /** {@link #PINS} for every runtime at once: what {@link #open()} keeps in memory. */
    private static final String ALL_PINS = pins("");

    /** {@code runtime} (an SQL expression) is the name {@code :runtime}, or a workload ({@code Kind/name}) it holds. */
    private static String matches(String runtime) {
        return "(" + runtime + " = :runtime OR (strpos(" + runtime + ", '/') > 0 AND left(:runtime, length(substring("
                + runtime + " FROM '[^/]*$')) + 1) = substring(" + runtime + " FROM '[^/]*$') || '-'))";
    }

    private static String pins(String matches) {
        return SELECT + " FROM restart_results r JOIN restart_runs n ON n.id = r.run_id" + TARGET
                + " WHERE r.state IN ('waiting', 'held') AND n.state IN ('running', 'waiting_approval', 'rolling_back')"
                + PINNING_RUN + matches
                + " UNION ALL " + SELECT
                + " FROM restart_runs n JOIN restart_results r ON r.run_id = n.id" + TARGET
                + " WHERE n.state = 'rolling_back' AND r.state = 'cancelled'" + PINNING_RUN + matches;
    }

    /** A pinning row: the runtime (or workload) it names as discovered and as named now, and its pin. */
    private record Row(String runtime, String now, Pin pin) {
    }

    private final EntityManager em;
    /** The value of {@link #RUNTIME}'s {@code :own}. */
    private final List<String> ownNamed;

    public RolloutPins(EntityManager em, RuntimeDrivers drivers) {
        this.em = em;
        this.ownNamed = TargetRuntimes.ownNamed(drivers);
    }

    /** One query; joins the caller's transaction (the runtime-config read) or runs in its own. */
    @Override
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Pin> pinsFor(String runtime) {
        if (runtime == null || runtime.isBlank()) {
            return List.of();
        }
        List<Object[]> rows = em.createNativeQuery(PINS).setParameter("runtime", runtime)
                .setParameter("own", ownNamed).getResultList();
        return matching(rows.stream().map(RolloutPins::row).toList(), runtime);
    }

    /** One query for every open rollout's pinning rows; matched in memory as {@link #pinsFor} matches them. */
    @Override
    @Transactional
    @SuppressWarnings("unchecked")
    public Open open() {
        List<Row> rows = ((List<Object[]>) em.createNativeQuery(ALL_PINS).setParameter("own", ownNamed)
                .getResultList()).stream()
                .map(RolloutPins::row).toList();
        return runtime -> runtime == null || runtime.isBlank() ? List.of() : matching(rows, runtime);
    }

    private static Row row(Object[] row) {
        return new Row((String) row[3], (String) row[6], new Pin((String) row[0], ((Number) row[1]).longValue(),
                ((Number) row[2]).longValue(), HeldFallbacks.of((String) row[4], (Number) row[5])));
    }

    private static List<Pin> matching(List<Row> rows, String runtime) {
        List<Pin> pins = new ArrayList<>();
        for (Row row : rows) {
            if (RuntimeAcks.matches(row.runtime(), runtime) || RuntimeAcks.matches(row.now(), runtime)) {
                pins.add(row.pin());
            }
        }
        return List.copyOf(pins);
    }
}
