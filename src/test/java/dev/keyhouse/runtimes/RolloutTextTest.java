package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.keyhouse.settings.RolloutNews;

/** The words the pages and the save answer use for a rollout: its plan, its alert, its headline, reason and controls. */
class RolloutTextTest {

    @Test
    void thePlanOnceDiscoveredNamesTheCanaryAndCountsWhatFollows() {
        assertThat(RolloutOutlook.discovered(7, List.of("chat-1"), 6, 3, List.of(), false).next())
                .isEqualTo("rolling out: canary chat-1 first, then 6 more in 3 waves");
        assertThat(RolloutOutlook.discovered(7, List.of("chat-1", "chat-2"), 1, 1, List.of(), false).next())
                .isEqualTo("rolling out: canary chat-1, chat-2 first, then 1 more in 1 wave");
        assertThat(RolloutOutlook.discovered(7, List.of("chat-1"), 0, 0, List.of(), true).next())
                .as("nothing after the canary: nothing to approve")
                .isEqualTo("rolling out: canary chat-1 first; no other runtime follows");
        RolloutNews.Next manual = RolloutOutlook.discovered(7, List.of("chat-1"), 6, 3, List.of("batch"), true);
        assertThat(manual.next()).isEqualTo("rolling out: canary chat-1 first, then 6 more in 3 waves; on hold and"
                + " left out: batch; waiting for approval after the canary");
        assertThat(manual.waitsForApproval()).isTrue();
        assertThat(manual.canary()).containsExactly("chat-1");
        assertThat(RolloutOutlook.discovered(7, List.of(), 0, 0, List.of("batch"), false).next())
                .isEqualTo("rolling out: no runtime to restart; on hold and left out: batch");
    }

    @Test
    void thePlanBeforeDiscoveryNamesTheCanaryTargets() {
        assertThat(RolloutOutlook.planned(3, List.of("api", "chat"), List.of(), List.of(), 1, 25, false).next())
                .isEqualTo("rolling out: canary the first runtime of api first, then the other runtimes of api, chat"
                        + " in waves of 25 %");
        assertThat(RolloutOutlook.planned(3, List.of("api", "chat"), List.of(), List.of(), 3, 50, false).next())
                .isEqualTo("rolling out: canary the first 3 runtimes by target name, from api on first, then the other"
                        + " runtimes of api, chat in waves of 50 %");
        RolloutNews.Next marked = RolloutOutlook.planned(3, List.of("api", "chat", "edge"), List.of("chat", "edge"),
                List.of(), 1, 25, true);
        assertThat(marked.canary()).containsExactly("chat", "edge");
        assertThat(marked.next()).isEqualTo("rolling out: canary chat, edge (marked canary) first, then the other"
                + " runtimes of api, chat, edge in waves of 25 %; waiting for approval after the canary");
        assertThat(RolloutOutlook.planned(3, List.of(), List.of(), List.of("batch"), 1, 25, true).next())
                .isEqualTo("rolling out: no runtime to restart; on hold and left out: batch");
    }

