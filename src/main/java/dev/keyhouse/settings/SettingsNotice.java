package dev.keyhouse.settings;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.keyhouse.checks.CheckResult;
import dev.keyhouse.web.Flash;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Response;

/**
 * What the settings overview says once after a write ({@link dev.keyhouse.web.Flash}): a save, a rollback or a
 * fallback change of a kind, the restart run it planned, and the key check's result when it was not ok. Carried in
 * the flash cookie as a key of letters, digits, dots and underscores ({@code saved.llm.r12.cinvalid_key.o}), never
 * as text: a key that does not parse shows nothing.
 *
 * @param what {@code saved}, {@code rolledBack}, {@code fallback}, {@code unchanged} or {@code fallbackUnchanged}
 * @param run the restart run the write planned, or null; for an unchanged save, the version it stays at
 * @param check the save's check result when it was not ok, or null
 * @param overridden the save went ahead over a failed check
 */
public record SettingsNotice(String what, ProviderKind kind, Long run, CheckResult check, boolean overridden) {

    public static final String SAVED = "saved";
    public static final String ROLLED_BACK = "rolledBack";
    public static final String FALLBACK = "fallback";
    /** A save whose form changed nothing: no version, no audit entry, no rollout. */
    public static final String UNCHANGED = "unchanged";
    /** A fallback's save whose form changed nothing. */
    public static final String FALLBACK_UNCHANGED = "fallbackUnchanged";

    private static final Pattern KEY = Pattern.compile(
            "(saved|rolledBack|fallback|unchanged|fallbackUnchanged)\\.([a-z]{1,20})(?:\\.r([0-9]{1,18}))?"
                    + "(?:\\.c([a-z_]{1,40}))?(\\.o)?");

    /**
     * A save's notice: its restart run, and its key check's result when it was not ok (overridden or not); for a save
     * that changed nothing ({@code saved} still at {@code formVersion}), "Nothing changed: llm settings stay at version
     * N." (the version carried in the run's place).
     */
    public static SettingsNotice ofSave(ProviderKind kind, CheckedSaves.Saved saved, long formVersion) {
        if (saved.state().version() == formVersion) {
            return new SettingsNotice(UNCHANGED, kind, formVersion, null, false);
        }
        boolean warned = saved.check() != null && saved.check().result() != CheckResult.OK;
        return new SettingsNotice(SAVED, kind, saved.state().restartRun(), warned ? saved.check().result() : null,
                warned && saved.overridden());
    }

    /** The restart run the write planned, or null (an unchanged save's {@code run} is its version). */
    public Long restartRun() {
        return UNCHANGED.equals(what) || FALLBACK_UNCHANGED.equals(what) ? null : run;
    }

    /** 303 to the settings overview (at the kind's fallbacks for a fallback change), which shows this once. */
    public Response seeOther(HttpServerRequest request) {
        return Flash.seeOther(request, "/admin/settings" + (what.startsWith(FALLBACK) ? "#fallbacks-" + kind.id() : ""),
                key());
    }

    /** The flash cookie's value. */
    public String key() {
        return what + "." + kind.id() + (run == null ? "" : ".r" + run) + (check == null ? "" : ".c" + check.json())
                + (overridden ? ".o" : "");
    }

    /** The notice a flash cookie names; empty when there is none or it does not parse. */
    public static Optional<SettingsNotice> parse(String key) {
        Matcher m = key == null ? null : KEY.matcher(key);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        Optional<ProviderKind> kind = ProviderKind.parse(m.group(2));
        CheckResult check = m.group(4) == null ? null : Arrays.stream(CheckResult.values())
                .filter(r -> r.json().equals(m.group(4))).findFirst().orElse(null);
        return kind.map(k -> new SettingsNotice(m.group(1), k, m.group(3) == null ? null : Long.valueOf(m.group(3)),
                check, m.group(5) != null));
    }

    /** "LLM settings saved.", with the check's warning or override; "... rolled back."; "... fallbacks changed." */
    public String text() {
        return switch (what) {
            case ROLLED_BACK -> kind.title() + " settings rolled back.";
            case FALLBACK -> kind.title() + " fallbacks changed.";
            // the version rides in the run's place: an unchanged save plans no run
            case UNCHANGED -> "Nothing changed: " + kind.id() + " settings stay at version " + run + ".";
            case FALLBACK_UNCHANGED -> "Nothing changed: the " + kind.id() + " fallback stays at version " + run + ".";
            default -> saved();
        };
    }

    private String saved() {
        if (!kind.liveCheck()) {
            return kind.title() + " settings saved (" + kind.noLiveCheck() + ").";
        }
        if (check == null || check == CheckResult.OK) {
            return kind.title() + " settings saved.";
        }
        if (overridden) {
            return kind.title() + " settings saved over a failed key check: " + check.json() + " ("
                    + check.meaning() + "). The override and its reason are in the audit log.";
        }
        return kind.title() + " settings saved with a warning: the key check found " + check.json() + " ("
                + check.meaning() + ").";
    }
}
