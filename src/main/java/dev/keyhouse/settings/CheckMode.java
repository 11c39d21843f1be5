package dev.keyhouse.settings;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What a live key check does to a save ({@code PROVIDER_CHECK_MODE}). See {@link CheckedSaves} for when a save is
 * checked at all.
 */
public enum CheckMode {
    /** Results that {@link dev.keyhouse.checks.CheckResult#blocksSave() block} refuse the save (422) unless overridden. */
    ENFORCE,
    /** Every result saves; a result other than ok comes with a warning. */
    WARN,
    /** No check on save. */
    OFF;

    /** {@code enforce}, {@code warn}, {@code off}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode spelled exactly as {@link #id()} (surrounding blanks ignored), or empty. */
    public static Optional<CheckMode> parse(String value) {
        String id = value == null ? "" : value.strip();
        return Arrays.stream(values()).filter(m -> m.id().equals(id)).findFirst();
    }
}
