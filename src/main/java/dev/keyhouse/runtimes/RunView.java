package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A restart run as its page shows it: the headline (the outcome in words, with every runtime of the run counted),
 * the reason in plain words, and which controls its state allows. Everything here depends on the run's state, so
 * the page's live refresh swaps it whole.
 *
 * @param headline running, rolling back, paused, waiting for approval, succeeded, rolled back, halted, aborted,
 *        superseded; partial or failed for a manual run; "not confirmed" for a run that succeeded in restarting while
 *        some restarted runtime never confirmed (issue 20, item 3)
 * @param tone the headline's CSS state class: the run's verdict ({@link #verdict})
 * @param reason what the run does, waits for or why it ended, in plain words; null when there is nothing to say
 * @param outside a rollout's results in no wave: targets on hold, targets not discovered yet
 * @param tally every runtime of the run counted, failures named (issue 20, item 4)
 * @param results the run's results, failures first
 * @param waves the rollout's waves, each one's results failures first
 * @param tokenWarning why no runtime could fetch its configuration or report since the run began (the runtimes'
 *        token unset or refused), or null
 */
public record RunView(RestartRuns.RunReport run, String headline, String tone, String reason, Controls controls,
        List<RestartRuns.ResultView> outside, Tally tally, List<RestartRuns.ResultView> results,
        List<RestartRuns.WaveView> waves, String tokenWarning) {

    /** The error a rollout records on a result whose target an admin deleted while the run was under way. */
    static final String TARGET_DELETED = "the target was deleted";

    /**
     * Every runtime of a run (a rollout's rollback rows left out: they repeat runtimes already counted) as one
     * sentence: how many were restarted, which failed, how many of the restarted ones confirmed, which were not asked
     * to. Each runtime falls in exactly one of: failed, left out, rolled back (restarted, then restarted back by a
     * rollback: never counted as restarted), restarted and confirmed, restarted and not confirmed, restarted and not
     * asked (confirmation none), not restarted yet.
     *
     * @param runtimes the run's results (one per runtime, or per target not yet discovered)
     * @param confirmed restarted runtimes with evidence they run the new configuration ({@link #confirmed})
     * @param failed the failed ones, as {@code target} or {@code target/runtime}
     * @param leftOut held or cancelled (their wave never came)
     * @param notConfirmed the restarted ones asked to confirm that did not, labelled as {@code failed}
     * @param firstError the first failed one's error text, or null
     * @param notAsked the restarted ones whose confirmation is none (not waited for: neither confirmed nor
     *        unconfirmed), labelled as {@code failed}
     * @param restarted the runtimes restarted and still on what the run rolled out (the rolled-back ones are not);
     *        the API's {@code convergence.restarted}
     * @param rolledBack the runtimes a rollout's rollback restarted back onto the previous key (their status
     *        "rolled back"), labelled as {@code failed}: counted as that alone, neither restarted, confirmed,
     *        unconfirmed nor not asked
     * @param leftOutNames the {@code leftOut} ones, labelled as {@code failed}: every count of them names them
     * @param held the runtimes an admin's hold left out of the rollout, labelled as {@code failed}
     * @param notReached the runtimes whose wave never came (the rollout stopped first), labelled as {@code failed}
     * @param runState the run's stored state, which says why {@code notReached} were not reached; null for a wave
     * @param deleted the runtimes whose target an admin deleted while the run was under way (cancelled, "the target
     *        was deleted"; or restarted, then deleted before they confirmed or were restarted back), labelled as
     *        {@code failed}: left out, but not because the rollout stopped
     * @param onHeld the confirmed ones whose newest fetch was a held configuration carrying the change (another
     *        kind's open rollout held them back, b19 A), each "label on held configuration 112-h…"
     * @param backFailed the runtimes whose rollback restart failed — restarted by their wave, or never (another run
     *        gave them the change, or their restart was cancelled after an attempt): they may still run the change
     *        (b10 M2, b12 N5), labelled as {@code failed}; the restarted-back ones are in {@code rolledBack}, neither
     *        is left out
     * @param restartingBack such runtimes whose rollback restart is under way
     */
    public record Tally(int runtimes, int restarted, int confirmed, List<String> failed, int leftOut,
            List<String> notConfirmed, String firstError, List<String> notAsked, List<String> rolledBack,
            List<String> leftOutNames, List<String> held, List<String> notReached, String runState,
            List<String> deleted, List<String> onHeld, List<String> backFailed, List<String> restartingBack) {

        static Tally of(RestartRuns.RunReport run) {
            return of(run, r -> true);
        }

        /** The results of {@code run} that {@code which} takes, counted. */
        static Tally of(RestartRuns.RunReport run, java.util.function.Predicate<RestartRuns.ResultView> which) {
            return of(run.results(), run.rollout(), run.waveCount(), run.state(), which);
        }

        /**
         * The {@code results} that {@code which} takes, counted; a rollout's rollback rows (wave after
         * {@code waveCount}) left out: they repeat runtimes already counted.
         *
         * @param runState the run's stored state (why its cancelled runtimes were not reached), or null
         */
        static Tally of(List<RestartRuns.ResultView> results, boolean rollout, int waveCount, String runState,
                java.util.function.Predicate<RestartRuns.ResultView> which) {
            int runtimes = 0;
            int restarted = 0;
            int confirmed = 0;
            List<String> leftOut = new ArrayList<>();
            List<String> held = new ArrayList<>();
            List<String> notReached = new ArrayList<>();
            List<String> deleted = new ArrayList<>();
            String firstError = null;
            List<String> failed = new ArrayList<>();
            List<String> notConfirmed = new ArrayList<>();
            List<String> notAsked = new ArrayList<>();
            List<String> rolledBack = new ArrayList<>();
            List<String> onHeld = new ArrayList<>();
            List<String> backFailed = new ArrayList<>();
            List<String> restartingBack = new ArrayList<>();
            for (RestartRuns.ResultView r : results) {
                if (rollout && r.wave() != null && r.wave() > waveCount || !which.test(r)) {
                    continue;
                }
                runtimes++;
                if (RestartResult.RESTARTED.equals(r.state()) && r.deleted()) {
                    // restarted, then its target deleted before it confirmed or the rollback restarted it back: no
                    // longer Keyhouse's
                    leftOut.add(label(r));
                    deleted.add(label(r));
                } else if ((RestartResult.RESTARTED.equals(r.state()) || RestartResult.CANCELLED.equals(r.state()))
                        && RestartRuns.ResultView.ROLLED_BACK.equals(r.status())) {
                    // restarted back onto the previous key: counted as that and nothing else, never as restarted; a
                    // runtime its wave never restarted that the rollback restarted back too (b10 M2), never as left
                    // out: another run gave it the change
                    rolledBack.add(label(r));
                } else if (RestartRuns.ResultView.BACK_FAILED.equals(r.status())) {
                    // restarted by its wave or another run, and its rollback restart failed: it may still run the
                    // change (b10 M2, b12 N5), never counted as restarted or unconfirmed
                    backFailed.add(label(r));
                } else if (RestartRuns.ResultView.RESTARTING_BACK.equals(r.status())) {
                    restartingBack.add(label(r));
                } else if (RestartResult.RESTARTED.equals(r.state())) {
                    restarted++;
                    if (r.notAsked()) {
                        notAsked.add(label(r));
                    } else if (RunView.confirmed(r)) {
                        confirmed++;
                        if (r.ackHeld() != null) {
                            onHeld.add(label(r) + " on " + r.ackHeld());
                        }
                    } else {
                        notConfirmed.add(label(r));
                    }
                } else if (RestartResult.FAILED.equals(r.state()) || RestartResult.TIMED_OUT.equals(r.state())) {
                    failed.add(label(r));
                    firstError = firstError == null ? r.error() : firstError;
                } else if (RestartResult.HELD.equals(r.state()) || RestartResult.CANCELLED.equals(r.state())) {
                    leftOut.add(label(r));
                    (RestartResult.HELD.equals(r.state()) ? held : TARGET_DELETED.equals(r.error()) ? deleted
                            : notReached).add(label(r));
                }
            }
            return new Tally(runtimes, restarted, confirmed, List.copyOf(failed), leftOut.size(),
                    List.copyOf(notConfirmed), firstError, List.copyOf(notAsked), List.copyOf(rolledBack),
                    List.copyOf(leftOut), List.copyOf(held), List.copyOf(notReached), runState,
                    List.copyOf(deleted), List.copyOf(onHeld), List.copyOf(backFailed), List.copyOf(restartingBack));
        }

        /**
         * e.g. "restarted 1 of 3 (failed: voice-b), confirmed 0 of 1", "restarted 1 of 1, confirmation not asked
         * for 1 (none): cmd1" or "restarted 0 of 3 (failed: hook501), rolled back 2: cmd1, cmd2auto" (a rolled-back
         * runtime is not counted as restarted); never "0 of 0": a count of none is said so.
         */
        public String text() {
            StringBuilder text = new StringBuilder("restarted " + restarted + " of " + runtimes);
            if (!failed.isEmpty()) {
                text.append(" (failed: ").append(String.join(", ", failed)).append(')');
            }
            if (leftOut > 0) {
                text.append(", ").append(leftOutText(": ", ", "));
            }
            if (!rolledBack.isEmpty()) {
                text.append(", ").append(rolledBackText());
            }
            if (!restartingBack.isEmpty()) {
                text.append(", restarting back ").append(restartingBack.size()).append(": ")
                        .append(String.join(", ", restartingBack));
            }
            if (!backFailed.isEmpty()) {
                text.append(", rollback restart failed ").append(backFailed.size()).append(": ")
                        .append(String.join(", ", backFailed));
            }
            if (asked() > 0) {
                text.append(", confirmed ").append(confirmed).append(" of ").append(asked());
            }
            if (!notAsked.isEmpty()) {
                text.append(", ").append(notAskedText());
            }
            return text.toString();
        }

        /**
         * The runtimes not restarted on purpose or by the run's end, each group named apart (h20m point 3), e.g.
         * "1 held (left out by an admin): batch, 2 not reached (the rollout halted before their wave): b, c";
         * {@code names} before each group's names, {@code between} between the groups. Empty when none.
         */
        public String leftOutText(String names, String between) {
            List<String> parts = new ArrayList<>();
            if (!held.isEmpty()) {
                parts.add(held.size() + " held (left out by an admin)" + names + String.join(", ", held));
            }
            if (!notReached.isEmpty()) {
                parts.add(notReached.size() + " not reached (" + stoppedBefore(runState) + ")" + names
                        + String.join(", ", notReached));
            }
            if (!deleted.isEmpty()) {
                parts.add(deleted.size() + " deleted during the run (its target deleted by an admin)" + names
                        + String.join(", ", deleted));
            }
            return String.join(between, parts);
        }

        /** Why a rollout's runtime was never reached, by the run's state: "the rollout halted before their wave". */
        static String stoppedBefore(String runState) {
            String how = runState == null ? "stopped" : switch (runState) {
                case RestartRun.HALTED -> "halted";
                case RestartRun.ROLLED_BACK, RestartRun.ROLLING_BACK -> "was rolled back";
                case RestartRun.ABORTED -> "was aborted";
                case RestartRun.SUPERSEDED -> "was superseded by a newer save";
                default -> "stopped";
            };
            return "the rollout " + how + " before their wave";
        }

        /** The restarted runtimes asked to confirm (confirmation other than none); rolled-back ones are not restarted. */
        public int asked() {
            return restarted - notAsked.size();
        }

        /**
         * Whether some runtime of it moved onto what the run rolled out: restarted, or restarted and then rolled
         * back, or restarted back (or tried to be) after another run gave it the change. What the runtimes list asks
         * before it shows a target's {@link #confirmedText()}.
         */
        public boolean moved() {
            return restarted > 0 || !rolledBack.isEmpty() || !backFailed.isEmpty() || !restartingBack.isEmpty();
        }

        /** e.g. "rolled back 1: cmd1", the status the runtimes list and the run page's rows say; empty for none. */
        public String rolledBackText() {
            return rolledBack.isEmpty() ? "" : "rolled back " + rolledBack.size() + ": " + String.join(", ", rolledBack);
        }

        /** e.g. "confirmation not asked for 1 (none): cmd1"; empty when every restarted runtime was asked. */
        public String notAskedText() {
            return notAsked.isEmpty() ? "" : "confirmation not asked for " + notAsked.size() + " (none): "
                    + String.join(", ", notAsked);
        }

        /**
         * The confirmation in a few words, as the runtimes list shows a target's share: "1 of 2 confirmed",
         * "restarted, confirmation not asked (none)", or both; a runtime confirmed on a held configuration carrying
         * the change (another kind's rollout held it back, b19 A) named with it: "1 of 1 confirmed (both on held
         * configuration 112-h3fa9c2e1 (stt held back by another rollout; this change in it))".
         */
        public String confirmedText() {
            String asked = asked() > 0 ? confirmed + " of " + asked() + " confirmed" + (onHeld.isEmpty() ? ""
                    : " (" + String.join("; ", onHeld) + ")") : "";
            String none = notAsked.isEmpty() ? "" : (notAsked.size() == restarted ? "restarted" : notAsked.size()
                    + " restarted") + ", confirmation not asked (none)";
            String back = rolledBack.isEmpty() ? "" : restarted == 0 ? "rolled back"
                    : rolledBack.size() + " rolled back";
            // a runtime its wave never restarted, another run having given it the change (b10 M2)
            String backing = restartingBack.isEmpty() ? "" : "restarting back " + String.join(", ", restartingBack);
            String backFailedText = backFailed.isEmpty() ? "" : "rollback restart failed: " + String.join(", ",
                    backFailed) + " (may still run the change)";
            return String.join("; ", java.util.stream.Stream.of(asked, none, back, backing, backFailedText)
                    .filter(t -> !t.isEmpty()).toList());
        }

        /** The restarted runtimes that did not confirm, comma-separated. */
        public String notConfirmedText() {
            return String.join(", ", notConfirmed);
        }

        /** Some runtime restarted, asked to confirm, but did not. */
        public boolean unconfirmed() {
            return confirmed < asked();
        }

        /** Every restarted runtime was not asked to confirm (confirmation none), and some was restarted. */
        public boolean onlyNotAsked() {
            return restarted > 0 && notAsked.size() == restarted;
        }
    }

    /**
     * Whether a restarted runtime shows it runs the new configuration ({@link RestartRuns.ResultView#confirmed()},
     * the one verdict): its rollout's confirmation (report, fetch, health) confirmed it, or, undecided in a manual
     * run or in a rollout confirming it by fetch, it fetched by name since its restart the configuration version it
     * was restarted onto or a later one (a fetch never stands in for an awaited report or health signal). A rollout's "none" is no
     * evidence: such a runtime is not asked ({@link RestartRuns.ResultView#notAsked()}).
     */
    static boolean confirmed(RestartRuns.ResultView r) {
        return r.confirmed() && !r.notAsked();
    }

    /**
     * Whether what a run shows can still change, the one rule every live region showing a run polls by (its page,
     * a notice's status, the runtimes list, a target's page; first render and fragment alike): while it is not
     * {@code finished}; once finished, while some restarted runtime may still turn what it shows: asked to confirm and
     * still undecided (no recorded confirmation, not confirmed by a fetch), or not asked to confirm (confirmation
     * none, a rollback's restart back) and not yet shown fetching what it was restarted onto (a fetch turns it
     * "confirmed — fetched configuration version 21"); in either case its window not closed by a restart onto a
     * configuration without the change ({@link LaterRestarts}: a later restart that carried the change forward keeps
     * it open), not rolled back nor its target deleted ({@link RestartRuns.ResultView#settledApart()}), and its
     * restart — or the latest later one that carried the change ({@code carriedAt}) — ended less than {@code window}
     * ({@code ROLLOUT_CONFIRM_TIMEOUT_SECONDS}, the window a rollout's gate gives it) before {@code now}. Once false
     * nothing it shows changes: stop polling.
     */
    static boolean canChange(boolean finished, List<RestartRuns.ResultView> results, Instant now,
            java.time.Duration window) {
        return !finished || results.stream().anyMatch(r -> RestartResult.RESTARTED.equals(r.state())
                && (r.confirmState() == null || RestartResult.NOT_ASKED.equals(r.confirmState()))
                && !r.confirmed() && r.closedAt() == null
                && !r.settledApart() && r.finishedAt() != null
                && now.isBefore((r.carriedAt() != null ? r.carriedAt() : r.finishedAt()).plus(window)));
    }

    /**
     * A run's headline, the same on its page, the runtimes list, the API and the audit log: the run's one verdict
     * ({@link #verdict}) and its words ({@link #words}).
     *
     * @param text the verdict in words ("rolling back", "waiting for approval"), "not confirmed" for a run that
     *        succeeded in restarting while some restarted runtime asked to confirm never did, "restarted, confirmation
     *        not asked" for one whose every restarted runtime has confirmation none (not waited for)
     * @param state the verdict itself: its CSS state class, the API's {@code outcome} and {@code headlineState}
     */
    public record Headline(String text, String state) {
    }

    /** The headline of {@code run}: its verdict ({@link RestartRuns.RunReport#outcome()}) in words. */
    static Headline headline(RestartRuns.RunReport run) {
        return new Headline(words(run.outcome()), run.outcome());
    }

    /**
     * A run's one verdict, from which its page's headline, the runtimes list, the API's {@code outcome} and the audit
     * log's {@code restart.finish} entry all read: {@code rolling_back} while rolling back, {@code paused} while paused,
     * {@code unconfirmed} when every runtime was restarted ({@code succeeded}) but some asked to confirm did not,
     * {@code not_asked} when every restarted runtime has confirmation none, else the stored state ({@code running},
     * {@code waiting_approval}, {@code succeeded}, {@code partial}, {@code failed}, {@code rolled_back}, {@code halted},
     * {@code aborted}, {@code superseded}).
     *
     * @param state the run's stored state
     * @param tally the run's runtimes counted ({@link Tally})
     */
    static String verdict(String state, boolean paused, boolean finished, Tally tally) {
        if (paused && !finished) {
            return "paused";
        }
        if (RestartRun.SUCCEEDED.equals(state) && tally.unconfirmed()) {
            return "unconfirmed";
        }
        if (RestartRun.SUCCEEDED.equals(state) && tally.onlyNotAsked()) {
            return RestartResult.NOT_ASKED;
        }
        return state;
    }

    /** A verdict ({@link #verdict}) in words: "not confirmed", "rolling back", "succeeded". */
    static String words(String verdict) {
        return WORDS.getOrDefault(verdict, verdict);
    }

    /** A result as {@code target} or {@code target/runtime} (the runtime alone when it already names the target). */
    static String label(RestartRuns.ResultView r) {
        return r.runtime() == null || r.runtime().equals(r.target()) ? r.target() : r.target() + "/" + r.runtime();
    }

    /** Failed, failing and unconfirmed results first, each group in the order given. */
    static List<RestartRuns.ResultView> failuresFirst(List<RestartRuns.ResultView> results) {
        return results.stream().sorted(Comparator.comparingInt(r -> switch (r.status()) {
            case "failed", "failing", "unconfirmed" -> 0;
            default -> 1;
        })).toList();
    }

    /**
     * The controls a run's state allows (an admin's; viewers see none). Each answers 409 when the state changed in
     * the meantime.
     *
     * @param pause Pause, while the rollout runs or waits for approval (a rollback cannot be paused)
     * @param proceed Continue, while the rollout waits for approval after the canary and is not paused (a paused one
     *        is resumed first: Resume weighs what its runtimes reported while it was paused)
     * @param abort Abort: rolls the runtimes already moved back, where the previous key is good
     */
    public record Controls(boolean pause, boolean resume, boolean proceed, boolean abort) {

        /** As {@code Rollouts} allows them: every control needs an open rollout (not a manual run, not ended). */
        static Controls of(RestartRuns.RunReport run) {
            boolean open = !run.finished() && run.rollout();
            boolean waiting = RestartRun.WAITING_APPROVAL.equals(run.state());
            boolean rollingBack = RestartRun.ROLLING_BACK.equals(run.state());
            return new Controls(open && !run.paused() && !rollingBack, open && run.paused(),
                    open && waiting && !run.paused(), open && !rollingBack);
        }

        public boolean any() {
            return pause || resume || proceed || abort;
        }
    }

    private static final Map<String, String> WORDS = Map.of(
            "unconfirmed", "not confirmed",
            RestartResult.NOT_ASKED, "restarted, confirmation not asked",
            "waiting_approval", "waiting for approval",
            "rolling_back", "rolling back",
            "rolled_back", "rolled back");

    /** The run as of {@code now} (which decides whether a bake is still under way), the runtimes' token fine. */
    static RunView of(RestartRuns.RunReport run, Instant now) {
        return of(run, now, null);
    }

    /**
     * The run as of {@code now}; {@code tokenWarning} says why runtimes could not fetch or report since it began
     * (null when nothing was refused).
     */
    static RunView of(RestartRuns.RunReport run, Instant now, String tokenWarning) {
        Tally tally = run.tally();
        Headline headline = headline(run);
        List<RestartRuns.WaveView> waves = run.waves().stream().map(w -> new RestartRuns.WaveView(w.number(),
                w.kind(), w.state(), w.startedAt(), w.finishedAt(),
                RolloutOutlook.fallbackReason(run.cause(), run.kind(), w.decision()), failuresFirst(w.runtimes())))
                .toList();
        String reason = reason(run, now);
        if (RestartRun.SUCCEEDED.equals(run.state()) && tally.unconfirmed()) {
            reason = "Every runtime was restarted, but " + tally.notConfirmed().size() + " of " + tally.asked()
                    + " did not confirm that it runs the new configuration (no fetch by name of the configuration version"
                    + " it was restarted onto,"
                    + " status report or health check since its restart): " + String.join(", ", tally.notConfirmed())
                    + "." + notAsked(tally);
        } else if (RestartRun.SUCCEEDED.equals(run.state()) && !tally.notAsked().isEmpty()) {
            reason = (tally.confirmed() > 0 ? "Every runtime asked to confirm did (" + tally.confirmed() + " of "
                    + tally.asked() + ")." : tally.leftOut() > 0 ? "Every runtime it reached was restarted."
                            : "Every runtime was restarted.") + notAsked(tally);
        }
        String apart = run.sharedVariable() != null && !run.stillBehind().isEmpty() ? apart(run) : null;
        if (apart != null && (reason == null || !reason.startsWith(apart))) {
            // a succeeded shared secret run whose linked target is disabled still leaves the two disagreeing (b19 H)
            reason = apart + (reason == null ? "" : " " + reason);
        }
        return new RunView(run, headline.text(), headline.state(), reason, Controls.of(run),
                run.waves().isEmpty() ? List.of()
                        : failuresFirst(run.results().stream().filter(r -> r.wave() == null).toList()),
                tally, failuresFirst(run.results()), waves, tokenWarning);
    }

    /**
     * The configuration versions (runtime-config's {@code version}, as webhook bodies and environment files name
     * them) this run's runtimes were restarted onto, lowest first, e.g. "12" or "12 and 13" (a rollback restarts onto
     * a later one); null before the first restart, and when none restarted. Not {@link RestartRuns.RunReport#settingsVersion()}, the saved
     * kind's (or shared secret's) own version.
     */
    public String configurationVersions() {
        // only the runtimes that restarted: a failed restart's environment was written for a version it never ran
        List<String> versions = run.results().stream().filter(r -> RestartResult.RESTARTED.equals(r.state()))
                .map(RestartRuns.ResultView::envVersion).filter(java.util.Objects::nonNull).distinct().sorted()
                .map(String::valueOf).toList();
        return versions.isEmpty() ? null : versions.size() == 1 ? versions.get(0)
                : String.join(", ", versions.subList(0, versions.size() - 1)) + " and " + versions.get(versions.size() - 1);
    }

    /**
     * The restarted runtimes of {@code run} that {@code which} takes and that did not confirm, as every summary says
     * them (h20m point 2): while the run is open "not yet: a, b" (they may still confirm), those that reported failing
     * apart, "failing: a (reported failing: …)"; once it has its verdict
     * "unconfirmed: " and why, by group, e.g. "unconfirmed: chat-1 (not confirmed (fetch) within 120 s
     * (ROLLOUT_CONFIRM_TIMEOUT_SECONDS))" (a rollout's window, as its gate recorded it), "unconfirmed: cmd1 (no fetch
     * by name of the configuration version it was restarted onto, status report or health check since its
     * restart)" (a run with no window), never "not yet". Empty when every such runtime confirmed or was not asked.
     */
    static String unconfirmedText(RestartRuns.RunReport run, java.util.function.Predicate<RestartRuns.ResultView> which) {
        Map<String, List<String>> byWhy = new java.util.LinkedHashMap<>();
        List<String> failing = new ArrayList<>();
        for (RestartRuns.ResultView r : run.results()) {
            boolean own = !run.rollout() || r.wave() == null || r.wave() <= run.waveCount();
            if (own && which.test(r) && RestartResult.RESTARTED.equals(r.state()) && !r.notAsked() && !confirmed(r)
                    && !r.settledApart()) {
                if (!run.finished() && "failing".equals(r.confirmState())) {
                    // it said it fails: never "not yet" while the run is open (breaker b13, 2)
                    failing.add(label(r) + " (" + r.confirmDetail() + ")");
                } else {
                    byWhy.computeIfAbsent(whyUnconfirmed(run, r), w -> new ArrayList<>()).add(label(r));
                }
            }
        }
        if (byWhy.isEmpty() && failing.isEmpty()) {
            return "";
        }
        if (!run.finished()) {
            return String.join("; ", java.util.stream.Stream.of(
                    failing.isEmpty() ? "" : "failing: " + String.join("; ", failing),
                    byWhy.isEmpty() ? "" : "not yet: " + String.join(", ", byWhy.values().stream()
                            .flatMap(List::stream).toList())).filter(t -> !t.isEmpty()).toList());
        }
        return "unconfirmed: " + String.join("; ", byWhy.entrySet().stream()
                .map(e -> String.join(", ", e.getValue()) + " (" + e.getKey() + ")").toList());
    }

    /** Why a restarted runtime of a finished run is unconfirmed: its gate's words, else what never came. */
    private static String whyUnconfirmed(RestartRuns.RunReport run, RestartRuns.ResultView r) {
        if (r.confirmState() != null && r.confirmDetail() != null && !r.confirmDetail().isBlank()) {
            return r.confirmDetail();
        }
        return run.rollout() ? "the rollout ended before it confirmed"
                : "no fetch by name of the configuration version it was restarted onto, status report or health check"
                        + " since its restart";
    }

    /** The run's {@link #unconfirmedText(RestartRuns.RunReport, java.util.function.Predicate)}, every runtime. */
    public String unconfirmedText() {
        return unconfirmedText(run, r -> true);
    }

    /** The sentence on the runtimes not asked to confirm (confirmation none), with a leading space; or empty. */
    private static String notAsked(Tally tally) {
        return tally.notAsked().isEmpty() ? "" : " Confirmation was not asked of " + String.join(", ", tally.notAsked())
                + " (confirmation none): the run did not wait for " + (tally.notAsked().size() == 1 ? "it" : "them")
                + ", and nothing shows " + (tally.notAsked().size() == 1 ? "it runs" : "they run")
                + " the new configuration.";
    }

    /** What the run does or waits for while open; why it ended once final (the engine's reason where it gave one). */
    static String reason(RestartRuns.RunReport run, Instant now) {
        if (run.sharedVariable() != null && !run.finished()) {
            return disagreement(run);
        }
        if (run.sharedVariable() != null && !run.stillBehind().isEmpty()) {
            String apart = apart(run);
            if (apart != null) {
                return apart;
            }
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
                        + " moved back onto " + RolloutOutlook.restoredOnto(run.reason())
                        + (run.rollbackVersion() == null ? ""
                                : " (saved again as settings version " + run.rollbackVersion() + ")") + ".";
            }
            if (run.currentWave() == 0) {
                return "Discovering the targets' runtimes; the waves are planned once every target is discovered.";
            }
            if (run.bakeUntil() != null && run.bakeUntil().isAfter(now)) {
                // a wave whose runtimes were all restarted with confirmation none passed unconfirmed (V18)
                boolean notAsked = run.waves().stream().anyMatch(w -> w.number() == run.currentWave()
                        && "restarted".equals(w.state()));
                return "Wave " + run.currentWave() + (notAsked ? " is restarted (its runtimes were not asked to"
                        + " confirm)" : " is confirmed") + "; the next wave starts after the bake, at "
                        + dev.keyhouse.web.TemplateExtensions.utc(run.bakeUntil()) + ".";
            }
            String state = run.waves().stream().filter(w -> w.number() == run.currentWave())
                    .map(RestartRuns.WaveView::state).findFirst().orElse("under way");
            return "Wave " + run.currentWave() + " of " + run.waveCount() + ": " + state + ".";
        }
        return switch (run.state()) {
            case RestartRun.SUCCEEDED -> succeeded(run);
            case RestartRun.SUPERSEDED -> "A newer save of " + run.kind() + " took over"
                    + (run.supersededBy() == null ? "" : " (run " + run.supersededBy() + ")")
                    + "; this rollout's remaining waves were cancelled.";
            case RestartRun.ROLLED_BACK -> sentence(run.reason(), "A wave failed") + ". " + rolledBack(run);
            case RestartRun.ABORTED -> run.reason() == null ? "Aborted by an admin." : run.reason();
            default -> RolloutOutlook.fallbackReason(run.cause(), run.kind(), run.reason());
        };
    }

    /**
     * A succeeded rollout's reason: every runtime it restarted runs what it rolled out, and a target an admin held
     * (left out) is named as still on the previous configuration until it is restarted (breaker b9, M1: "every
     * runtime runs the new configuration" while a held one did not).
     */
    private static String succeeded(RestartRuns.RunReport run) {
        List<String> held = Tally.of(run).held();
        if (held.isEmpty()) {
            return "Every wave was confirmed: every runtime runs " + movedOnto(run) + ".";
        }
        return "Every wave was confirmed: every runtime it restarted runs " + movedOnto(run) + ". Held and left out: "
                + String.join(", ", held) + " — still on the previous configuration until restarted (Restart now on"
                + " its target's page).";
    }

    /** What the run moved its runtimes onto ("the new key" only when a key changed); "the new configuration" if unknown. */
    static String movedOnto(RestartRuns.RunReport run) {
        return run.movedOnto() == null ? "the new configuration" : run.movedOnto();
    }

    /**
     * What a finished rollback did, counted from the run's results: which runtimes were restarted back (those whose
     * restart had succeeded or timed out: the ones that moved or may have), whose rollback restart failed, whose own
     * restart failed (not restarted back: it never moved), and how many were never touched (held, their wave never
     * came, or their target deleted, before the rollback restarted them back too).
     */
    static String rolledBack(RestartRuns.RunReport run) {
        List<String> back = new ArrayList<>();
        List<String> backFailed = new ArrayList<>();
        for (RestartRuns.ResultView r : run.results()) {
            if (r.wave() != null && r.wave() > run.waveCount()
                    && !(RestartResult.CANCELLED.equals(r.state()) && TARGET_DELETED.equals(r.error()))) {
                // a rollback restart whose target was deleted first is counted with the deleted, never as failed
                (RestartResult.RESTARTED.equals(r.state()) ? back : backFailed).add(label(r));
            }
        }
        Tally tally = run.tally();
        String saved = run.rollbackVersion() == null ? "" : " (saved again as settings version "
                + run.rollbackVersion() + ")";
        String previous = RolloutOutlook.restoredOnto(run.reason());
        StringBuilder text = new StringBuilder(back.isEmpty() && backFailed.isEmpty()
                ? "No runtime had moved: " + previous + " is back" + saved + " and nothing was restarted back."
                : "Restarted back onto " + previous + saved + ": " + (back.isEmpty() ? "none" : String.join(", ", back))
                        + ".");
        if (!backFailed.isEmpty()) {
            text.append(" The rollback restart of ").append(String.join(", ", backFailed))
                    .append(" failed: it may still run ").append(movedOnto(run)).append('.');
        }
        // a runtime the rollback restarted back (or tried to) is named there, never as one that never moved
        List<String> neverMoved = run.results().stream().filter(r -> (r.wave() == null || r.wave() <= run.waveCount())
                && RestartResult.FAILED.equals(r.state())).map(RunView::label)
                .filter(l -> !back.contains(l) && !backFailed.contains(l)).toList();
        if (!neverMoved.isEmpty()) {
            text.append(" Not restarted back (its restart had failed, it never moved): ")
                    .append(String.join(", ", neverMoved)).append('.');
        }
        if (tally.leftOut() > 0) {
            text.append(" Never touched: ").append(tally.leftOutText(": ", "; ")).append('.');
        }
        return text.toString();
    }

    /**
     * While a shared secret's run is open: its targets are restarted together, and until each is, some run the old
     * value and some the new, e.g. "Until this run finishes, dialler and fleet may disagree on VOXCORE_SECRET: ...".
     */
    static String disagreement(RestartRuns.RunReport run) {
        List<String> targets = run.targetNames();
        return "Until this run finishes, " + and(targets) + " may disagree on " + run.sharedVariable() + ": shared secret "
                + run.sharedSecret() + " settings version " + run.settingsVersion() + " is being restarted into "
                + (targets.size() == 1 ? "it" : "all of them at once") + ", and a runtime not restarted yet "
                + (first(run) ? "has no value yet." : "still holds the previous value.");
    }

    /** Whether the run rolls out a shared secret's first version (its creation): before it, no target had a value. */
    private static boolean first(RestartRuns.RunReport run) {
        return run.settingsVersion() != null && run.settingsVersion() == 1;
    }

    /**
     * After a shared secret's run ended with some runtimes restarted and others not (and those not restarted since):
     * they disagree now, e.g. "fleet and dialler disagree on VOXCORE_SECRET: fleet runs shared secret voxcore
     * version 3; dialler (its restart did not succeed) still holds the previous value. ..." ("has no value yet" after
     * the secret's first version, when there was none). A runtime whose failed restart wrote its configuration first
     * ({@link RestartRuns#WRITTEN_BEHIND}) is never said to hold the previous value: "llm (its failed restart may have
     * applied the change) may already hold the new value in its configuration, while its process may still run the
     * previous value" (breaker b13, finding 3). Null when none moved (they all still agree on the previous value).
     */
    static String apart(RestartRuns.RunReport run) {
        List<String> moved = run.results().stream().filter(r -> RestartResult.RESTARTED.equals(r.state()))
                .map(RunView::label).distinct().toList();
        if (moved.isEmpty()) {
            return null;
        }
        List<String> failed = new ArrayList<>();
        List<String> written = new ArrayList<>();
        List<String> disabled = new ArrayList<>();
        for (String b : run.stillBehind()) {
            if (b.endsWith(RestartRuns.DISABLED_BEHIND)) {
                disabled.add(b.substring(0, b.length() - RestartRuns.DISABLED_BEHIND.length()));
            } else if (b.endsWith(RestartRuns.WRITTEN_BEHIND)) {
                written.add(b.substring(0, b.length() - RestartRuns.WRITTEN_BEHIND.length()));
            } else {
                failed.add(b);
            }
        }
        List<String> behind = new ArrayList<>(failed);
        behind.addAll(written);
        behind.addAll(disabled);
        List<String> all = new ArrayList<>(moved);
        all.addAll(behind);
        List<String> why = new ArrayList<>();
        if (!failed.isEmpty()) {
            why.add(and(failed) + " (" + (failed.size() == 1 ? "its" : "their") + " restart did not succeed)");
        }
        if (!disabled.isEmpty()) {
            why.add(and(disabled) + " (disabled, so not restarted)");
        }
        List<String> sides = new ArrayList<>();
        if (!why.isEmpty()) {
            int previous = failed.size() + disabled.size();
            sides.add(and(why) + " " + (first(run) ? (previous == 1 ? "has" : "have") + " no value yet"
                    : "still " + (previous == 1 ? "holds" : "hold") + " the previous value"));
        }
        if (!written.isEmpty()) {
            // the driver wrote the configuration before the command failed: what it holds may be the new value
            List<String> mayHave = written.stream().map(w -> w + Rollouts.mayHaveApplied(run.results().stream()
                    .filter(r -> label(r).equals(w) && !RestartResult.RESTARTED.equals(r.state()))
                    .map(RestartRuns.ResultView::state).findFirst().orElse(RestartResult.FAILED))).toList();
            boolean one = written.size() == 1;
            sides.add(and(mayHave) + " may already hold the new value in " + (one ? "its configuration, while its"
                    + " process may still run " : "their configuration, while their processes may still run ")
                    + (first(run) ? "without one" : "the previous value"));
        }
        return and(all) + " disagree on " + run.sharedVariable() + ": " + and(moved) + (moved.size() == 1 ? " runs"
                : " run") + " shared secret " + run.sharedSecret() + " version " + run.settingsVersion() + "; "
                + String.join("; ", sides) + ". Restart " + and(behind)
                + " (Runtimes, Restart now): this page says so until " + (behind.size() == 1 ? "it has" : "they have")
                + " been restarted.";
    }

    /** "a", "a and b", "a, b and c". */
    private static String and(List<String> names) {
        return names.size() <= 1 ? String.join("", names)
                : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
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
