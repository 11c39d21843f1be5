package dev.keyhouse.input;

import java.util.List;
import java.util.Map;

import dev.keyhouse.web.FieldErrors;

/**
 * The one strict reading of a yes/no field of a page's form (issue 20): each kind of control has its contract, and a
 * value outside it (say {@code enabled=maybe}) is a 400 naming the field, never read as "no". The values are exact
 * and case-sensitive, as the pages send them.
 * <ul>
 * <li>{@link #checkbox}: absent is off; {@code true} (the pages' {@code value}) or {@code on} (a browser's value for
 * a box without one) is on; {@code false} is off.</li>
 * <li>{@link #trueOrFalse}: a hidden field the page always sends: {@code true} or {@code false}, absent refused.</li>
 * <li>{@link #yesOrNo}: a pair of radio buttons: {@code yes} or {@code no}; absent is null, the caller's default.</li>
 * <li>{@link #confirmed}: the {@code confirmed} field of a confirmation step: {@code yes}, or absent (not yet).</li>
 * </ul>
 * A field given more than once is refused too, whatever the values: the form sends each once
 * ({@link SingleFormFields} checks every form's fields).
 */
public final class FormBooleans {

    private FormBooleans() {
    }

    /** The yes/no fields of the pages' forms, by form name, with the label the page shows them under. */
    private static final Map<String, String> LABELS = Map.of(
            "enabled", "Enabled",
            "canary", "Canary",
            "held", "Held",
            "checkOverride", "Save although the key check fails",
            "generate", "Generate or use this value",
            "confirmed", "Confirmed");

    /**
     * An error as a page shows it among the form's other errors: a yes/no box's as {@code "Label: message"}, as every
     * field's error reads under the label the form shows it with; any other (a hidden field such as {@code version})
     * as the sentence {@code "version 27 does not exist (current is 21)"}, as the other pages say it.
     */
    public static String shown(FieldErrors.FieldError error) {
        String label = LABELS.get(error.field());
        return label == null ? error.field() + " " + error.message() : label + ": " + error.message();
    }

    /** The 400 for a single-valued field given more than once. */
    static FieldErrors repeated(String field) {
        return refused(field, "is given more than once; the form sends it once");
    }

    /** A checkbox: absent or {@code false} is false, {@code true} or {@code on} is true; else 400 naming it. */
    public static boolean checkbox(String field, String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true") || value.equals("on")) {
            return true;
        }
        throw refused(field, "must be true when ticked, or left out");
    }

    /** A checkbox of a multi-valued form ({@link #checkbox(String, String)}); given twice: 400. */
    public static boolean checkbox(Map<String, List<String>> form, String field) {
        return checkbox(field, single(form, field));
    }

    /** A field the page always sends: {@code true} or {@code false}; anything else, absent included, is a 400. */
    public static boolean trueOrFalse(String field, String value) {
        if ("true".equals(value)) {
            return true;
        }
        if ("false".equals(value)) {
            return false;
        }
        throw refused(field, "must be true or false");
    }

    /** Radio buttons yes/no: {@code yes} true, {@code no} false, absent null; else 400 naming the field. */
    public static Boolean yesOrNo(Map<String, List<String>> form, String field) {
        String value = single(form, field);
        if (value == null) {
            return null;
        }
        if (value.equals("yes") || value.equals("no")) {
            return value.equals("yes");
        }
        throw refused(field, "must be yes or no");
    }

    /**
     * A confirmation step's field: {@code yes} confirms, absent asks first (the step is shown, nothing done); any
     * other value is a 400 naming the field, and nothing is done either.
     */
    public static boolean confirmed(String field, String value) {
        if (value == null) {
            return false;
        }
        if (value.equals("yes")) {
            return true;
        }
        throw refused(field, "must be yes (from the confirmation step), or left out to be asked first");
    }

    /** The one value of {@code field}, null when absent; given more than once: 400. */
    private static String single(Map<String, List<String>> form, String field) {
        List<String> values = form.get(field);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw repeated(field);
        }
        return values.get(0);
    }

    private static FieldErrors refused(String field, String message) {
        return new FieldErrors().add(field, message);
    }
}
