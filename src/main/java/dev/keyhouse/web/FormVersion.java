package dev.keyhouse.web;

/**
 * A page form's hidden {@code version}: the version of what the form edits (a kind's settings, a fallback, a runtime
 * target, a shared secret) that the page was rendered with, a page's If-Match. A legitimate page always carries a
 * whole number no greater than the current version; anything else (missing, empty, not a number, negative, too long,
 * ahead of the current version) is a form that is out of date or was altered, refused as a field error named
 * {@code version} that joins the form's other errors, so the page re-renders the form with what was typed (issue 20).
 */
public final class FormVersion {

    /** The field's name on every page form. */
    public static final String FIELD = "version";

    private FormVersion() {
    }

    /**
     * Reads {@code value} as a version, refusing what no page rendered in {@code errors} under {@code field}.
     *
     * @param current the stored version now; a value greater than it is refused as "N does not exist (current is M)"
     * @return the version, or null when {@code value} was refused (its error is then in {@code errors})
     */
    public static Long read(String field, String value, long current, FieldErrors errors) {
        Long version = read(field, value, errors);
        return version != null && ahead(field, version, current, errors) ? null : version;
    }

    /**
     * Whether {@code given} is ahead of {@code current}: no page ever showed that version (not a stale page); if so,
     * {@code errors} names {@code field}: "version 99 does not exist (current is 12); reload the page".
     */
    public static boolean ahead(String field, long given, long current, FieldErrors errors) {
        if (given <= current) {
            return false;
        }
        // the field's name and its message read as one sentence: "version 99 does not exist ..."
        errors.add(field, given + " does not exist (current is " + current + "); reload the page");
        return true;
    }

    /**
     * As {@link #read(String, String, long, FieldErrors)} for a version that is a save's time (a runtime target's
     * {@code updated_at} in microseconds since the epoch): one ahead of {@code currentMicros} is named by the time of
     * the last save, never by the raw numbers ({@link #timeAhead}).
     */
    public static Long readTime(String value, long currentMicros, FieldErrors errors) {
        Long version = read(FIELD, value, errors);
        return version != null && timeAhead(version, currentMicros, errors) ? null : version;
    }

    /**
     * Whether {@code given} (microseconds since the epoch) is ahead of {@code currentMicros}: no page ever showed it;
     * if so, {@code errors} names {@code version}: "version is ahead of the last save (2026-12-03 06:12:34 UTC): no
     * page showed it; reload the page".
     */
    public static boolean timeAhead(long given, long currentMicros, FieldErrors errors) {
        if (given <= currentMicros) {
            return false;
        }
        java.time.Instant saved = java.time.Instant.EPOCH.plus(currentMicros, java.time.temporal.ChronoUnit.MICROS);
        errors.add(FIELD, "is ahead of the last save (" + TemplateExtensions.utc(saved) + "): no page showed it; reload"
                + " the page");
        return true;
    }

    /** {@link #read(String, String, long, FieldErrors)} of the field {@code version}. */
    public static Long read(String value, long current, FieldErrors errors) {
        return read(FIELD, value, current, errors);
    }

    /**
     * Reads {@code value} as a whole number of zero or more (ASCII digits, at most 18: always a long), without a
     * current version to compare with.
     *
     * @return the version, or null when it is missing, blank or malformed (its error is then in {@code errors})
     */
    public static Long read(String field, String value, FieldErrors errors) {
        if (value == null || value.isBlank()) {
            errors.add(field, "is missing from the form; reload the page");
            return null;
        }
        // ASCII digits only: Long.parseLong would also read other scripts' digits
        String digits = value.strip();
        if (!digits.matches("[0-9]{1,18}")) {
            errors.add(field, "must be the whole number the page was rendered with: this form is out of date or was"
                    + " altered; reload the page");
            return null;
        }
        return Long.parseLong(digits);
    }
}
