package dev.keyhouse.settings;

import java.util.List;
import java.util.Optional;

/**
 * What the settings answers say about rollouts (issue 16): what the rollout a save planned does next, and the
 * rollouts that stopped on a bad key (halted or rolled back) and still wait for a working one. Implemented by the
 * runtimes' rollouts ({@code runtimes.RolloutOutlook}), so the settings feature does not depend on them.
 */
public interface RolloutNews {

    /**
     * The next steps of a save's rollout, for the save's answer ({@code rollout} in the REST answer, the notice on the
     * settings page).
     *
     * @param run the restart run ({@code GET /api/v1/restarts/{id}}, the page {@code /admin/restarts/{id}})
     * @param canary the canary: its runtimes once the targets' runtimes are discovered, else the canary-marked
     *        targets, else the first dependent target (its first runtime goes first)
     * @param next the whole plan in one sentence, e.g. "rolling out: canary chat-1 first, then 6 more in 3 waves"
     * @param waitsForApproval whether the rollout stops after the canary until an admin presses Continue
     *        ({@code ROLLOUT_APPROVAL=manual})
     */
    record Next(long run, List<String> canary, String next, boolean waitsForApproval) {
    }

    /**
     * A rollout that stopped on a bad key and is still the newest of its kind: every page that shows the kind says
     * so until a newer save starts another.
     *
     * @param run the restart run
     * @param kind the provider kind, e.g. {@code llm}
     * @param outcome {@code halted} or {@code rolled_back}
     * @param text the alert in plain words, e.g. "LLM rollout (run 12) halted: the new key and the previous key
     *        both fail: invalid_key / invalid_key — enter a working key"; never a secret. Its advice follows the
     *        cause: a failed restart (or a runtime that did not confirm) names the target to fix; only a key the
     *        provider refused asks for a working key; any other failure (a model or URL not found, a 5xx, a
     *        timeout, or a key the rollback checked ok) names the change
     * @param target the runtime target to fix (its page is {@code /admin/runtimes/{id}}), null when the key is the
     *        cause or the target is gone
     * @param targetName that target's name, null with it
     * @param helpHref where to do what the advice says when it is not a target (the Environment page for the
     *        runtimes' token, the kind's fallbacks for a fallback change), or null
     * @param helpText that link's words, null with it
     */
    record Alert(long run, String kind, String outcome, String text, Long target, String targetName, String helpHref,
            String helpText) {
    }

    /**
     * Which runtime targets a save of a kind that changes its key would restart, as the restart planner picks them:
     * the enabled targets that depend on the kind, by name.
     *
     * @param restarted those the rollout restarts, e.g. {@code voice-a (docker)}
     * @param held those on hold, which the rollout leaves out, e.g. {@code canary-x}
     */
    record Dependents(List<String> restarted, List<String> held) {
    }

    /**
     * Where a restart run stands now, for a notice that names it after a write (the settings overview after a save,
     * the shared-secrets list after a create): read when the page is rendered, and again by the notice's live
     * fragment ({@code GET /admin/restarts/{id}/status}) every 2 s until it has ended, so the notice never says
     * "rolling out" for a run that has ended.
     *
     * @param run the restart run
     * @param rollout whether it is a rollout (waves, a canary), else a run restarting every dependent target at once
     * @param ended whether it has ended (no longer running, waiting, paused or rolling back): its notice then says
     *        how, and stops looking once {@code live} is false
     * @param live whether what it shows can still change ({@code RunReport.live}: open, or ended with a restarted
     *        runtime that may still confirm within its window, turning "not confirmed" to "succeeded"): the notice
     *        looks again every busy interval while true
     * @param next while a rollout is open, what it does next in one sentence: its plan while it rolls out ("rolling
     *        out: canary chat-1 first, then 6 more in 3 waves", {@link Next#next}), "paused until an admin resumes
     *        it; " and the plan while paused, else its state and why ("waiting for approval: ...", "rolling back:
     *        ..."); null once it has ended, and for a run that is no rollout
     * @param headline its verdict in words as its page's headline says it ("succeeded", "rolled back", "not
     *        confirmed", "partial")
     * @param tone that verdict: the headline's CSS state class
     * @param reason once it has ended, why in plain words as its page says it ("Every wave was confirmed: ..."), or
     *        null when there is nothing to add (a run that is no rollout); null while open
     * @param waitingOnAdmin open but moving only when an admin acts (paused, waiting for approval; {@code
     *        RunReport.waitingOnAdmin}): the notice looks again every idle interval instead
     */
    record RunStatus(long run, boolean rollout, boolean ended, String next, String headline, String tone,
            String reason, boolean live, boolean waitingOnAdmin) {
    }

    /** Where the run {@code run} stands now ({@link RunStatus}); empty when it does not exist. */
    Optional<RunStatus> status(long run);

    /** The targets a save of {@code kind} restarts ({@link Dependents}), read now. */
    Dependents dependents(String kind);

    /** The plan of a save's rollout; empty when the run does not exist or is not a rollout (a manual restart). */
    Optional<Next> next(long run);

    /** The halted or rolled-back rollouts that are the newest rollout of their kind, by kind. */
    List<Alert> alerts();

    /**
     * Whether some rollout is under way (running and not paused, or rolling back): the settings pages then look for a
     * new stored version every 2 s (an automatic rollback saves one), else every {@link dev.keyhouse.web.LiveRefresh}
     * interval (10 s): a paused rollout or one waiting for approval changes nothing until an admin acts.
     */
    boolean underWay();
}
