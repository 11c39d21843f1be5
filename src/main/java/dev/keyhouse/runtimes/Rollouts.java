package dev.keyhouse.runtimes;

import dev.keyhouse.web.Conflict;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * TEMPORARY stand-in on branch ui16 for the rollout engine the lead lands on main ("Rollouts engine"): the same
 * control methods, each refusing with 409 after checking the run exists. Replaced by main's class at the merge.
 */
@ApplicationScoped
public class Rollouts {

    private final RestartRuns runs;

    public Rollouts(RestartRuns runs) {
        this.runs = runs;
    }

    public RestartRuns.RunReport pause(long runId, String actor) {
        return refuse(runId);
    }

    public RestartRuns.RunReport resume(long runId, String actor) {
        return refuse(runId);
    }

    public RestartRuns.RunReport approve(long runId, String actor) {
        return refuse(runId);
    }

    public RestartRuns.RunReport abort(long runId, String actor) {
        return refuse(runId);
    }

    private RestartRuns.RunReport refuse(long runId) {
        runs.report(runId);
        throw new Conflict("the rollout engine is not merged into this branch yet");
    }
}
