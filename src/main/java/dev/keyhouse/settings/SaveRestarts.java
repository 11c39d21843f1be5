package dev.keyhouse.settings;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

/**
 * What the edit form of a kind says, before a save, about the restarts it causes (issue 20, point 5): the runtime
 * targets the restart planner would pick ({@link RolloutNews#dependents}), and the held ones it would leave out. A
 * save restarts whenever what a runtime receives changes: a key, or a routing field (the model, a URL) alone. Rendered
 * as {@code cdi:saveRestarts.of(kind)}, and for a fallback's form and actions as
 * {@code cdi:saveRestarts.ofFallback(kind, enabled)}.
 */
@ApplicationScoped
@Named("saveRestarts")
public class SaveRestarts {

    private static final String OTHERS = "A save that changes nothing restarts nothing.";

    private final RolloutNews rollouts;

    public SaveRestarts(RolloutNews rollouts) {
        this.rollouts = rollouts;
    }

    /**
     * One sentence, e.g. "Saving a change restarts: voice-a (docker), dialler (command); held, left out of the
     * rollout: canary-x. A save that changes nothing restarts nothing." (a key, the model or a URL alike) or "No
     * runtime depends on llm: saving restarts nothing."
     */
    public String of(String kind) {
        return says(kind, "Saving a change restarts", "saving", OTHERS);
    }

    /**
     * The same for a rollback to the previous settings version (its confirmation step), e.g. "Rolling back to the
     * previous version restarts: voice-a (docker)." (the version restored always differs, by its key or another field)
     */
    public String ofRollback(String kind) {
        return says(kind, "Rolling back to the previous version restarts", "rolling back", "");
    }

    /**
     * What making a fallback the primary restarts (a save of the kind: the same targets as {@link #of}), for its
     * confirmation step, e.g. "Making it primary restarts: cmd1 (command), cmd2auto (command)." or "No runtime
     * depends on llm: making it primary restarts nothing."
     */
    public String ofPrimary(String kind) {
        return says(kind, "Making it primary restarts", "making it primary", "");
    }

    /**
     * What a change of one of the kind's fallbacks restarts (issue 19), as {@link #of} says it for the primary: the
     * same targets, whenever the change alters what runtimes receive. E.g. "Saving this fallback restarts: speech
     * (command). A change runtimes do not receive (the same key typed again) restarts nothing."; for a disabled one
     * "It is disabled: saving it restarts nothing; enabling it restarts: speech (command)."
     *
     * @param enabled whether the fallback is served now (a new one is)
     */
    public String ofFallback(String kind, boolean enabled) {
        if (!enabled) {
            String enabling = says(kind, "enabling it restarts", "it", "");
            return "It is disabled: saving it restarts nothing; " + Character.toLowerCase(enabling.charAt(0))
                    + enabling.substring(1);
        }
        return says(kind, "Saving, moving, disabling or deleting this fallback restarts", "saving",
                "A change runtimes do not receive (the same key typed again) restarts nothing.");
    }

    private String says(String kind, String lead, String acting, String others) {
        RolloutNews.Dependents dependents = rollouts.dependents(kind);
        String held = dependents.held().isEmpty() ? ""
                : "; held, left out of the rollout: " + String.join(", ", dependents.held());
        String tail = others.isEmpty() ? "" : " " + others;
        if (!dependents.restarted().isEmpty()) {
            return lead + ": " + String.join(", ", dependents.restarted()) + held + "." + tail;
        }
        if (!held.isEmpty()) {
            return lead + " nothing now" + held + ".";
        }
        return "No runtime depends on " + kind + ": " + acting + " restarts nothing.";
    }
}
