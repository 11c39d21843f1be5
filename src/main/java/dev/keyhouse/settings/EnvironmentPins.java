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
     * @param entries the kind's fallback entries it keeps, so the runtime gets the kind's whole earlier
     *        configuration, never the earlier primary with the current fallbacks; null (a rollout planned before V23)
     *        serves the current fallbacks
     */
    record Pin(String kind, long version, long runId, HeldFallbacks entries) {

        /** A pin of the kind's primary version alone, its fallbacks served current. */
        public Pin(String kind, long version, long runId) {
            this(kind, version, runId, null);
        }
    }

    /**
     * The pins for a runtime as it names itself in {@code X-Keyhouse-Runtime}; empty when it takes the current
     * settings. Runs one short query; never holds a connection while waiting for anything else.
     */
    java.util.List<Pin> pinsFor(String runtime);

    /**
     * Every open rollout's pins, read in one query, to be matched in memory: what the runtime-config cache keeps
     * ({@link ProviderEnvironment}) so a named runtime is answered without a query. Valid until the next change
     * of {@code restart_runs} or {@code restart_results}, which notifies {@code keyhouse_environment}.
     */
    Open open();

    /** A snapshot of every open rollout's pins. */
    interface Open {

        /** The pins for a runtime, exactly as {@link EnvironmentPins#pinsFor} would answer from the same rows. */
        java.util.List<Pin> pinsFor(String runtime);
    }
}
