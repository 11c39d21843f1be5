package dev.keyhouse.settings;

/**
 * Which runtimes must not receive a kind's newest version yet: while a rollout is under way, a runtime whose wave
 * has not come (or whose target is on hold) keeps the version it ran before, so an unrelated restart (a crash, a
 * node drain) cannot hand it the new key ahead of its wave. Implemented by the rollouts.
 */
public interface EnvironmentPins {

    /**
     * A kind held at an earlier version for one runtime.
     *
     * @param kind e.g. {@code llm}
     * @param version the kind's version (not the runtime-config sum) the runtime keeps
     * @param runId the rollout that holds it back
     */
    record Pin(String kind, long version, long runId) {
    }

    /**
     * The pins for a runtime as it names itself in {@code X-Keyhouse-Runtime}; empty when it takes the current
     * settings. Runs one short query; never holds a connection while waiting for anything else.
     */
    java.util.List<Pin> pinsFor(String runtime);
}
