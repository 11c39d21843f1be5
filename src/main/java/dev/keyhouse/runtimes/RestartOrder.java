package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.Map;

import dev.keyhouse.settings.ProviderEnvironment;

/**
 * What a runtime must restart with.
 *
 * @param runId the restart run, for webhooks and logs
 * @param version the configuration version: {@code version} of the runtime-config endpoint (the sum of every kind's
 *        and shared secret's versions), not the saved kind's settings version
 * @param env the provider environment: exactly the pairs {@code GET /api/v1/internal/runtime-config} returns
 *        ({@code LLM_PROVIDER}, {@code LLM_API_KEY}, {@code OPENAI_API_KEY}, ...). Contains plaintext secrets.
 * @param managedNames every name Keyhouse may ever put in {@code env}: a name here but not in {@code env} must be
 *        removed from a runtime's environment (e.g. a kind that was cleared)
 * @param deadline when the executor gives up on this runtime; drivers may pass the remaining time on (stop
 *        timeouts)
 * @param restartId the restart result this call executes ({@code restart_results.id}): the same on every attempt
 *        at it, a retry after a failure and a takeover after a crash alike, and never shared by two restarts, so a
 *        command can recognise a restart it already did; 0 when the order is not for one result
 * @param attempt which attempt at {@code restartId} this is, counted in the claim's transaction (1 for the first);
 *        0 with {@code restartId} 0
 * @param onChecking what {@link #checking()} runs: the executor's, which frees this restart's place among the
 *        {@code RESTART_CONCURRENCY} so the next restart begins; nothing for an order made elsewhere
 * @param configuration what stands for {@code env}'s contents where a name must differ when they differ
 *        ({@link dev.keyhouse.settings.ProviderEnvironment.RuntimeEnvironment#configuration()}): {@code version} as
 *        text for the current configuration, {@code <version>-h<8 hex>} for one a rollout holds the runtime at, whose
 *        {@code version} (a sum of held and current versions) another configuration's can equal. Never a value
 */
public record RestartOrder(long runId, long version, Map<String, String> env, java.util.Set<String> managedNames,
        Instant deadline, long restartId, int attempt, Runnable onChecking, String configuration) {

    private static final Runnable NOTHING = () -> { };

    public RestartOrder {
        env = Map.copyOf(env);
        managedNames = java.util.Set.copyOf(managedNames);
        onChecking = onChecking == null ? NOTHING : onChecking;
        configuration = configuration == null ? String.valueOf(version) : configuration;
    }

    /** An order for the current configuration ({@link #configuration} is {@code version}). */
    public RestartOrder(long runId, long version, Map<String, String> env, java.util.Set<String> managedNames,
            Instant deadline, long restartId, int attempt, Runnable onChecking) {
        this(runId, version, env, managedNames, deadline, restartId, attempt, onChecking, null);
    }

    /** An order without an {@link #onChecking} hook. */
    public RestartOrder(long runId, long version, Map<String, String> env, java.util.Set<String> managedNames,
            Instant deadline, long restartId, int attempt) {
        this(runId, version, env, managedNames, deadline, restartId, attempt, NOTHING);
    }

    /** An order that is not for one restart result (no {@code restartId}). */
    public RestartOrder(long runId, long version, Map<String, String> env, java.util.Set<String> managedNames,
            Instant deadline) {
        this(runId, version, env, managedNames, deadline, 0, 0);
    }

    /**
     * Called by a driver once the runtime runs on the new environment and all that is left is waiting to see that it
     * stays up (and healthy): from then on the restart no longer counts against {@code RESTART_CONCURRENCY}, so the
     * next one begins while this one is checked (the executor frees the place once, however often this is called).
     * The driver still returns (or throws, after putting the runtime back) only when the check is over.
     */
    public void checking() {
        onChecking.run();
    }

    /**
     * The values in {@link #env} a runtime's failure text must not show (bmask): those of secret names
     * ({@link ProviderEnvironment#isSecretName}) and — fail closed — of every name that is not a known non-secret
     * provider name ({@link ProviderEnvironment#MANAGED_NAMES} but the secret ones), so a shared secret's variable
     * and any name added later count as secret. A model, a provider or a base URL stays readable. Plaintext: compare
     * in memory, never log.
     */
    public java.util.List<String> secretValues() {
        return secretValues(env);
    }

    /** {@link #secretValues()} of any provider environment. */
    public static java.util.List<String> secretValues(Map<String, String> env) {
        return env.entrySet().stream().filter(e -> secretName(e.getKey())).map(Map.Entry::getValue)
                .filter(v -> v != null && !v.isEmpty()).toList();
    }

    private static boolean secretName(String name) {
        return ProviderEnvironment.isSecretName(name) || !ProviderEnvironment.MANAGED_NAMES.contains(name);
    }

    @Override
    public String toString() {
        return "RestartOrder[run " + runId + ", configuration " + configuration + ", " + env.keySet() + "]";
    }
}
