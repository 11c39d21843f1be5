package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.keyhouse.checks.CheckResult;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.RolloutNews;
import dev.keyhouse.settings.RuntimeToken;
import dev.keyhouse.settings.SettingField;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * What the pages and the save answers say about rollouts: a save's plan ("rolling out: canary chat-1 first, then 6
 * more in 3 waves"), the halted and rolled-back rollouts still waiting for a working key, and where each runtime
 * stands in the newest rollout that reached it. Reads only; the rollouts themselves are run by {@code Rollouts}.
 */
@ApplicationScoped
public class RolloutOutlook implements RolloutNews {

    /** How many of the newest rollouts the Runtimes list looks through for each runtime's place. */
    static final int RECENT_ROLLOUTS = 5;

    /**
     * A runtime's place in the newest rollout that reached it, for the Runtimes list.
     *
     * @param outcome the rollout's outcome (running, succeeded, rolled_back ...)
     * @param status the runtime's status in it (see {@link RestartRuns.ResultView#status()})
     * @param detail what confirmed it or why not ({@code confirmDetail}, else the restart's error); may be null
     */
    public record InRollout(long run, String outcome, Integer wave, String status, String detail) {

        /** {@code status} in words, as the run page says it ({@link RestartRuns.ResultView#statusText()}). */
        public String statusText() {
            return RestartResult.NOT_ASKED.equals(status) ? RestartRuns.ResultView.NOT_ASKED_TEXT : status;
        }
    }

    private final RestartRuns runs;
    private final RolloutConfig config;
    private final RuntimeToken token;
    private final dev.keyhouse.settings.ProviderSettings settings;

    public RolloutOutlook(RestartRuns runs, RolloutConfig config, RuntimeToken token,
            dev.keyhouse.settings.ProviderSettings settings) {
        this.runs = runs;
        this.config = config;
        this.token = token;
        this.settings = settings;
    }

    @Override
    @Transactional
    public boolean underWay() {
        // paused or waiting for approval, a rollout saves nothing until an admin acts: idle polling sees that soon
        // enough
        return RestartRun.count("rollout = true and (state = ?1 and paused = false or state = ?2)", RestartRun.RUNNING,
                RestartRun.ROLLING_BACK) > 0;
    }

    @Override
    @Transactional
    public Dependents dependents(String kind) {
        List<RuntimeTarget> dependent = RestartRuns.dependents(kind);
        return new Dependents(dependent.stream().filter(t -> !t.held).map(t -> t.name + " (" + t.driver + ")").toList(),
                dependent.stream().filter(t -> t.held).map(t -> t.name).toList());
    }

