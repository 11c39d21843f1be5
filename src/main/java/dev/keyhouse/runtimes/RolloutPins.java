package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.List;

import dev.keyhouse.settings.EnvironmentPins;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The rollouts' pins: a runtime is held at kind K's version P while a rollout of K (a save's run, state
 * {@code running} or {@code waiting_approval}, {@code previous_version} P &ge; 1) has a result row for it in state
 * {@code waiting} (its wave has not come) or {@code held} (its target is on hold). A row names the runtime as the
 * driver discovered it; a runtime matches it by the same name, or as a pod of a kubernetes workload
 * ({@code Deployment/voice} holds {@code voice-5d8f7c-x2x9q}), as {@link RuntimeAcks#matches} says.
 *
 * <p>A row being restarted ({@code pending}, {@code running}) pins nothing: the restart is what moves the runtime,
 * and it fetches the new settings as it starts. When the run ends (any final state) or its row leaves
 * {@code waiting}, the pin is gone with the next fetch.
 */
@ApplicationScoped
public class RolloutPins implements EnvironmentPins {

    /**
     * Open rollouts' waiting and held rows for the name or its workload. The pod test is done again in Java; here it
     * only narrows, through the partial index {@code restart_results_waiting} (a few rows while a rollout runs).
     */
    private static final String PINS = "SELECT n.kind, n.previous_version, n.id, r.runtime"
            + " FROM restart_results r JOIN restart_runs n ON n.id = r.run_id"
            + " WHERE r.state IN ('waiting', 'held') AND n.rollout AND n.state IN ('running', 'waiting_approval')"
            + " AND n.kind IS NOT NULL AND n.previous_version >= 1"
            + " AND (r.runtime = :runtime OR (strpos(r.runtime, '/') > 0"
            + " AND left(:runtime, length(substring(r.runtime FROM '[^/]*$')) + 1)"
            + " = substring(r.runtime FROM '[^/]*$') || '-'))"
            + " ORDER BY n.id";

    private final EntityManager em;

    public RolloutPins(EntityManager em) {
        this.em = em;
    }

    /** One query; joins the caller's transaction (the runtime-config read) or runs in its own. */
    @Override
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Pin> pinsFor(String runtime) {
        if (runtime == null || runtime.isBlank()) {
            return List.of();
        }
        List<Object[]> rows = em.createNativeQuery(PINS).setParameter("runtime", runtime).getResultList();
        List<Pin> pins = new ArrayList<>();
        for (Object[] row : rows) {
            if (RuntimeAcks.matches((String) row[3], runtime)) {
                pins.add(new Pin((String) row[0], ((Number) row[1]).longValue(), ((Number) row[2]).longValue()));
            }
        }
        return List.copyOf(pins);
    }
}