    /**
     * A halted run restored nothing, so its reason has no "(back: …)": the fields its save changed name the change
     * (issue 19, low: a model-only save's halt said "(model, URL)"); without them, the kinds of field as before.
     */
    @Test
    void aHaltedAlertNamesTheFieldsTheSaveChanged() {
        String reason = "wave 1 (canary): chat-1: reported failing: http:404 on configuration version 40; nothing rolled"
                + " back: the previous key fails its check (invalid_key), so the new key stays";
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", reason, null, "http:404", null, null,
                List.of("Model"))).endsWith("; halted — http:404 is not a key refusal; correct the change (Model) and"
                        + " save it again");
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", reason, null, "http:404", null, null,
                List.of("Model", "Base URL", "API key"))).endsWith("correct the change (Model, Base URL) and save it"
                        + " again");
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", reason, null, "http:404", null, null, List.of()))
                .endsWith("correct the change (model, URL) and save it again");
    }

    @Test
    void anAlertSaysWhatStoppedAndAsksForAWorkingKey() {
        String both = "the new key and the previous key both fail: invalid_key / invalid_key — enter a working key";
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", "wave 1 (canary): chat-1 reported failing:"
                + " invalid_key; nothing rolled back: " + both, null, "invalid_key", null))
                .isEqualTo("LLM rollout (run 12): wave 1 (canary): chat-1 reported failing: invalid_key; nothing rolled"
                        + " back: the new key and the previous key both fail: invalid_key / invalid_key; halted — enter"
                        + " a working key");
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", null, null, null, null))
                .isEqualTo("LLM rollout (run 12): its wave failed and the previous key could not be restored; halted"
                        + " — enter a working key");
        // failures first (breaker 3, point 3): the failing target, then the rollback note
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", "wave 1: chat-1 reported failing: invalid_key", 9L,
                "invalid_key", null))
                .isEqualTo("LLM rollout (run 12): wave 1: chat-1 reported failing: invalid_key; rolled back: the"
                        + " previous key is back as version 9 — enter a working key");
    }

    /**
     * Issue 19/core (breaker, fault 1): every failure that was not about a target ended "— enter a working key", a
     * model-only save whose canary reported {@code http:404} (model not found) and whose rollback checked the key it
     * kept ok too. The advice follows what the failure says: a key refusal (the runtimes' and the checks' codes, a
     * provider's own, 401/402/403) asks for a working key; the key the rollback checked ok, or a code that does not
     * judge the key, names the change.
     */
    /**
     * Breaker b13, finding 4 (a): a fallback change that put no key into what runtimes run (a disable, a delete, a
     * move, a change of other fields) rolled back on invalid_key sent the operator to the fallback the rollback
     * brought back ("enter a working key for stt fallback 2 (custom)"), a key the failing configuration did not
     * have. The alert says the change brought no key in and names the keys the runtimes still use. A change that
     * put a key in (added, enabled, its key saved or restored) keeps "enter a working key".
     */
    @Test
    void aFallbackChangeThatBroughtNoKeyNeverSendsTheOperatorToAKey() {
        String reason = "wave 1 (canary): stt-1: reported failing: invalid_key on configuration version 8; restored:"
                + " the stt primary stays version 7 (the change left it as it was); fallbacks: stt fallback 2 (custom)"
                + " enabled; key brought back: stt fallback 2 (custom) version 3, checked: ok (HTTP 200)";
        String disabled = "stt fallback 2 (custom) changed (disabled)";
        String advice = RolloutOutlook.keysInUseAdvice("fallback", "stt", disabled, "invalid_key", reason);
        assertThat(RolloutOutlook.alertText("STT", 12, "rolled_back", reason, null, "invalid_key", null, advice))
                .isEqualTo("STT rollout (run 12): " + reason + "; rolled back — invalid_key refuses a key this change"
                        + " did not bring in (stt fallback 2 (custom) changed (disabled)); check the keys the runtimes"
                        + " still use: the stt primary's and its enabled fallbacks' (a key of another kind its"
                        + " runtimes use may be the one)")
                .doesNotContain("enter a working key");
        for (String none : List.of(disabled, "stt fallback 2 (custom) was deleted",
                "stt fallback 2 (custom) changed (moved from position 2 to 1)",
                "stt fallback 2 (custom) changed (changed model nova-2 → nova-3; disabled)",
                "stt fallback 2 (custom): restores version 3; changed model nova-3 → nova-2",
                "stt fallback 2 (custom): restores version 3")) {
            assertThat(RolloutOutlook.fallbackBringsKey(none)).as(none).isFalse();
            assertThat(RolloutOutlook.keysInUseAdvice("fallback", "stt", none, "invalid_key", reason)).as(none)
                    .startsWith(" — invalid_key refuses a key this change did not bring in (" + none + ")");
        }
        for (String brings : List.of("stt fallback 2 (custom) was added", "stt fallback 2 (custom) changed (enabled)",
                "stt fallback 2 (custom) changed (changed apiKey; moved from position 2 to 1)",
                "stt fallback 2 (custom) changed (changed apiKey, model nova-2 → nova-3)",
                "stt fallback 2 (custom): restores version 3; changed apiKey", "a summary in other words")) {
            assertThat(RolloutOutlook.fallbackBringsKey(brings)).as(brings).isTrue();
            assertThat(RolloutOutlook.keysInUseAdvice("fallback", "stt", brings, "invalid_key", reason)).as(brings)
                    .isNull();
        }
        // the key put in was refused: the alert still asks for a working key for it
        assertThat(RolloutOutlook.alertText("STT", 12, "rolled_back", reason, null, "invalid_key", null,
                RolloutOutlook.keysInUseAdvice("fallback", "stt", "stt fallback 2 (custom) changed (enabled)",
                        "invalid_key", reason))).endsWith("; rolled back — enter a working key for stt fallback 2"
                                + " (custom) (the primary's key checks ok or was not changed)");
        // not a key refusal, a save's run, or a rollback's own check refusing a key: the advice by the code stays
        assertThat(RolloutOutlook.keysInUseAdvice("fallback", "stt", disabled, "http:404", reason)).isNull();
        assertThat(RolloutOutlook.keysInUseAdvice("fallback", "stt", disabled, "restart_failed", reason)).isNull();
        assertThat(RolloutOutlook.keysInUseAdvice("save", "stt", disabled, "invalid_key", reason)).isNull();
        assertThat(RolloutOutlook.keysInUseAdvice("fallback", "stt", disabled, "invalid_key", reason
                + "; nothing rolled back: the key of stt fallback 3 version 4 it would bring back fails its check"
                + " (invalid_key), so the change stays — enter a working key")).isNull();
    }

    /**
     * Breaker b13, finding 4 (b): an admin's rollback that superseded a model save's rollout takes over its previous
     * version, which holds what the rollback wrote: the fields "saved" were none, so a halt on invalid_key read
     * "halted — enter a working key", a key nobody changed. The fields the rollback itself changed count too.
     */
    @Test
    void anAdminRollbackThatChangedOnlyTheModelIsNotSentToAKey() {
        List<String> saved = RolloutOutlook.savedLabels(List.of(),
                List.of(dev.keyhouse.settings.SettingField.MODEL));
        assertThat(saved).containsExactly("Model");
        assertThat(RolloutOutlook.savedLabels(List.of(dev.keyhouse.settings.SettingField.API_KEY),
                List.of(dev.keyhouse.settings.SettingField.MODEL, dev.keyhouse.settings.SettingField.API_KEY)))
                .containsExactly("Model", "API key");
        String halted = "wave 1 (canary): chat-1: reported failing: invalid_key on configuration version 12; nothing"
                + " rolled back: version 9 holds what version 11 that failed holds, so there is nothing different to"
                + " go back to — correct the llm setting and save it again";
        assertThat(RolloutOutlook.alertText("LLM", 14, "halted", halted, null, "invalid_key", null, null, saved))
                .isEqualTo("LLM rollout (run 14): " + halted + "; halted — invalid_key refuses a key this change did"
                        + " not change (a key of another kind its runtimes use may be the one); correct the change"
                        + " (Model) and save it again");
    }

    @Test
    void anAlertAsksForAWorkingKeyOnlyWhenAKeyWasRefused() {
        String kept = "wave 1 (canary): chat-1: reported failing: http:404 on configuration version 8; restored: the key, which this"
                + " change kept (version 7 has the same), checked: ok (HTTP 200); version 7 restored as version 9"
                + " (back: Model)";
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", kept, 9L, "http:404", null))
                .isEqualTo("LLM rollout (run 12): " + kept + "; rolled back — the key checks ok; check the change"
                        + " (Model) before making it again");
        // the rollback's check of that same key outranks what the runtime called it
        String keptRefused = kept.replace("http:404", "invalid_key");
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", keptRefused, 9L, "invalid_key", null))
                .isEqualTo("LLM rollout (run 12): " + keptRefused + "; rolled back — the key checks ok; check the"
                        + " change (Model) before making it again");
        // b19 G: a key refused while the rollback brought a fallback's key back (a fallback key change superseded by
        // a model save): the fallback is named, never "check the change (Model)" alone
        String fallbackBack = keptRefused.replace(" (back: Model)", " (back: Model); fallbacks: llm fallback 6 (openai)"
                + " back to its version 3 (apiKey); key brought back: llm fallback 6 (openai) version 3, checked: ok"
                + " (HTTP 200)");
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", fallbackBack, 9L, "invalid_key", null))
                .isEqualTo("LLM rollout (run 12): " + fallbackBack + "; rolled back — enter a working key for llm"
                        + " fallback 6 (openai) (the primary's key checks ok or was not changed)");
        String fallbackOnly = "wave 1 (canary): chat-1: reported failing: invalid_key on configuration version 8;"
                + " restored: the llm primary stays version 7 (the change left it as it was); fallbacks: llm fallback 6"
                + " (openai) back to its version 3 (apiKey); key brought back: llm fallback 6 (openai) version 3,"
                + " checked: ok (HTTP 200)";
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", fallbackOnly, null, "invalid_key", null))
                .endsWith("; rolled back — enter a working key for llm fallback 6 (openai) (the primary's key checks"
                        + " ok or was not changed)");
        assertThat(RolloutOutlook.fallbackKeysBack("…; keys brought back: stt fallback 12 (deepgram) version 2,"
                + " checked: ok (HTTP 200), stt fallback 15 version 4, not checked (PROVIDER_CHECK_MODE=off), as it"
                + " was in use before")).containsExactly("stt fallback 12 (deepgram)", "stt fallback 15");
        // a kept key not checked (PROVIDER_CHECK_MODE=off) proves nothing, but the refusal is not of a key this
        // change changed (breaker b10 M3: another kind's new key in the same runtime was): never "enter a working key"
        String unchecked = "wave 1 (canary): chat-1: reported failing: invalid_key on configuration version 8; restored: the key,"
                + " which this change kept (version 7 has the same), not checked (PROVIDER_CHECK_MODE=off), as it was"
                + " in use before; version 7 restored as version 9 (back: Model)";
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", unchecked, 9L, "invalid_key", null))
                .isEqualTo("LLM rollout (run 12): " + unchecked + "; rolled back — invalid_key refuses a key this"
                        + " change did not change (a key of another kind its runtimes use may be the one); check the"
                        + " change (Model) before making it again");
        String uncheckedUnreachable = unchecked.replace("not checked (PROVIDER_CHECK_MODE=off), as it was in use"
                + " before", "checked: unreachable");
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", uncheckedUnreachable, 9L, "invalid_key", null))
                .doesNotContain("enter a working key").contains("check the change (Model)");
        // nothing restored (halted): the fields the save changed tell; a save that changed the key still asks for one
        String noBack = "wave 1 (canary): chat-1: reported failing: invalid_key on configuration version 8; nothing"
                + " rolled back: there is no earlier llm version to roll back to";
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", noBack, null, "invalid_key", null, null,
                List.of("Model"))).isEqualTo("LLM rollout (run 12): " + noBack + "; halted — invalid_key refuses a"
                        + " key this change did not change (a key of another kind its runtimes use may be the one);"
                        + " correct the change (Model) and save it again");
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", noBack, null, "invalid_key", null, null,
                List.of("Model", "API key"))).endsWith("; halted — enter a working key");

        for (String code : List.of("http:404", "http:500", "http:503", "timeout", "rate_limited", "unreachable",
                "unexpected", "model_not_found", "rate_limit_exceeded")) {
            String restored = "wave 1 (canary): chat-1: reported failing: " + code + " on configuration version 8; restored: the"
                    + " previous key (version 7), checked: ok (HTTP 200); version 7 restored as version 9 (back: Model,"
                    + " API key)";
            assertThat(RolloutOutlook.keyRefusal(code)).as(code).isFalse();
            assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", restored, 9L, code, null)).as(code)
                    .isEqualTo("LLM rollout (run 12): " + restored + "; rolled back — " + code + " is not a key"
                            + " refusal; check the change (Model) before making it again");
        }
        // issue 19, breaker F: a key-only change names the key, not fields it left alone; a change of two routing
        // fields names both
        String keyOnly = "wave 1 (canary): chat-1: reported failing: http:500 on configuration version 8; restored: the previous key"
                + " (version 7), checked: ok (HTTP 200); version 7 restored as version 9 (back: API key)";
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", keyOnly, 9L, "http:500", null))
                .isEqualTo("LLM rollout (run 12): " + keyOnly + "; rolled back — http:500 is not a key refusal; check"
                        + " the change (API key) before making it again");
        String routing = keyOnly.replace("(back: API key)", "(back: Model, Base URL)");
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", routing, 9L, "http:500", null))
                .isEqualTo("LLM rollout (run 12): " + routing + "; rolled back — http:500 is not a key refusal; check"
                        + " the change (Model, Base URL) before making it again");
        String halted = "wave 1 (canary): chat-1: reported failing: http:404 on configuration version 8; nothing rolled back: the"
                + " previous key fails its check (invalid_key), so the new key stays";
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", halted, null, "http:404", null))
                .isEqualTo("LLM rollout (run 12): " + halted + "; halted — http:404 is not a key refusal; correct the"
                        + " change (model, URL) and save it again");
        String bare = "wave 1 (canary): chat-1: reported failing on configuration version 8; restored: the previous key (version 7),"
                + " checked: ok (HTTP 200); version 7 restored as version 9 (back: API key)";
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", bare, 9L, "failing", null))
                .isEqualTo("LLM rollout (run 12): " + bare + "; rolled back — the runtime named no cause; check the"
                        + " change (API key) before making it again");
        // issue 19, breaker J: what a rollback restarts its runtimes back onto follows what came back
        assertThat(RolloutOutlook.restoredOnto(kept)).isEqualTo("the previous configuration");
        assertThat(RolloutOutlook.restoredOnto(routing)).isEqualTo("the previous configuration");
        assertThat(RolloutOutlook.restoredOnto(keyOnly)).isEqualTo("the previous key");
        assertThat(RolloutOutlook.restoredOnto(keyOnly.replace("(back: API key)", "(back: Model, API key)")))
                .as("more than the key came back").isEqualTo("the previous configuration");
        assertThat(RolloutOutlook.restoredOnto("wave 1: chat-1 reported failing: invalid_key")).as("not said")
                .isEqualTo("the previous key");
        // without "back:" the change is named by its kinds of field
        String unsaid = bare.replace(" (back: API key)", "");
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", unsaid, 9L, "failing", null))
                .isEqualTo("LLM rollout (run 12): " + unsaid + "; rolled back — the runtime named no cause; check the"
                        + " change (key, model, URL) before making it again");

        for (String code : List.of("invalid_key", "no_credit", "forbidden", "http:401", "http:402", "http:403",
                "insufficient_quota", "billing_hard_limit_reached", "credit_balance_too_low", "permission_denied",
                "permission_error", "INVALID_AUTH", "unauthenticated", "authentication_error", "invalid_api_key",
                "API_KEY_INVALID", "account_deactivated")) {
            String refused = "wave 1 (canary): chat-1: reported failing: " + code + " on configuration version 8; restored: the"
                    + " previous key (version 7), checked: ok (HTTP 200); version 7 restored as version 9 (back: API"
                    + " key)";
            assertThat(RolloutOutlook.keyRefusal(code)).as(code).isTrue();
            assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", refused, 9L, code, null)).as(code)
                    .isEqualTo("LLM rollout (run 12): " + refused + "; rolled back — enter a working key");
        }
        // the rollback's own check refused the key the change kept: a working key, whatever the runtime said
        String keptFails = "wave 1 (canary): chat-1: reported failing: http:404 on configuration version 8; nothing rolled back: the"
                + " key, which this change kept (version 7 has the same), fails its check (invalid_key), so nothing is"
                + " restored — enter a working key";
        assertThat(RolloutOutlook.alertText("LLM", 12, "halted", keptFails, null, "http:404", null))
                .isEqualTo("LLM rollout (run 12): " + keptFails.replace(" — enter a working key", "")
                        + "; halted — enter a working key");
    }

    /**
     * Issue 19/core (breaker, fault 2): a key-only rollback's reason says which key came back and how it was checked;
     * the run page then still speaks of the previous key, not a configuration.
     */
    @Test
    void aKeyOnlyRestoreIsThePreviousKeyAndAnyOtherFieldAConfiguration() {
        String reason = "wave 1 (canary): chat-1: reported failing: invalid_key on configuration version 8; restored: the previous"
                + " key (version 7), checked: ok (HTTP 200); version 7 restored as version 9 (back: API key)";
        assertThat(RolloutOutlook.previousKeyAloneRestored(reason)).isTrue();
        assertThat(RolloutOutlook.alertText("LLM", 12, "rolled_back", reason, 9L, "invalid_key", null))
                .isEqualTo("LLM rollout (run 12): " + reason + "; rolled back — enter a working key");
        assertThat(RolloutOutlook.previousKeyAloneRestored(reason.replace("(back: API key)",
                "(back: URL, API key secret)"))).isFalse();
        assertThat(RolloutOutlook.previousKeyAloneRestored(reason.replace("(back: API key)",
                "(back: API key secret)"))).isTrue();
        assertThat(RolloutOutlook.previousKeyAloneRestored(reason + "; fallbacks: stt fallback 4 (custom) back to its"
                + " version 1")).isFalse();
        assertThat(RolloutOutlook.previousKeyAloneRestored("wave 1: chat-1: restart failed; restored: the key, which"
                + " this change kept (version 7 has the same), checked: ok; version 7 restored as version 9 (back:"
                + " Model)")).isFalse();
    }

    /**
     * b19 A: which fetch carries a rollout's change of a kind: the version restarted onto or later; a held
     * configuration whose pins hold other kinds back (never this one); nothing older, and never the runtime's number
     * alone (a fetch whose held contents are not known).
     */
    @Test
    void aHeldConfigurationCarriesTheKindsItsPinsLeaveAlone() {
        Instant at = Instant.parse("2026-03-01T10:00:00Z");
        RuntimeAcks.Ack held = new RuntimeAcks.Ack("both", 112, null, at, "112-h3fa9c2e1", "stt:4");
        assertThat(held.carries(113L, "llm")).isTrue();
        assertThat(held.carries(113L, "stt")).as("stt is what it holds back").isFalse();
        assertThat(held.carries(113L, null)).as("no kind: the version alone").isFalse();
        assertThat(new RuntimeAcks.Ack("both", 112, null, at, "112-h3fa9c2e1", "stt:4,llm:2").carries(113L, "llm"))
                .as("another open rollout of llm holds llm back").isFalse();
        assertThat(new RuntimeAcks.Ack("both", 112, null, at).carries(113L, "llm")).as("a bare 112").isFalse();
        assertThat(new RuntimeAcks.Ack("both", 113, null, at).carries(113L, "llm")).isTrue();
        assertThat(held.heldText()).isEqualTo("held configuration 112-h3fa9c2e1 (stt held back by another rollout;"
                + " this change in it)");

        RestartRuns.ResultView confirmed = new RestartRuns.ResultView(1, "both", "command", "both", "restarted", 1,
                null, at.minusSeconds(2), at.minusSeconds(1), null, at, true, 1, 113L, "report", "set on the target",
                "confirmed", "reported ok on " + held.heldText(), at, "confirmed", 112L, null, null, null,
                held.heldText());
        assertThat(confirmed.cameBack()).isEqualTo(held.heldText() + ", restarted onto version 113");
        assertThat(confirmed.cameBackWrong()).isFalse();
        RunView view = RunView.of(rollout("succeeded", List.of(confirmed)), at);
        assertThat(view.tally().confirmedText()).isEqualTo("1 of 1 confirmed (both on " + held.heldText() + ")");
    }

    /**
     * Issue 20's breaker: a target deleted by an admin while its rollout was under way was counted "not reached (the
     * rollout stopped before their wave)" next to "Every runtime was restarted", though the rollout never stopped.
     * It is named as deleted, and the reason says every runtime the run reached was restarted.
     */
    @Test
    void aTargetDeletedDuringTheRunIsNamedSoAndNotAsNotReached() {
        RestartRuns.ResultView cmd1 = new RestartRuns.ResultView(1, "cmd1", "command", "cmd1", "restarted", 1, null,
                null, null, null, null, false, 1, 3L, "none", "no signal", "not_asked",
                "restarted; confirmation not asked (none)", null, "not_asked", null);
        RestartRuns.ResultView gone = new RestartRuns.ResultView(2, "web501", "http", "web501", "cancelled", 0,
                "the target was deleted", null, null, null, null, false, 1, 3L, "none", "no signal", null, null, null,
                "cancelled", null);
        RunView view = RunView.of(rollout("succeeded", List.of(cmd1, gone)), Instant.parse("2026-03-01T10:00:00Z"));
        assertThat(view.tally().text()).isEqualTo("restarted 1 of 2, 1 deleted during the run (its target deleted by"
                + " an admin): web501, confirmation not asked for 1 (none): cmd1");
        assertThat(view.tally().notReached()).isEmpty();
        assertThat(view.reason()).startsWith("Every runtime it reached was restarted.");
    }

    /**
     * A rollback of a fallback change says what it restored in the run's reason; the alert then says "rolled back"
     * and never "the previous key is back", which would be untrue of a change that left the key as it was.
     */
    @Test
    void anAlertOfARestoredFallbackChangeDoesNotSayThePreviousKeyIsBack() {
        String reason = "wave 1 (canary): c-fail: restart failed; restored: the stt primary stays version 3 (the change"
                + " left it as it was); fallbacks: stt fallback 4 (custom) disabled";
        assertThat(RolloutOutlook.alertText("STT", 7, "rolled_back", reason, 5L, "restart_failed", "c-fail"))
                .isEqualTo("STT rollout (run 7): " + reason + "; rolled back — fix target c-fail (its restart"
                        + " failed), then make the change again")
                .doesNotContain("previous key is back");
    }

    @Test
    void theHeadlineReasonAndControlsFollowTheState() {
        Instant now = Instant.parse("2026-11-30T12:00:00Z");
        RunView running = RunView.of(report("running", false, 2, 3, null, null, List.of(wave(2, "confirming"))), now);
        assertThat(running.headline()).isEqualTo("running");
        assertThat(running.reason()).isEqualTo("Wave 2 of 3: confirming.");
        assertThat(running.controls()).isEqualTo(new RunView.Controls(true, false, false, true));

        RunView baking = RunView.of(report("running", false, 2, 3, now.plusSeconds(20), null, List.of()), now);
        assertThat(baking.reason()).isEqualTo("Wave 2 is confirmed; the next wave starts after the bake, at "
                + "2026-11-30 12:00:20 UTC.");
        // issue 20's breaker: a wave whose runtimes were not asked to confirm (confirmation none) is not "confirmed"
        RunView notAsked = RunView.of(report("running", false, 2, 3, now.plusSeconds(20), null,
                List.of(wave(2, "restarted"))), now);
        assertThat(notAsked.reason()).isEqualTo("Wave 2 is restarted (its runtimes were not asked to confirm); the"
                + " next wave starts after the bake, at 2026-11-30 12:00:20 UTC.");
        assertThat(RunView.of(report("running", false, 0, 0, null, null, List.of()), now).reason())
                .startsWith("Discovering the targets' runtimes");

        RunView paused = RunView.of(report("running", true, 2, 3, null, null, List.of()), now);
        assertThat(paused.headline()).isEqualTo("paused");
        assertThat(paused.tone()).isEqualTo("paused");
        assertThat(paused.controls()).isEqualTo(new RunView.Controls(false, true, false, true));

        RunView waiting = RunView.of(report("waiting_approval", false, 1, 3, null, null, List.of()), now);
        assertThat(waiting.headline()).isEqualTo("waiting for approval");
        assertThat(waiting.controls()).isEqualTo(new RunView.Controls(true, false, true, true));

        RunView rollingBack = RunView.of(report("rolling_back", false, 4, 3, null, "wave 1: chat-1 reported failing:"
                + " invalid_key", List.of()), now);
        assertThat(rollingBack.headline()).isEqualTo("rolling back");
        assertThat(rollingBack.reason()).startsWith("wave 1: chat-1 reported failing: invalid_key. Restarting");
        assertThat(rollingBack.controls()).as("a rollback can neither be paused (409) nor aborted again: no form"
                + " offers it (breaker b13, 5)").isEqualTo(new RunView.Controls(false, false, false, false));
        assertThat(RunView.of(report("rolling_back", true, 4, 3, null, null, List.of()), now).controls())
                .isEqualTo(new RunView.Controls(false, true, false, false));

        for (String end : List.of("succeeded", "rolled_back", "halted", "aborted", "superseded")) {
            RunView ended = RunView.of(report(end, false, 2, 3, null, "why", List.of()), now);
            assertThat(ended.headline()).isEqualTo(end.replace('_', ' '));
            assertThat(ended.controls().any()).as(end).isFalse();
        }
        assertThat(RunView.of(report("halted", false, 1, 3, null, "the new key and the previous key both fail:"
                + " invalid_key / invalid_key — enter a working key", List.of()), now).reason())
                .isEqualTo("the new key and the previous key both fail: invalid_key / invalid_key — enter a working key");
        assertThat(RunView.of(report("superseded", false, 1, 3, null, null, List.of()), now).reason())
                .isEqualTo("A newer save of llm took over (run 99); this rollout's remaining waves were cancelled.");
    }

    /**
     * Issue 19: a shared secret's run (not a rollout) says, while open, which targets may disagree on which variable,
     * and nothing once finished.
     */
    @Test
    void aSharedSecretsOpenRunNamesTheTargetsThatMayDisagreeOnItsVariable() {
        Instant now = Instant.parse("2026-03-01T10:00:00Z");
        List<RestartRuns.ResultView> results = List.of(result("dialler", "dialler"), result("fleet", "fleet-1"),
                result("fleet", "fleet-2"));
        assertThat(RunView.of(shared("running", false, results), now).reason()).isEqualTo("Until this run finishes,"
                + " dialler and fleet may disagree on VOXCORE_SECRET: shared secret voxcore settings version 3 is being"
                + " restarted into all of them at once, and a runtime not restarted yet still holds the previous value.");
        assertThat(RunView.of(shared("running", false, results.subList(0, 1)), now).reason())
                .startsWith("Until this run finishes, dialler may disagree on VOXCORE_SECRET:").contains("into it,");
        assertThat(RunView.of(shared("succeeded", true, results), now).reason()).isNull();
        assertThat(RunView.of(shared("partial", true, results), now).reason()).isNull();
    }

    /**
     * Issue 19's breaker: a shared secret's run that ended partial says its targets disagree while the ones it could
     * not restart have not been restarted since ({@code stillBehind}), naming each side; when none moved, nothing.
     */
    @Test
    void aSharedSecretsPartialRunSaysWhichTargetsDisagree() {
        Instant now = Instant.parse("2026-03-01T10:00:00Z");
        List<RestartRuns.ResultView> results = List.of(finished("dialler", "failed", false),
                finished("fleet", "restarted", true));
        assertThat(RunView.of(shared("partial", true, results, List.of("dialler")), now).reason()).isEqualTo(
                "fleet and dialler disagree on VOXCORE_SECRET: fleet runs shared secret voxcore version 3; dialler"
                        + " (its restart did not succeed) still holds the previous value. Restart dialler (Runtimes,"
                        + " Restart now): this page says so until it has been restarted.");
        // the secret's first version: the target that was not restarted never had a value
        assertThat(RunView.of(shared("partial", true, results, List.of("dialler"), 1L), now).reason()).isEqualTo(
                "fleet and dialler disagree on VOXCORE_SECRET: fleet runs shared secret voxcore version 1; dialler"
                        + " (its restart did not succeed) has no value yet. Restart dialler (Runtimes,"
                        + " Restart now): this page says so until it has been restarted.");
        assertThat(RunView.of(shared("running", false, results, List.of(), 1L), now).reason())
                .endsWith("and a runtime not restarted yet has no value yet.");
        // breaker b13, finding 3: the driver wrote the environment file before the command failed, so dialler's
        // configuration may already hold the new value; it is never said to hold the previous one
        assertThat(RunView.of(shared("partial", true, results, List.of("dialler" + RestartRuns.WRITTEN_BEHIND)), now)
                .reason()).isEqualTo("fleet and dialler disagree on VOXCORE_SECRET: fleet runs shared secret voxcore"
                        + " version 3; dialler (its failed restart may have applied the change) may already hold the"
                        + " new value in its configuration, while its process may still run the previous value."
                        + " Restart dialler (Runtimes, Restart now): this page says so until it has been restarted.");
        List<RestartRuns.ResultView> three = List.of(finished("dialler", "failed", false),
                finished("fleet", "restarted", true), finished("hook", "failed", false));
        assertThat(RunView.of(shared("partial", true, three, List.of("hook", "dialler" + RestartRuns.WRITTEN_BEHIND)),
                now).reason()).isEqualTo("fleet, hook and dialler disagree on VOXCORE_SECRET: fleet runs shared"
                        + " secret voxcore version 3; hook (its restart did not succeed) still holds the previous"
                        + " value; dialler (its failed restart may have applied the change) may already hold the new"
                        + " value in its configuration, while its process may still run the previous value. Restart"
                        + " hook and dialler (Runtimes, Restart now): this page says so until they have been"
                        + " restarted.");
        assertThat(RunView.of(shared("failed", true, List.of(finished("dialler", "failed", false)),
                List.of("dialler")), now).reason()).as("none moved: they still agree").isNull();
    }

    /**
     * Issue 20, items 3 and 4: a run that restarted everything but confirmed nothing is not "succeeded"; every
     * runtime is counted, failures named and listed first, and no count reads "0 of 0".
     */
    @Test
    void theHeadlineCountsEveryRuntimeAndSaysWhenNothingConfirmed() {
        Instant now = Instant.parse("2026-03-01T10:00:00Z");
        RestartRuns.ResultView a = finished("alpha", "restarted", false);
        RestartRuns.ResultView b = finished("beta", "restarted", false);
        RunView unconfirmed = RunView.of(manual("succeeded", List.of(a, b)), now);
        assertThat(unconfirmed.headline()).isEqualTo("not confirmed");
        assertThat(unconfirmed.tone()).isEqualTo("unconfirmed");
        assertThat(unconfirmed.tally().text()).isEqualTo("restarted 2 of 2, confirmed 0 of 2");
        assertThat(unconfirmed.reason()).isEqualTo("Every runtime was restarted, but 2 of 2 did not confirm that it runs"
                + " the new configuration (no fetch by name of the configuration version it was restarted onto,"
                + " status report or health check since its restart): alpha, beta.");

        RunView confirmed = RunView.of(manual("succeeded", List.of(finished("alpha", "restarted", true))), now);
        assertThat(confirmed.headline()).isEqualTo("succeeded");
        assertThat(confirmed.tally().text()).isEqualTo("restarted 1 of 1, confirmed 1 of 1");
        assertThat(confirmed.reason()).isNull();

        RestartRuns.ResultView failed = finished("zulu", "failed", false);
        RunView partial = RunView.of(manual("partial", List.of(a, failed)), now);
        assertThat(partial.headline()).isEqualTo("partial");
        assertThat(partial.tally().text()).isEqualTo("restarted 1 of 2 (failed: zulu), confirmed 0 of 1");
        assertThat(partial.results()).extracting(RestartRuns.ResultView::target).containsExactly("zulu", "alpha");

        RunView none = RunView.of(manual("failed", List.of(failed, finished("yankee", "timed_out", false))), now);
        assertThat(none.tally().text()).isEqualTo("restarted 0 of 2 (failed: zulu, yankee)").doesNotContain("0 of 0");
    }

    @Test
    void aRolloutsConfirmationNoneIsNoEvidence() {
        // as the report makes them: confirmed is the one verdict (the gate's decision), none is not asked
        RestartRuns.ResultView weak = new RestartRuns.ResultView(1, "alpha", "command", "alpha", "restarted", 1, null,
                null, null, null, null, false, 1, 3L, "none", "no signal", "not_asked",
                "restarted; confirmation not asked (none)", null, "not_asked", null);
        RestartRuns.ResultView reported = new RestartRuns.ResultView(2, "beta", "command", "beta", "restarted", 1,
                null, null, null, null, null, true, 1, 3L, "report", "reports", "confirmed", "reported ok on configuration version 3",
                null, "confirmed", null);
        assertThat(RunView.confirmed(weak)).isFalse();
        assertThat(RunView.confirmed(reported)).isTrue();
    }

    /**
     * Issue 20 (breaker, finding 1): a runtime whose confirmation is none is not waited for: "restarted, confirmation
     * not asked (none)", counted apart (neither confirmed nor unconfirmed) by the headline, tally, convergence-style
     * counts, the row's status and a target's share on the runtimes list.
     */
    @Test
    void aRuntimeWithConfirmationNoneIsCountedApartAsNotAsked() {
        RestartRuns.ResultView cmd1 = new RestartRuns.ResultView(1, "cmd1", "command", "cmd1", "restarted", 1, null,
                null, null, null, null, false, 1, 3L, "none", "no signal", "not_asked",
                "restarted; confirmation not asked (none)", null, "not_asked", null);
        RestartRuns.RunReport run = rollout("succeeded", List.of(cmd1));
        RunView view = RunView.of(run, Instant.parse("2026-03-01T10:00:00Z"));
        assertThat(view.headline()).isEqualTo("restarted, confirmation not asked");
        assertThat(view.tone()).isEqualTo("not_asked");
        assertThat(view.tally().text()).isEqualTo("restarted 1 of 1, confirmation not asked for 1 (none): cmd1");
        assertThat(view.tally().confirmed()).isZero();
        assertThat(view.tally().notConfirmed()).isEmpty();
        assertThat(view.tally().notAsked()).containsExactly("cmd1");
        assertThat(view.tally().unconfirmed()).isFalse();
        assertThat(view.tally().confirmedText()).isEqualTo("restarted, confirmation not asked (none)");
        assertThat(view.reason()).isEqualTo("Every runtime was restarted. Confirmation was not asked of cmd1"
                + " (confirmation none): the run did not wait for it, and nothing shows it runs the new configuration.");
        assertThat(cmd1.statusText()).isEqualTo("restarted, confirmation not asked (none)");
        assertThat(cmd1.cameBackWrong()).isFalse();
        assertThat(RunView.confirmed(cmd1)).isFalse();

        RestartRuns.ResultView web = new RestartRuns.ResultView(2, "web", "http", "web", "restarted", 1, null, null,
                null, null, null, true, 1, 3L, "report", "reports", "confirmed", "reported ok on configuration version 3", null,
                "confirmed", null);
        RunView mixed = RunView.of(rollout("succeeded", List.of(cmd1, web)), Instant.parse("2026-03-01T10:00:00Z"));
        assertThat(mixed.headline()).isEqualTo("succeeded");
        assertThat(mixed.tally().text())
                .isEqualTo("restarted 2 of 2, confirmed 1 of 1, confirmation not asked for 1 (none): cmd1");
        assertThat(mixed.tally().confirmedText()).isEqualTo("1 of 1 confirmed; 1 restarted, confirmation not asked (none)");
        assertThat(mixed.reason()).startsWith("Every runtime asked to confirm did (1 of 1). Confirmation was not asked"
                + " of cmd1");
    }

    /**
     * Breaker 3, point 5: one status vocabulary. A runtime a rollback restarted back reads "rolled back" in every
     * count (the target's share on the runtimes list, the run's tally), as its row's status says: never "restarted,
     * confirmation not asked" nor "0 of 1 confirmed".
     */
    @Test
    void aRolledBackRuntimeIsRolledBackInEveryCount() {
        RestartRuns.ResultView back = new RestartRuns.ResultView(1, "cmd1", "command", "cmd1", "restarted", 1, null,
                null, null, null, null, false, 1, 7L, "none", null, "not_asked", null, null, "rolled back", null);
        RestartRuns.ResultView hook = finished("hook", "failed", false);
        RunView.Tally tally = RunView.Tally.of(List.of(back, hook), true, 1, null, r -> true);
        assertThat(tally.rolledBack()).containsExactly("cmd1");
        assertThat(tally.notAsked()).isEmpty();
        assertThat(tally.notConfirmed()).isEmpty();
        assertThat(tally.asked()).isZero();
        assertThat(tally.confirmedText()).isEqualTo("rolled back");
        assertThat(tally.restarted()).as("rolled back, counted as that and nothing else").isZero();
        assertThat(tally.moved()).isTrue();
        assertThat(tally.text()).isEqualTo("restarted 0 of 2 (failed: hook), rolled back 1: cmd1");
        assertThat(RunView.Tally.of(List.of(back, finished("cmd2", "restarted", true)), true, 1, null, r -> true)
                .confirmedText()).isEqualTo("1 of 1 confirmed; 1 rolled back");
        RunView.Tally mixed = RunView.Tally.of(List.of(back, finished("cmd2", "restarted", true)), true, 1, null, r -> true);
        assertThat(mixed.restarted()).isEqualTo(1);
        assertThat(mixed.text()).isEqualTo("restarted 1 of 2, rolled back 1: cmd1, confirmed 1 of 1");
    }

    @Test
    void cameBackSaysWhatEachStateMeans() {
        Instant at = Instant.parse("2026-03-01T10:00:00Z");
        assertThat(view("restarted", 12L, at, 12L, true).cameBack()).isEqualTo("configuration version 12");
        RestartRuns.ResultView stale = view("restarted", 12L, at, 11L, false);
        assertThat(stale.cameBack()).isEqualTo("configuration version 11, older than version 12 it was restarted onto");
        assertThat(stale.cameBackWrong()).isTrue();
        assertThat(view("restarted", 12L, null, null, false).cameBack()).isEqualTo("no fetch since the restart");
        assertThat(view("held", null, null, null, false).cameBack()).isEqualTo("not restarted: on hold");
        assertThat(view("held", null, null, null, false).cameBackWrong()).isFalse();
        assertThat(view("cancelled", null, null, null, false).cameBack())
                .isEqualTo("not restarted: its wave never came");
        assertThat(view("failed", null, null, null, false).cameBack()).isEqualTo("not restarted: the restart failed");
        assertThat(view("waiting", null, null, null, false).cameBack()).isEqualTo("not restarted yet");
        assertThat(view("pending", null, null, null, false).cameBack()).isEqualTo("not restarted yet");
    }

    /**
     * Issue 20, point 1: the one rule every live region polls by. A finished run can still change while a restarted
     * runtime asked to confirm is undecided, or one not asked to confirm (none) has not fetched yet, and its restart
     * ended less than the confirmation window ago; never after the window, nor once it confirmed (or fetched), had a
     * recorded verdict, was restarted again, rolled back or its target deleted.
     */
    @Test
    void aFinishedRunCanChangeOnlyWhileARestartedRuntimeMayStillConfirmWithinItsWindow() {
        Instant now = Instant.parse("2026-12-02T12:00:00Z");
        java.time.Duration window = java.time.Duration.ofSeconds(30);
        Instant ended = now.minusSeconds(29);
        assertThat(RunView.canChange(false, List.of(), now, window)).as("under way").isTrue();
        assertThat(RunView.canChange(true, List.of(), now, window)).as("finished, nothing restarted").isFalse();
        assertThat(RunView.canChange(true, List.of(awaiting(ended, false, null, null)), now, window))
                .as("restarted 29 s ago, undecided").isTrue();
        assertThat(RunView.canChange(true, List.of(awaiting(now.minusSeconds(30), false, null, null)), now, window))
                .as("its window over").isFalse();
        assertThat(RunView.canChange(true, List.of(awaiting(ended, true, null, null)), now, window))
                .as("confirmed by a fetch").isFalse();
        assertThat(RunView.canChange(true, List.of(awaiting(ended, false, "unconfirmed", null)), now, window))
                .as("its rollout's gate decided it").isFalse();
        // breaker b20 M1: a runtime not asked to confirm (none, a rollback's restart back) may still fetch what it
        // was restarted onto, which turns it "confirmed — fetched configuration version 21": live within its window
        assertThat(RunView.canChange(true, List.of(awaiting(ended, false, RestartResult.NOT_ASKED, null)), now,
                window)).as("not asked (none), no fetch yet, restarted 29 s ago").isTrue();
        assertThat(RunView.canChange(true, List.of(awaiting(now.minusSeconds(30), false, RestartResult.NOT_ASKED,
                null)), now, window)).as("not asked, its window over").isFalse();
        assertThat(RunView.canChange(true, List.of(awaiting(ended, true, "confirmed", null)), now, window))
                .as("not asked, then fetched what it was restarted onto (shown confirmed)").isFalse();
        assertThat(RunView.canChange(true, List.of(awaiting(ended, false, "failing", null)), now, window))
                .as("not asked, then reported failing").isFalse();
        assertThat(RunView.canChange(true, List.of(awaiting(ended, false, RestartResult.NOT_ASKED,
                now.minusSeconds(5))), now, window)).as("not asked, restarted again since").isFalse();
        for (String apart : List.of(RestartRuns.ResultView.ROLLED_BACK, RestartRuns.ResultView.DELETED_IN_ROLLBACK,
                "target deleted before it confirmed")) {
            assertThat(RunView.canChange(true, List.of(settled(ended, RestartResult.NOT_ASKED, apart)), now, window))
                    .as(apart).isFalse();
            assertThat(RunView.canChange(true, List.of(settled(ended, null, apart)), now, window)).as(apart)
                    .isFalse();
        }
        assertThat(RunView.canChange(true, List.of(awaiting(ended, false, null, now.minusSeconds(5))), now, window))
                .as("restarted again since").isFalse();
        // issue 19 (b19 A): a later restart that carried the change forward keeps it open, its window from then
        Instant old = now.minusSeconds(60);
        assertThat(RunView.canChange(true, List.of(carried(old, now.minusSeconds(29), null)), now, window))
                .as("restarted again 29 s ago by a restart carrying the change").isTrue();
        assertThat(RunView.canChange(true, List.of(carried(old, now.minusSeconds(30), null)), now, window))
                .as("its window from the carrying restart over").isFalse();
        assertThat(RunView.canChange(true, List.of(carried(old, now.minusSeconds(29), now.minusSeconds(5))), now,
                window)).as("then restarted onto a configuration without the change").isFalse();
        assertThat(RunView.canChange(true, List.of(finished("cmd1", "failed", false)), now, window))
                .as("a failed restart").isFalse();
    }

    /**
     * Issue 20 (breaker b20, 6): the settings notice's "What happens next" said the plan ("canary chat-1 first, then 2
     * more in 2 waves") all through a rollout, the same words while wave 3 was confirming. It now says where the
     * rollout stands first: the current wave, its state and runtimes, a bake and the waves still to come.
     */
    @Test
    void whatHappensNextSaysTheCurrentWaveItsStateAndWhatFollows() {
        Instant now = Instant.parse("2026-12-02T17:00:00Z");
        List<RestartRuns.WaveView> waves = List.of(
                new RestartRuns.WaveView(1, "canary", "confirming", null, null, null,
                        List.of(result("chat", "chat-1"))),
                new RestartRuns.WaveView(2, "wave", "confirmed", null, null, null,
                        List.of(result("chat", "chat-2"), result("dialler", "dialler"))),
                wave(3, "restarting"));
        assertThat(RolloutOutlook.progress(report("running", false, 1, 3, null, null, waves), now))
                .isEqualTo("now the canary (wave 1 of 3) confirming (chat/chat-1); then 2 more waves");
        assertThat(RolloutOutlook.progress(report("running", false, 2, 3, now.plusSeconds(63), null, waves), now))
                .isEqualTo("now wave 2 of 3 confirmed (chat/chat-2, dialler); baking until 2026-12-02 17:01:03 UTC,"
                        + " then wave 3, the last");
        assertThat(RolloutOutlook.progress(report("running", false, 2, 3, now.minusSeconds(1), null, waves), now))
                .as("a bake that is over").isEqualTo("now wave 2 of 3 confirmed (chat/chat-2, dialler); then wave 3,"
                        + " the last");
        assertThat(RolloutOutlook.progress(report("running", false, 3, 3, null, null, waves), now))
                .isEqualTo("now wave 3 of 3 restarting; the last wave");
        assertThat(RolloutOutlook.progress(report("running", false, 0, 0, null, null, List.of()), now))
                .as("before discovery the plan alone says it").isNull();
    }

    /**
     * Breaker b20, 7: the run page of a run that ended an hour before a runtime was refused warned that runtimes are
     * being refused, as if that were why it did not confirm. A run's warning is about its own time (to the end of its
     * confirmation window) and its own runtimes.
     */
    @Test
    void aRunPagesTokenWarningIsAboutItsOwnTimeAndRuntimes() {
        dev.keyhouse.settings.RuntimeToken token = new dev.keyhouse.settings.RuntimeToken(
                java.util.Optional.of("the-runtimes-token-1234"));
        assertThat(token.refusal("Bearer wrong", "alpha").getStatus()).isEqualTo(401);
        dev.keyhouse.settings.RuntimeToken.Standing standing = token.standing();
        Instant now = Instant.now();
        java.time.Duration window = java.time.Duration.ofSeconds(30);
        List<RestartRuns.ResultView> alpha = List.of(finished("alpha", "restarted", false));
        assertThat(RestartPage.tokenWarning(standing, ran(now.minusSeconds(3700), now.minusSeconds(3600), alpha),
                window, true)).as("ended an hour before the refusal").isNull();
        assertThat(RestartPage.tokenWarning(standing, ran(now.minusSeconds(60), now.minusSeconds(10), alpha), window,
                true)).as("refused within its confirmation window").contains("from runtime alpha");
        assertThat(RestartPage.tokenWarning(standing, ran(now.minusSeconds(60), null, alpha), window, true))
                .as("still running").contains("from runtime alpha");
        assertThat(RestartPage.tokenWarning(standing, ran(now.minusSeconds(60), null,
                List.of(finished("beta", "restarted", false))), window, true)).as("another run's runtime").isNull();
    }

    private static RestartRuns.RunReport ran(Instant createdAt, Instant finishedAt,
            List<RestartRuns.ResultView> results) {
        return new RestartRuns.RunReport(9, finishedAt == null ? "running" : "succeeded", finishedAt != null, "manual",
                null, null, "admin", createdAt, finishedAt,
                new RestartRuns.Convergence(null, null, 0, 0, List.of(), List.of(), List.of()), results, false, false,
                0, 0, null, null, null, null, null, List.of(), null, null, null, List.of());
    }

    /** Restarted at {@code finishedAt}, restarted again by a restart carrying its change that ended {@code carriedAt}. */
    private static RestartRuns.ResultView carried(Instant finishedAt, Instant carriedAt, Instant closedAt) {
        return new RestartRuns.ResultView(1, "alpha", "command", "alpha", "restarted", 1, null,
                finishedAt.minusSeconds(1), finishedAt, null, null, false, null, 4L, "fetch", null, null, null, null,
                "restarted", null, carriedAt.minusSeconds(1), closedAt, carriedAt);
    }

    private static RestartRuns.ResultView awaiting(Instant finishedAt, boolean confirmed, String confirmState,
            Instant nextStartedAt) {
        return new RestartRuns.ResultView(1, "alpha", "command", "alpha", "restarted", 1, null,
                finishedAt.minusSeconds(1), finishedAt, null, null, confirmed, null, 4L, "fetch", null, confirmState,
                null, null, confirmState == null ? "restarted" : confirmState, null, nextStartedAt);
    }

    /** A restarted result settled apart from the run's confirmation ({@code status}: rolled back, deleted). */
    private static RestartRuns.ResultView settled(Instant finishedAt, String confirmState, String status) {
        return new RestartRuns.ResultView(1, "alpha", "command", "alpha", "restarted", 1, null,
                finishedAt.minusSeconds(1), finishedAt, null, null, false, 1, 4L, "none", null, confirmState,
                null, null, status, null, null);
    }

    private static RestartRuns.ResultView view(String state, Long envVersion, Instant ackedAt, Long ackVersion,
            boolean confirmed) {
        return new RestartRuns.ResultView(1, "alpha", "command", "alpha", state, 1, null, null, null, null, ackedAt,
                confirmed, null, envVersion, null, null, null, null, null, state, ackVersion);
    }

    private static RestartRuns.ResultView finished(String target, String state, boolean confirmed) {
        return new RestartRuns.ResultView(1, target, "command", target, state, 1,
                "restarted".equals(state) ? null : "exit 1", null, null, confirmed ? "fp" : null, null, confirmed, null,
                null, null, null, null, null, null, "restarted".equals(state) ? "restarted" : "failed", null);
    }

    private static RestartRuns.RunReport manual(String state, List<RestartRuns.ResultView> results) {
        return new RestartRuns.RunReport(7, state, true, "manual", null, null, "admin", null, null,
                new RestartRuns.Convergence(null, null, 0, 0, List.of(), List.of(), List.of()), results, false, false, 0, 0, null, null,
                null, null, null, List.of(), null, null, null, List.of());
    }

    private static RestartRuns.RunReport rollout(String state, List<RestartRuns.ResultView> results) {
        return new RestartRuns.RunReport(8, state, true, "save", "llm", 4L, "admin", null, null,
                new RestartRuns.Convergence(null, null, 0, 0, List.of(), List.of(), List.of()), results, true, false, 1, 1, null,
                null, 3L, null, null, List.of(), null, null, null, List.of());
    }

    private static RestartRuns.ResultView result(String target, String runtime) {
        return new RestartRuns.ResultView(1, target, "command", runtime, "running", 1, null, null, null, null, null,
                false, null, null, null, null, null, null, null, "restarting", null);
    }

    private static RestartRuns.RunReport shared(String state, boolean finished, List<RestartRuns.ResultView> results) {
        return shared(state, finished, results, List.of());
    }

    private static RestartRuns.RunReport shared(String state, boolean finished, List<RestartRuns.ResultView> results,
            List<String> stillBehind) {
        return shared(state, finished, results, stillBehind, 3L);
    }

    private static RestartRuns.RunReport shared(String state, boolean finished, List<RestartRuns.ResultView> results,
            List<String> stillBehind, long version) {
        return new RestartRuns.RunReport(6, state, finished, "shared_secret", null, version, "admin", null, null,
                new RestartRuns.Convergence(null, null, 0, 0, List.of(), List.of(), List.of()), results, false, false, 0, 0, null, null,
                null, null, null, List.of(), "voxcore", "VOXCORE_SECRET", null, stillBehind);
    }

    private static RestartRuns.WaveView wave(int number, String state) {
        return new RestartRuns.WaveView(number, number == 1 ? "canary" : "wave", state, null, null, null, List.of());
    }

    private static RestartRuns.RunReport report(String state, boolean paused, int currentWave, int waveCount,
            Instant bakeUntil, String reason, List<RestartRuns.WaveView> waves) {
        RestartRun run = new RestartRun();
        run.state = state;
        run.paused = paused;
        boolean finished = run.finished();
        return new RestartRuns.RunReport(5, state, finished, "save", "llm", 8L, "admin", null, null,
                new RestartRuns.Convergence(null, null, 0, 0, List.of(), List.of(), List.of()), List.of(), true, paused, currentWave,
                waveCount, bakeUntil, reason, 7L, null, "superseded".equals(state) ? 99L : null, waves, null, null,
                null, List.of());
    }
}