    @Override
    @Transactional
    public Optional<Next> next(long runId) {
        RestartRun run = RestartRun.findById(runId);
        if (run == null || !run.rollout) {
            return Optional.empty();
        }
        List<RestartResult> results = RestartResult.list("runId = ?1 order by targetName, runtime, id", runId);
        if (run.waveCount > 0) {
            List<String> held = results.stream().filter(r -> RestartResult.HELD.equals(r.state))
                    .map(r -> r.targetName).distinct().toList();
            List<String> canary = results.stream().filter(r -> Integer.valueOf(1).equals(r.wave))
                    .map(r -> r.runtime).toList();
            long more = results.stream().filter(r -> r.wave != null && r.wave > 1 && r.wave <= run.waveCount).count();
            return Optional.of(discovered(run.id, canary, (int) more, run.waveCount - 1, held,
                    config.manualApproval()));
        }
        // before discovery the rows are not marked held yet: the run's rule (Rollouts.discover) leaves out every
        // target on hold when it assigns the waves, and the canary is picked among the others only
        Set<Long> ids = results.stream().map(r -> r.targetId).filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet());
        Map<String, RuntimeTarget> byName = ids.isEmpty() ? Map.of()
                : RuntimeTarget.<RuntimeTarget>list("id in ?1", ids).stream()
                        .collect(Collectors.toMap(t -> t.name, t -> t, (a, b) -> a));
        java.util.function.Predicate<RestartResult> leftOut = r -> RestartResult.HELD.equals(r.state)
                || (byName.containsKey(r.targetName) && byName.get(r.targetName).held);
        List<String> held = results.stream().filter(leftOut).map(r -> r.targetName).distinct().sorted().toList();
        List<String> targets = results.stream().filter(leftOut.negate()).filter(r -> r.targetId != null)
                .map(r -> r.targetName).distinct().sorted().toList();
        List<String> marked = targets.stream().filter(t -> byName.containsKey(t) && byName.get(t).canary).toList();
        return Optional.of(planned(run.id, targets, marked, held, config.canaryCount(), config.wavePercent(),
                config.manualApproval()));
    }

    @Override
    @Transactional
    public Optional<RunStatus> status(long runId) {
        if (RestartRun.findById(runId) == null) {
            return Optional.empty();
        }
        // the run's state and reason only, never a result's error: the form without output serves every reader
        RestartRuns.RunReport report = runs.reportWithoutOutput(runId);
        java.time.Instant now = java.time.Instant.now();
        RunView view = RunView.of(report, now);
        String next = null;
        if (report.rollout() && !report.finished()) {
            // where it stands and the plan while it rolls out (a paused one says so first); waiting for approval or
            // rolling back: that, and why
            String where = progress(report, now);
            String plan = (where == null ? "" : where + " — ") + next(runId).map(Next::next).orElse(view.headline());
            next = RestartRun.RUNNING.equals(view.tone()) ? plan : report.paused() && !report.finished()
                    ? "paused until an admin resumes it; " + plan
                    : view.headline() + (view.reason() == null ? "" : ": " + view.reason().replaceAll("\\.$", ""));
        }
        return Optional.of(new RunStatus(runId, report.rollout(), report.finished(), next, view.headline(),
                view.tone(), report.finished() ? view.reason() : null, report.live(), report.waitingOnAdmin()));
    }

    /**
     * Where an open rollout stands, said before its plan in "What happens next" so the notice moves with it wave by
     * wave: its current wave by name with that wave's state and runtimes, a bake under way and until when, and the
     * waves still to come, e.g. "now the canary (wave 1 of 3) confirming (chat-1); then 2 more waves" or "now wave 2
     * of 3 confirmed (chat-2); baking until 2026-12-02 17:02:03 UTC, then wave 3, the last". Null before the waves are
     * assigned (the plan alone says it then).
     */
    static String progress(RestartRuns.RunReport run, java.time.Instant now) {
        int n = run.currentWave();
        int of = run.waveCount();
        if (of <= 0 || n <= 0) {
            return null;
        }
        Optional<RestartRuns.WaveView> wave = run.waves().stream().filter(w -> w.number() == n).findFirst();
        List<String> runtimes = wave.map(w -> w.runtimes().stream().map(RunView::label).toList()).orElse(List.of());
        String who = runtimes.isEmpty() ? "" : " (" + (runtimes.size() <= 5 ? String.join(", ", runtimes)
                : String.join(", ", runtimes.subList(0, 5)) + " and " + (runtimes.size() - 5) + " more") + ")";
        String name = n == 1 ? "the canary (wave 1 of " + of + ")" : "wave " + n + " of " + of;
        int left = of - n;
        String then = left == 0 ? "the last wave" : left == 1 ? "then wave " + (n + 1) + ", the last"
                : "then " + left + " more waves";
        if (left > 0 && run.bakeUntil() != null && now.isBefore(run.bakeUntil())) {
            then = "baking until " + dev.keyhouse.web.TemplateExtensions.utc(run.bakeUntil()) + ", " + then;
        }
        return "now " + name + " " + wave.map(RestartRuns.WaveView::stateText).orElse("starting") + who + "; " + then;
    }

    /** The plan once waves are assigned: the canary's runtimes by name and how many follow in how many waves. */
    static Next discovered(long run, List<String> canary, int more, int waves, List<String> held, boolean approval) {
        String text;
        if (canary.isEmpty()) {
            text = "rolling out: no runtime to restart";
        } else {
            text = "rolling out: canary " + String.join(", ", canary) + " first"
                    + (more == 0 ? "; no other runtime follows"
                            : ", then " + more + " more in " + waves + (waves == 1 ? " wave" : " waves"));
        }
        return new Next(run, canary, text + tail(held, approval && !canary.isEmpty() && more > 0), approval);
    }

    /**
     * The plan before the targets' runtimes are discovered: the canary-marked targets, else the first
     * {@code canaryCount} runtimes by target name, then the other runtimes in waves of {@code wavePercent} %.
     */
    static Next planned(long run, List<String> targets, List<String> marked, List<String> held, int canaryCount,
            int wavePercent, boolean approval) {
        if (targets.isEmpty()) {
            return new Next(run, List.of(), "rolling out: no runtime to restart" + tail(held, false), approval);
        }
        List<String> canary;
        String first;
        if (!marked.isEmpty()) {
            canary = marked;
            first = String.join(", ", marked) + " (marked canary)";
        } else {
            canary = List.of(targets.get(0));
            first = canaryCount == 1 ? "the first runtime of " + targets.get(0)
                    : "the first " + canaryCount + " runtimes by target name, from " + targets.get(0) + " on";
        }
        String text = "rolling out: canary " + first + " first, then the other runtimes of "
                + String.join(", ", targets) + " in waves of " + wavePercent + " %";
        return new Next(run, canary, text + tail(held, approval), approval);
    }

    private static String tail(List<String> held, boolean approval) {
        return (held.isEmpty() ? "" : "; on hold and left out: " + String.join(", ", held))
                + (approval ? "; waiting for approval after the canary" : "");
    }

    @Override
    @Transactional
    public List<Alert> alerts() {
        List<RestartRun> newest = RestartRun.list("id in (select max(r.id) from RestartRun r where r.rollout = true"
                + " group by r.kind) order by kind");
        List<Alert> alerts = new ArrayList<>();
        for (RestartRun run : newest) {
            if (RestartRun.HALTED.equals(run.state) || RestartRun.ROLLED_BACK.equals(run.state)) {
                String title = ProviderKind.parse(run.kind).map(ProviderKind::title).orElse(run.kind);
                // no runtime could confirm because the runtimes' token is unset or refused (what the run page
                // names: from the run's start to the end of its confirmation window): the token is the cause
                RuntimeToken.Standing standing = token.standing(run.createdAt);
                boolean tokenCause = "unconfirmed".equals(run.failCode)
                        && standing.warning(run.createdAt, run.finishedAt == null ? null
                                : run.finishedAt.plus(config.confirmTimeout()), null, false) != null;
                RuntimeTarget culprit = targetCause(run.failCode) && !tokenCause ? culprit(run) : null;
                // a fallback change halted by its own key: no earlier version of the kind to go back to, and a
                // working key is not what is missing; undoing the change is (a target's failure names the target)
                boolean fallback = RestartRun.CAUSE_FALLBACK.equals(run.cause) && RestartRun.HALTED.equals(run.state)
                        && !targetCause(run.failCode);
                String advice = tokenCause ? tokenAdvice(standing.configured(), run.state)
                        : fallback ? fallbackAdvice(title, run.changeSummary)
                        : keysInUseAdvice(run.cause, run.kind, run.changeSummary, run.failCode, run.reason);
                String text = alertText(title, run.id, run.state, fallbackReason(run.cause, run.kind, run.reason),
                        run.rollbackVersion, run.failCode, culprit == null ? null : culprit.name, advice,
                        savedFields(run));
                String href = tokenCause ? "/admin/environment" : fallback ? "/admin/settings/" + run.kind : null;
                String words = tokenCause ? "Environment: PROVISIONER_INTERNAL_TOKEN"
                        : fallback ? title + " settings: fallbacks" : null;
                alerts.add(new Alert(run.id, run.kind, run.state, text, culprit == null ? null : culprit.id,
                        culprit == null ? null : culprit.name, href, words));
            }
        }
        return alerts;
    }

    /**
     * The labels of the fields a save's (or admin's rollback's) run changed, in form order ("Model", "API key"), by
     * the kind's stored versions; empty for other causes or when a version is not stored.
     */
    private List<String> savedFields(RestartRun run) {
        if (!(RestartRun.CAUSE_SAVE.equals(run.cause) || RestartRun.CAUSE_ROLLBACK.equals(run.cause))
                || run.settingsVersion == null || run.previousVersion == null || run.previousVersion < 1) {
            return List.of();
        }
        return ProviderKind.parse(run.kind).map(kind -> savedLabels(settings.differing(kind, run.previousVersion,
                run.settingsVersion), run.settingsVersion - 1 > 0 && run.settingsVersion - 1 != run.previousVersion
                        ? settings.differing(kind, run.settingsVersion - 1, run.settingsVersion) : List.of()))
                .orElse(List.of());
    }

    /**
     * The labels of the fields a save's run moved runtimes on, in form order: those its version differs in from the
     * run's previous version ({@code sincePrevious}), and from the version just before it ({@code own}): an admin's
     * rollback that superseded a save's rollout takes over that rollout's previous version, which may hold exactly
     * what the rollback wrote, though the rollback changed the model the save's runtimes ran (breaker b13, finding 4).
     */
    static List<String> savedLabels(List<SettingField> sincePrevious, List<SettingField> own) {
        java.util.EnumSet<SettingField> fields = java.util.EnumSet.noneOf(SettingField.class);
        fields.addAll(sincePrevious);
        fields.addAll(own);
        return fields.stream().map(SettingField::label).toList();
    }

    /**
     * Whether a fallback change, as its run's {@code changeSummary} says it, put a key into what runtimes run: an
     * entry added or enabled, or one whose key was saved or restored ("stt fallback 2 (custom) changed (changed apiKey;
     * enabled)", "…: restores version 3; changed apiKey"). Not a disable, a delete, a move, nor a change of other
     * fields. A summary in other words (or none) counts as bringing one, as before.
     */
    static boolean fallbackBringsKey(String change) {
        if (change == null) {
            return true;
        }
        if (change.endsWith(" was deleted")) {
            return false;
        }
        if (change.endsWith(" was added")) {
            return true;
        }
        int restores = change.indexOf(": restores version ");
        int changed = change.lastIndexOf(" changed (");
        if (restores >= 0) {
            int fields = change.indexOf("; changed ", restores);
            return fields >= 0 && namesKey(change.substring(fields + "; changed ".length()));
        }
        if (changed >= 0 && change.endsWith(")")) {
            for (String did : change.substring(changed + " changed (".length(), change.length() - 1).split("; ")) {
                if ("enabled".equals(did) || did.startsWith("changed ") && namesKey(did.substring(8))) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }

    /** The JSON names of the secret fields ("apiKey", ...), as a fallback change's summary names a changed key. */
    private static final Set<String> KEY_NAMES = java.util.Arrays.stream(SettingField.values())
            .filter(SettingField::secret).map(SettingField::json).collect(Collectors.toUnmodifiableSet());

    private static boolean namesKey(String changes) {
        return java.util.Arrays.stream(changes.split(", ")).anyMatch(KEY_NAMES::contains);
    }

    /**
     * The advice of a fallback change's rollout that a key refusal rolled back although the change put no key into
     * what runtimes run ({@link #fallbackBringsKey}: a disable, a delete, a move, a change of other fields): the
     * refused key is one the runtimes still use, never the fallback the rollback brought back, e.g. " — invalid_key
     * refuses a key this change did not bring in (stt fallback 2 (custom) changed (disabled)); check the keys the
     * runtimes still use: the stt primary's and its enabled fallbacks' (a key of another kind its runtimes use may be
     * the one)" (breaker b13, finding 4). Null for any other run: its advice is {@link #alertText}'s by its code.
     */
    static String keysInUseAdvice(String cause, String kind, String change, String failCode, String reason) {
        if (!RestartRun.CAUSE_FALLBACK.equals(cause) || !keyRefusal(failCode) || failCode == null
                || fallbackBringsKey(change) || reason != null && reason.strip().endsWith(ENTER_A_WORKING_KEY)) {
            return null;
        }
        return " — " + failCode + " refuses a key this change did not bring in (" + change.strip() + "); check the"
                + " keys the runtimes still use: the " + kind + " primary's and its enabled fallbacks' (a key of"
                + " another kind its runtimes use may be the one)";
    }

    /**
     * The codes ({@code restart_runs.fail_code}) of a wave that failed at a target, not at the provider: its restart
     * failed or timed out, a runtime did not confirm in time, or its health probe failed. Every other code is what a
     * runtime reported from its provider calls (invalid_key, no_credit, ...).
     */
    static final Set<String> TARGET_CAUSES = Set.of("restart_failed", "unconfirmed", "unhealthy");

    static boolean targetCause(String failCode) {
        return failCode != null && TARGET_CAUSES.contains(failCode);
    }

    /** What a live check refuses a key with ({@link CheckResult#blocksSave}): invalid_key, no_credit, forbidden. */
    private static final Set<String> REFUSED = java.util.Arrays.stream(CheckResult.values())
            .filter(CheckResult::blocksSave).map(CheckResult::json).collect(Collectors.toUnmodifiableSet());
    /** The HTTP statuses a provider refuses a key with: unauthorized, payment required (no credit), forbidden. */
    private static final Set<String> REFUSED_STATUSES = Set.of("http:401", "http:402", "http:403");
    /**
     * Words of a provider's own code (as a runtime may pass it on, split at {@code _ . : -}, any case) that name a
     * refused key or its account: {@code INVALID_AUTH}, {@code unauthenticated}, {@code permission_denied},
     * {@code insufficient_quota}, {@code billing_hard_limit_reached}, {@code credit_balance_too_low}, ...
     */
    private static final Set<String> REFUSAL_WORDS = Set.of("auth", "authentication", "unauthenticated",
            "unauthorized", "forbidden", "permission", "permissions", "quota", "credit", "credits", "billing",
            "balance", "payment", "deactivated", "suspended");
    /** With the word "key": a code such as {@code invalid_api_key}, {@code API_KEY_INVALID}, {@code key_revoked}. */
    private static final Set<String> BAD_KEY_WORDS = Set.of("invalid", "incorrect", "revoked", "expired", "leaked",
            "disabled");

    /**
     * Whether a run's {@code fail_code} says the provider refused the key (or its account): what a runtime reports
     * ({@code invalid_key}, {@code no_credit}, {@code http:401}), a live check's refusals
     * ({@link CheckResult#blocksSave}: invalid_key, no_credit, forbidden), {@code http:401/402/403}, or a provider's
     * code naming authentication, permission, quota, credit or billing, or a bad key. Null (a run recorded before
     * fail codes) counts as refused, as it was then. Not a refusal: a {@link #TARGET_CAUSES target cause}, an abort,
     * and what does not judge the key ({@code http:404} model or URL not found, {@code http:5xx}, {@code timeout},
     * {@code rate_limited}, {@code unreachable}, {@code unexpected}, a report without a code: {@code failing}).
     */
    static boolean keyRefusal(String failCode) {
        if (failCode == null) {
            return true;
        }
        String code = failCode.toLowerCase(java.util.Locale.ROOT);
        if (REFUSED.contains(code) || REFUSED_STATUSES.contains(code)) {
            return true;
        }
        List<String> words = List.of(code.split("[_.:-]+"));
        return words.stream().anyMatch(REFUSAL_WORDS::contains) || ((words.contains("key")
                || words.contains("apikey")) && words.stream().anyMatch(BAD_KEY_WORDS::contains));
    }

    /** The first target of the run whose restart failed or whose runtime did not confirm, if it still exists. */
    private static RuntimeTarget culprit(RestartRun run) {
        List<RestartResult> failed = RestartResult.list("runId = ?1 and targetId is not null and (state in ?2"
                + " or confirmState in ?3) and (wave is null or wave <= ?4) order by wave, targetName, runtime",
                run.id, List.of(RestartResult.FAILED, RestartResult.TIMED_OUT), List.of("failing", "unconfirmed"),
                run.waveCount);
        return failed.stream().map(r -> RuntimeTarget.<RuntimeTarget>findById(r.targetId))
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /**
     * The advice of an alert whose runtimes could not confirm because the runtimes' token is unset
     * ({@code configured} false) or refused: the token and where to set it, never a target nor a key.
     */
    static String tokenAdvice(boolean configured, String state) {
        String then = RestartRun.HALTED.equals(state) ? ", then restart the targets" : ", then save the key again";
        return configured
                ? " — runtimes were refused: give them the PROVISIONER_INTERNAL_TOKEN Keyhouse has (theirs is missing"
                        + " or wrong)" + then
                : " — PROVISIONER_INTERNAL_TOKEN is not set, so every runtime-config fetch and status report is"
                        + " refused: set it in Keyhouse's environment (or .env) and give the runtimes the same value"
                        + then;
    }

    /**
     * The advice of a halted rollout of a fallback change (it has no earlier version of the kind to go back to):
     * undo the change on the kind's fallbacks, which rolls the runtimes out again.
     *
     * @param change the run's {@code change_summary} (what the fallback change was), or null
     */
    static String fallbackAdvice(String title, String change) {
        return " — the fallback change" + (change == null || change.isBlank() ? "" : " (" + change.strip() + ")")
                + " stays: delete or disable the added fallback, or roll back the edited one, in the fallbacks of the "
                + title + " settings; that rolls the runtimes out again";
    }

    /**
     * A halted fallback rollout's {@code reason} (its run page reason and wave decision too) without "there is no
     * earlier llm version to roll back to", which blames a version the change never touched: "a fallback change
     * is not rolled back by itself" instead. Any other run's text as it is.
     */
    static String fallbackReason(String cause, String kind, String reason) {
        if (reason == null || !RestartRun.CAUSE_FALLBACK.equals(cause)) {
            return reason;
        }
        return reason.replace("there is no earlier " + kind + " version to roll back to",
                "a fallback change is not rolled back by itself");
    }

    /** The words an alert ends with when the provider refused a key: what the operator does next. */
    private static final String ENTER_A_WORKING_KEY = " — enter a working key";

    /**
     * How a rollback's reason names the key a change kept (a model-only save, a make-primary between entries with one
     * key): "the key, which this change kept (version 7 has the same), checked: ok" ({@code Rollouts}).
     */
    static final String KEPT_KEY = "the key, which this change kept";
    private static final java.util.regex.Pattern KEPT_KEY_OK = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(KEPT_KEY) + " \\(version \\d+ has the same\\), checked: ok\\b");

    /**
     * What failed first, then what the rollout did about it (breaker 3, point 3: failures first, in every summary),
     * then what to do, by the cause: e.g. "LLM rollout (run 12): wave 1 (canary): chat-1: reported failing:
     * invalid_key on version 31; restored: the previous key (version 7), checked: ok; version 7 restored as version 9
     * (back: API key); rolled back — enter a working key", or "…: wave 1 (canary): c-fail: restart failed; restored:
     * …; rolled back — fix target c-fail (its restart failed), then save the key again". A reason that does not say
     * what was restored (a run of an older Keyhouse) gets "rolled back: the previous key is back as version 9".
     *
     * <p>"Enter a working key" only when a key was refused: the run's code is a {@link #keyRefusal key refusal} and
     * the change changed the key ({@link #keyKept}: not a model-only save, breaker b10 M3), or its rollback's own
     * check refused the key (the reason ends with those words). Never when the rollback checked
     * the key the change kept and it was ok, nor for a code that does not judge the key ({@code http:404} model or
     * URL not found, {@code http:503}, {@code timeout}, {@code rate_limited}, a report without a code): then the
     * change is named, e.g. "… (back: Model); rolled back — the key checks ok; check the change (model, URL) before
     * making it again", "…; rolled back — http:404 is not a key refusal; check the change (model, URL) before making
     * it again", or, halted, "…; halted — http:404 is not a key refusal; correct the change (model, URL) and save it
     * again".
     *
     * @param reason the run's reason: the failing target first, then what the rollback did or why it did not
     * @param failCode the run's {@code fail_code}: a {@link #TARGET_CAUSES target cause} or the provider's code
     * @param target the target to fix for a target cause, null when unknown or gone
     */
    static String alertText(String title, long run, String state, String reason, Long rollbackVersion,
            String failCode, String target) {
        return alertText(title, run, state, reason, rollbackVersion, failCode, target, null);
    }

    /**
     * As {@link #alertText(String, long, String, String, Long, String, String)}, with {@code advice} (its leading
     * " — " included) in place of the advice by {@code failCode} when it is not null: the runtimes' token or a
     * fallback change, which no target nor key fixes.
     */
    static String alertText(String title, long run, String state, String reason, Long rollbackVersion,
            String failCode, String target, String advice) {
        return alertText(title, run, state, reason, rollbackVersion, failCode, target, advice, List.of());
    }

    /**
     * As {@link #alertText(String, long, String, String, Long, String, String, String)}; {@code saved}: the labels
     * of the fields the run's save changed ("Model"), which name the change when the reason does not say what came
     * back (a halted run restored nothing): "correct the change (Model)", not "(model, URL)" after a model-only save.
     */
    static String alertText(String title, long run, String state, String reason, Long rollbackVersion,
            String failCode, String target, String advice, List<String> saved) {
        String failed = reason == null || reason.isBlank() ? (RestartRun.HALTED.equals(state)
                ? "its wave failed and the previous key could not be restored" : "a wave failed") : reason.strip();
        // the rollback's own check refused a key (the kept one, or the previous one with the new one)
        boolean checkRefused = failed.endsWith(ENTER_A_WORKING_KEY);
        if (checkRefused) {
            failed = failed.substring(0, failed.length() - ENTER_A_WORKING_KEY.length());
        }
        boolean halted = RestartRun.HALTED.equals(state);
        String note = halted ? "halted" : restoredNamed(failed) ? "rolled back"
                : "rolled back: the previous key is back" + (rollbackVersion == null ? "" : " as version "
                        + rollbackVersion);
        if (advice != null) {
            return title + " rollout (run " + run + "): " + failed + "; " + note + advice;
        }
        boolean keptKeyOk = KEPT_KEY_OK.matcher(failed).find();
        if (targetCause(failCode)) {
            String which = target == null ? "the failed target" : "target " + target;
            advice = " — fix " + which + " (" + switch (failCode) {
                case "restart_failed" -> "its restart failed";
                case "unhealthy" -> "its health probe failed";
                default -> "a runtime did not confirm";
            } + ")" + (halted ? ", then restart it"
                    : restoredNamed(failed) && !previousKeyAloneRestored(failed) ? ", then make the change again"
                            : ", then save the key again")
                    + (checkRefused ? " and enter a working key" : "");
        } else if (!checkRefused && keyRefusal(failCode) && !fallbackKeysBack(failed).isEmpty()) {
            // a key was refused and the rollback brought fallback keys back (b19 G): the refused key may be one of
            // them, which "enter a working key" or "check the change (Model)" alone would not name
            advice = ENTER_A_WORKING_KEY + " for " + String.join(" or ", fallbackKeysBack(failed))
                    + (keptKeyOk || failed.contains(PRIMARY_STAYS) ? " (the primary's key checks ok or was not changed)"
                            : " or the primary");
        } else if (checkRefused || (keyRefusal(failCode) && !keptKeyOk && !keyKept(failCode, failed, saved))) {
            advice = ENTER_A_WORKING_KEY;
        } else {
            List<String> back = changedFields(failed);
            advice = changeAdvice(failCode, keptKeyOk, keyRefusal(failCode) && !keptKeyOk, halted,
                    back.isEmpty() ? saved : back);
        }
        return title + " rollout (run " + run + "): " + failed + "; " + note + advice;
    }

    /**
     * The advice of a failure that is not the key's: "— the key checks ok" when the rollback's check of the key the
     * change kept said so, else "— http:404 is not a key refusal" (or "the runtime named no cause" for a report
     * without a code; for a key refusal after a change that kept the key, {@code refusedKept}: "— invalid_key refuses
     * a key this change did not change (a key of another kind its runtimes use may be the one)"), then what to do
     * with the change: check it before making it again, or, halted (it stays),
     * correct it and save it again. The change is named by the fields it changed when the reason says which came
     * back, as the reason labels them ("(back: Model, API key)" → "(Model)" when the key is not the suspect; a
     * key-only change "(back: API key)" → "(API key)": the key is all it changed), and by its kinds of field
     * otherwise ("(model, URL)", "(key, model, URL)" when nothing cleared the key).
     *
     * @param changed the labels of the fields the rollback brought back, in the reason's order; empty when not said
     */
    private static String changeAdvice(String failCode, boolean keptKeyOk, boolean refusedKept, boolean halted,
            List<String> changed) {
        boolean noCause = failCode == null || "failing".equals(failCode);
        String why = keptKeyOk ? "the key checks ok" : noCause ? "the runtime named no cause" : refusedKept
                ? failCode + " refuses a key this change did not change (a key of another kind its runtimes use may"
                        + " be the one)" : failCode + " is not a key refusal";
        String what;
        if (!changed.isEmpty()) {
            // a cleared key is not the suspect, unless the key is all the change changed
            List<String> suspects = changed.stream().filter(label -> !KEY_LABELS.contains(label)).toList();
            what = "(" + String.join(", ", suspects.isEmpty() ? changed : suspects) + ")";
        } else {
            what = keptKeyOk || !noCause ? "(model, URL)" : "(key, model, URL)";
        }
        return " — " + why + "; " + (halted ? "correct the change " + what + " and save it again"
                : "check the change " + what + " before making it again");
    }

    /**
     * Whether a run's change left its key as it was, as far as its reason or its save says: the rollback restored
     * "the key, which this change kept", or the fields that came back ({@code failed}'s "(back: Model)"), else those
     * the save changed ({@code saved}), hold no key. Then a key refusal a runtime reported is not this kind's new key
     * (another kind's key in the same runtime may be: breaker b10 M3), and "enter a working key" would send the
     * operator to a key nobody changed. A run recorded before fail codes ({@code failCode} null) reads as it did then.
     */
    static boolean keyKept(String failCode, String failed, List<String> saved) {
        if (failCode == null) {
            return false;
        }
        if (failed.contains(KEPT_KEY)) {
            return true;
        }
        List<String> back = changedFields(failed);
        List<String> fields = back.isEmpty() ? saved == null ? List.of() : saved : back;
        return !fields.isEmpty() && fields.stream().noneMatch(KEY_LABELS::contains);
    }

    /** How a fallback change's rollback says it left the primary: "the stt primary stays version 3 (…)". */
    private static final String PRIMARY_STAYS = " primary stays version ";
    private static final java.util.regex.Pattern KEYS_BACK = java.util.regex.Pattern.compile(
            "; keys? brought back: (.*?)(?=; |$)");
    private static final java.util.regex.Pattern KEY_BACK_LABEL = java.util.regex.Pattern.compile(
            "(?:^|, )([a-z]+ fallback \\d+(?: \\([^)]*\\))?) version \\d+");

    /**
     * The fallbacks whose keys a rollback brought back, as its reason names them ("…; key brought back: llm fallback 6
     * (openai) version 3, checked: ok (HTTP 200)" → "llm fallback 6 (openai)"), or none.
     */
    static List<String> fallbackKeysBack(String reason) {
        java.util.regex.Matcher back = reason == null ? null : KEYS_BACK.matcher(reason);
        if (back == null || !back.find()) {
            return List.of();
        }
        List<String> labels = new ArrayList<>();
        java.util.regex.Matcher label = KEY_BACK_LABEL.matcher(back.group(1));
        while (label.find()) {
            labels.add(label.group(1));
        }
        return labels;
    }

    private static final java.util.regex.Pattern BACK = java.util.regex.Pattern.compile(
            "; version \\d+ restored as version \\d+ \\(back: ([^)]*)\\)");

    /**
     * What a rollback restarted its moved runtimes back onto, by what its reason says it restored: "the previous key"
     * when the previous key alone came back ({@link #previousKeyAloneRestored}) or the reason does not say (a run of
     * an older Keyhouse), else "the previous configuration" (a model-only change, a key with a model, a fallback's
     * change, a make-primary). The run page's headline and each rollback row read it.
     */
    static String restoredOnto(String reason) {
        return restoredNamed(reason) && !previousKeyAloneRestored(reason) ? "the previous configuration"
                : "the previous key";
    }

    /** The labels in a reason's first "…restored as version N (back: Model, API key)", or none. */
    static List<String> changedFields(String reason) {
        java.util.regex.Matcher back = reason == null ? null : BACK.matcher(reason);
        return back != null && back.find() ? List.of(back.group(1).split(", ")) : List.of();
    }

    /**
     * Whether a run's reason already says what its automatic rollback restored ("…; restored: the stt primary stays
     * version 3 …; fallbacks: …", "…; restored: the previous key (version 7), checked: ok; version 7 restored as
     * version 9 (back: API key)"), as every restore records it (a run of an older Keyhouse whose key alone came back
     * does not): then no summary adds "the previous key is back", which would be untrue of a change that left the key
     * as it was, and a repeat of what the reason says otherwise.
     */
    static boolean restoredNamed(String reason) {
        return reason != null && reason.contains("restored: ");
    }

    /** The form labels of the secret fields ("API key", "Auth token", ...): what a key-only change brings back. */
    private static final Set<String> KEY_LABELS = java.util.Arrays.stream(SettingField.values())
            .filter(SettingField::secret).map(SettingField::label).collect(Collectors.toUnmodifiableSet());
    private static final java.util.regex.Pattern PREVIOUS_KEY_BACK = java.util.regex.Pattern.compile("restored: the"
            + " previous key \\(version \\d+\\), .*?; version \\d+ restored as version \\d+ \\(back: ([^)]*)\\)"
            + "(?!; fallbacks)");

    /**
     * Whether a run's reason says its rollback brought back the previous key alone ("…; restored: the previous key
     * (version 7), checked: ok; version 7 restored as version 9 (back: API key)"): no other field, no fallback. The
     * run page then says the runtimes were restarted back onto the previous key, not a configuration.
     */
    static boolean previousKeyAloneRestored(String reason) {
        java.util.regex.Matcher back = reason == null ? null : PREVIOUS_KEY_BACK.matcher(reason);
        return back != null && back.find() && KEY_LABELS.containsAll(List.of(back.group(1).split(", ")));
    }

    /**
     * Each runtime (as its results name it) with its place in the newest of the last {@value #RECENT_ROLLOUTS}
     * rollouts that reached it. Within a rollout its own wave is its place, not the rollback wave that restarted it
     * back: that row's status already says "rolled back". {@code output}: the reader is an admin, so a failed
     * restart's detail holds the runtime's own text ({@link RestartRuns#report(long, boolean)}); anyone else reads
     * Keyhouse's reason with a note in its place.
     */
    @Transactional
    public Map<String, InRollout> newestByRuntime(boolean output) {
        List<RestartRun> recent = RestartRun.find("rollout = true order by id desc").page(0, RECENT_ROLLOUTS).list();
        Map<String, InRollout> places = new LinkedHashMap<>();
        Map<String, java.time.Instant> began = new java.util.HashMap<>();
        for (RestartRun run : recent) {
            RestartRuns.RunReport report = runs.report(run.id, output);
            // when the run's restart of each runtime began last (its rollback wave's included; not started: the
            // run's creation): the newest rollout of a runtime is the one whose restart of it began last, not the
            // highest id (breaker b10 M1, RestartRuns#latestFirst)
            Map<String, java.time.Instant> at = new java.util.HashMap<>();
            for (RestartRuns.ResultView result : report.results()) {
                if (result.runtime() != null) {
                    java.time.Instant start = result.startedAt() != null ? result.startedAt() : run.createdAt;
                    at.merge(result.runtime(), start, (a, b) -> a.isAfter(b) ? a : b);
                }
            }
            for (RestartRuns.ResultView result : report.results()) {
                boolean ownWave = result.wave() == null || result.wave() <= report.waveCount();
                InRollout place = places.get(result.runtime());
                if (result.runtime() != null && ownWave && (place == null || place.run() != run.id)
                        && RestartRuns.latestFirst(at.get(result.runtime()), run.id, began.get(result.runtime()),
                                place == null ? null : place.run())) {
                    places.put(result.runtime(), new InRollout(run.id, report.outcome(), result.wave(),
                            result.status(), result.confirmDetail() != null ? result.confirmDetail() : result.error()));
                    began.put(result.runtime(), at.get(result.runtime()));
                }
            }
        }
        return places;
    }
}
