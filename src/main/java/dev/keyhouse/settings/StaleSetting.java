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

    StaleSetting(SettingState current, long expectedVersion, List<String> changedFields) {
        super(412, detail(current, expectedVersion, changedFields));
        this.current = current;
        this.expectedVersion = expectedVersion;
        this.changedFields = List.copyOf(changedFields);
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
