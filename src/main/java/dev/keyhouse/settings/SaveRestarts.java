package dev.keyhouse.settings;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

/**
 * What the edit form of a kind says, before a save, about the restarts it causes (issue 20, point 5): the runtime
 * targets the restart planner would pick ({@link RolloutNews#dependents}), and the held ones it would leave out. A
 * save restarts only when the key a runtime receives changes. Rendered as {@code cdi:saveRestarts.of(kind)}.
 */
@ApplicationScoped
@Named("saveRestarts")
public class SaveRestarts {

    private static final String OTHERS = "A save that changes only other fields restarts nothing.";

    private final RolloutNews rollouts;

    public SaveRestarts(RolloutNews rollouts) {
        this.rollouts = rollouts;
    }

    /**
     * One sentence, e.g. "Saving a new key restarts: voice-a (docker), dialler (command); held, left out of the
     * rollout: canary-x. A save that changes only other fields restarts nothing." or "No runtime depends on llm:
     * saving restarts nothing."
     */
    public String of(String kind) {
        return sentence(kind, "Saving a new key", "saving", OTHERS);
    }

    /**
     * The same for a rollback to the previous settings version (its confirmation step), e.g. "Rolling back to another
     * key restarts: voice-a (docker). A rollback that changes only other fields restarts nothing."
     */
    public String ofRollback(String kind) {
        return sentence(kind, "Rolling back to another key", "rolling back",
                "A rollback that changes only other fields restarts nothing.");
    }

    private String sentence(String kind, String act, String acting, String others) {
        RolloutNews.Dependents dependents = rollouts.dependents(kind);
        String held = dependents.held().isEmpty() ? ""
                : "; held, left out of the rollout: " + String.join(", ", dependents.held());
        if (!dependents.restarted().isEmpty()) {
            return act + " restarts: " + String.join(", ", dependents.restarted()) + held + ". " + others;
        }
        if (!held.isEmpty()) {
            return act + " restarts nothing now" + held + ".";
        }
        return "No runtime depends on " + kind + ": " + acting + " restarts nothing.";
    }
}
