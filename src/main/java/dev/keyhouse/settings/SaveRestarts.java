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
        RolloutNews.Dependents dependents = rollouts.dependents(kind);
        String held = dependents.held().isEmpty() ? ""
                : "; held, left out of the rollout: " + String.join(", ", dependents.held());
        if (!dependents.restarted().isEmpty()) {
            return "Saving a new key restarts: " + String.join(", ", dependents.restarted()) + held + ". " + OTHERS;
        }
        if (!held.isEmpty()) {
            return "Saving a new key restarts nothing now" + held + ".";
        }
        return "No runtime depends on " + kind + ": saving restarts nothing.";
    }
}
