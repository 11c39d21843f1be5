package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A restart run as its page shows it: the headline (the outcome in words), the reason in plain words, and which
 * controls its state allows. Everything here depends on the run's state, so the page's live refresh swaps it whole.
 *
 * @param headline running, rolling back, paused, waiting for approval, succeeded, rolled back, halted, aborted,
 *        superseded; partial or failed for a manual run
 * @param tone the headline's CSS state class: the stored state, or paused
 * @param reason what the run does, waits for or why it ended, in plain words; null when there is nothing to say
 * @param outside a rollout's results in no wave: targets on hold, targets not discovered yet
 */
public record RunView(RestartRuns.RunReport run, String headline, String tone, String reason, Controls controls,
        List<RestartRuns.ResultView> outside) {

    /**
     * The controls a run's state allows (an admin's; viewers see none). Each answers 409 when the state changed in
     * the meantime.
     *
     * @param proceed Continue, while the rollout waits for approval after the canary
     * @param abort Abort: rolls the runtimes already moved back, where the previous key is good
     */
    public record Controls(boolean pause, boolean resume, boolean proceed, boolean abort) {

        /** As {@code Rollouts} allows them: every control needs an open rollout (not a manual run, not ended). */
        static Controls of(RestartRuns.RunReport run) {
            boolean open = !run.finished() && run.rollout();
            boolean waiting = RestartRun.WAITING_APPROVAL.equals(run.state());
            boolean rollingBack = RestartRun.ROLLING_BACK.equals(run.state());
            return new Controls(open && !run.paused(), open && run.paused(), open && waiting, open && !rollingBack);
        }

        public boolean any() {
            return pause || resume || proceed || abort;
        }
    }

    private static final Map<String, String> WORDS = Map.of(
            "waiting_approval", "waiting for approval",
            "rolling_back", "rolling back",
            "rolled_back", "rolled back");

    /** The run as of {@code now} (which decides whether a bake is still under way). */
    static RunView of(RestartRuns.RunReport run, Instant now) {
        String shown = RestartRun.ROLLING_BACK.equals(run.state()) ? run.state() : run.outcome();
        return new RunView(run, WORDS.getOrDefault(shown, shown), run.paused() && !run.finished() ? "paused"
                : run.state(), reason(run, now), Controls.of(run),
                run.waves().isEmpty() ? List.of() : run.results().stream().filter(r -> r.wave() == null).toList());
    }

    /**
     * The configuration versions (runtime-config's {@code version}, as webhook bodies and environment files name
     * them) this run's runtimes were restarted onto, lowest first, e.g. "12" or "12 and 13" (a rollback restarts onto
     * a later one); null before the first restart. Not {@link RestartRuns.RunReport#settingsVersion()}, the saved
     * kind's (or shared secret's) own version.
     */
    public String configurationVersions() {
        List<String> versions = run.results().stream().map(RestartRuns.ResultView::envVersion)
                .filter(java.util.Objects::nonNull).distinct().sorted().map(String::valueOf).toList();
        return versions.isEmpty() ? null : versions.size() == 1 ? versions.get(0)
                : String.join(", ", versions.subList(0, versions.size() - 1)) + " and " + versions.get(versions.size() - 1);
    }

    /** What the run does or waits for while open; why it ended once final (the engine's reason where it gave one). */
    static String reason(RestartRuns.RunReport run, Instant now) {
        if (run.sharedVariable() != null && !run.finished()) {
            return disagreement(run);
        }
        if (!run.rollout()) {
            return null;
        }
        if (!run.finished()) {
            if (run.paused()) {
                return "Paused by an admin: no new restart starts and the rollout does not advance until it is"
                        + " resumed (restarts already under way finish).";
            }
            if (RestartRun.WAITING_APPROVAL.equals(run.state())) {
                return "The canary is confirmed. Waiting for an admin to press Continue; Abort rolls the canary back.";
            }
            if (RestartRun.ROLLING_BACK.equals(run.state())) {
                return sentence(run.reason(), "A wave failed") + ". Restarting the runtimes already"
                        + " moved back onto the previous key" + (run.rollbackVersion() == null ? ""
                                : " (saved again as settings version " + run.rollbackVersion() + ")") + ".";
            }
            if (run.currentWave() == 0) {
                return "Discovering the targets' runtimes; the waves are planned once every target is discovered.";
            }
            if (run.bakeUntil() != null && run.bakeUntil().isAfter(now)) {
                return "Wave " + run.currentWave() + " is confirmed; the next wave starts after the bake, at "
                        + run.bakeUntil() + ".";
            }
            String state = run.waves().stream().filter(w -> w.number() == run.currentWave())
                    .map(RestartRuns.WaveView::state).findFirst().orElse("under way");
            return "Wave " + run.currentWave() + " of " + run.waveCount() + ": " + state + ".";
        }
        return switch (run.state()) {
            case RestartRun.SUCCEEDED -> "Every wave was confirmed: every runtime runs the new key.";
            case RestartRun.SUPERSEDED -> "A newer save of " + run.kind() + " took over"
                    + (run.supersededBy() == null ? "" : " (run " + run.supersededBy() + ")")
                    + "; this rollout's remaining waves were cancelled.";
            case RestartRun.ROLLED_BACK -> sentence(run.reason(), "A wave failed")
                    + ". The runtimes already moved were restarted back onto the previous key"
                    + (run.rollbackVersion() == null ? "" : ", saved again as settings version " + run.rollbackVersion())
                    + "; the others were never touched.";
            case RestartRun.ABORTED -> run.reason() == null ? "Aborted by an admin." : run.reason();
            default -> run.reason();
        };
    }

    /**
     * While a shared secret's run is open: its targets are restarted together, and until each is, some run the old
     * value and some the new, e.g. "Until this run finishes, dialler and fleet may disagree on VOXCORE_SECRET: ...".
     */
    static String disagreement(RestartRuns.RunReport run) {
        List<String> targets = run.targetNames();
        String named = targets.size() <= 1 ? String.join("", targets)
                : String.join(", ", targets.subList(0, targets.size() - 1)) + " and " + targets.get(targets.size() - 1);
        return "Until this run finishes, " + named + " may disagree on " + run.sharedVariable() + ": shared secret "
                + run.sharedSecret() + " settings version " + run.settingsVersion() + " is being restarted into "
                + (targets.size() == 1 ? "it" : "all of them at once") + ", and a runtime not restarted yet still holds"
                + " the previous value.";
    }

    /** The engine's reason without a closing full stop (the caller goes on), or {@code otherwise} when it gave none. */
    private static String sentence(String reason, String otherwise) {
        if (reason == null || reason.isBlank()) {
            return otherwise;
        }
        String stripped = reason.strip();
        return stripped.endsWith(".") ? stripped.substring(0, stripped.length() - 1) : stripped;
    }
}
