package dev.keyhouse.settings;

import dev.keyhouse.input.StaleVersion;

import dev.keyhouse.web.TemplateExtensions;
import java.util.List;

import dev.keyhouse.web.KeyhouseException;

/** A save or rollback named a version that is no longer current: nothing was written. */
public final class StaleSetting extends KeyhouseException {

    private final transient SettingState current;
    private final List<String> changedFields;
    private final long expectedVersion;
    private final transient java.util.Map<String, String> loaded;

    StaleSetting(SettingState current, long expectedVersion, List<String> changedFields) {
        this(current, expectedVersion, changedFields, null);
    }

    /**
     * @param loaded the non-secret fields of version {@code expectedVersion} by JSON name, an unset one as null (what
     *        a form of that version was loaded with); null when that version is not kept
     */
    StaleSetting(SettingState current, long expectedVersion, List<String> changedFields,
            java.util.Map<String, String> loaded) {
        super(412, detail(current, expectedVersion, changedFields));
        this.current = current;
        this.expectedVersion = expectedVersion;
        this.changedFields = List.copyOf(changedFields);
        this.loaded = loaded == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(loaded));
    }

    /**
     * The non-secret fields of the version the caller had, by JSON name (an unset one as null): what a page form of
     * that version was loaded with, so a stale save's form can tell the fields the admin left alone
     * ({@link dev.keyhouse.web.StaleChanges#untouched}); empty when that version is not kept (one ahead of the
     * current, a history row gone).
     */
    public java.util.Optional<java.util.Map<String, String>> loaded() {
        return java.util.Optional.ofNullable(loaded);
    }

    /** The setting as it is now. */
    public SettingState current() {
        return current;
    }

    /** Fields that differ between the version the caller had and the current one (JSON names). */
    public List<String> changedFields() {
        return changedFields;
    }

    public long expectedVersion() {
        return expectedVersion;
    }

    private static String detail(SettingState current, long expected, List<String> changed) {
        if (current.version() == 0) {
            return current.kind().id() + " settings have never been saved, so there is no "
                    + (expected == StaleVersion.BEYOND_ANY ? "version like the one If-Match names" : "version "
                            + expected) + " to change. Nothing was saved; send the first save with If-Match: \"0\".";
        }
        return current.kind().id() + " settings " + StaleVersion.since(expected, current.version())
                + ", saved by " + current.updatedBy() + " at "
                + TemplateExtensions.utc(current.updatedAt())
                + (changed.isEmpty() ? "" : "; changed: " + String.join(", ", changed))
                + ". Nothing was saved; load the current version and apply your change again.";
    }
}
