package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.Map;

/**
 * What a runtime must restart with.
 *
 * @param runId the restart run, for webhooks and logs
 * @param version the provider settings version ({@code version} of the runtime-config endpoint)
 * @param env the provider environment: exactly the pairs {@code GET /api/v1/internal/runtime-config} returns
 *        ({@code LLM_PROVIDER}, {@code LLM_API_KEY}, {@code OPENAI_API_KEY}, ...). Contains plaintext secrets.
 * @param managedNames every name Keyhouse may ever put in {@code env}: a name here but not in {@code env} must be
 *        removed from a runtime's environment (e.g. a kind that was cleared)
 * @param deadline when the executor gives up on this runtime; drivers may pass the remaining time on (stop
 *        timeouts)
 */
public record RestartOrder(long runId, long version, Map<String, String> env, java.util.Set<String> managedNames,
        Instant deadline) {

    public RestartOrder {
        env = Map.copyOf(env);
        managedNames = java.util.Set.copyOf(managedNames);
    }

    @Override
    public String toString() {
        return "RestartOrder[run " + runId + ", version " + version + ", " + env.keySet() + "]";
    }
}
