package dev.keyhouse.web;

import java.util.List;

import dev.keyhouse.input.FormBooleans;

/**
 * The form step before a destructive action (issue 20, item 5): a page that says what the action will do, with a
 * plain POST form (CSRF field, {@code confirmed=yes}, any hidden fields the action needs) that does it, and a link
 * back that does nothing. Works without JavaScript (the CSP forbids inline script, so no {@code confirm()}); the
 * action's own POST without {@code confirmed=yes} answers this step too, so nothing is done on one click. Rendered
 * by {@code templates/tags/confirmStep.html}.
 *
 * @param question the heading, e.g. "Delete runtime target voice?"
 * @param consequence what happens, in plain words
 * @param action the POST form's action, a path
 * @param fields hidden fields besides the CSRF token and {@code confirmed}
 * @param button the submit button's text
 * @param back where "keep it" leads, a path
 * @param keep the back link's text
 * @param input a field the person types in the step itself (a new password), or null: what the step asks for is
 *        typed here, never carried from the page before; only the refusal of the step's own POST shows it again
 */
public record ConfirmStep(String question, String consequence, String action, List<Field> fields, String button,
        String back, String keep, Input input) {

    /** A step with hidden fields only. */
    public ConfirmStep(String question, String consequence, String action, List<Field> fields, String button,
            String back, String keep) {
        this(question, consequence, action, fields, button, back, keep, null);
    }

    /**
     * A password typed in the step, rendered empty: {@code <input type="password" autocomplete="new-password"
     * required>} with its label.
     *
     * @param minLength the shortest the browser lets through (the server checks again), in characters
     * @param value what the step's own POST typed, shown again only in its refusal (400, {@code no-store}); else null
     * @param error why that POST was refused, shown next to the field; else null
     */
    public record Input(String name, String label, int minLength, String value, String error) {

        /** The field as the step first shows it: empty, no error. */
        public Input(String name, String label, int minLength) {
            this(name, label, minLength, null, null);
        }
    }

    /** This step with its typed field as the refused POST left it: {@code typed} again, and why it was refused. */
    public ConfirmStep refused(String typed, String message) {
        return new ConfirmStep(question, consequence, action, fields, button, back, keep,
                new Input(input.name(), input.label(), input.minLength(), typed, message));
    }

    /** The form field that confirms: an action's POST does nothing without {@code confirmed=yes}. */
    public static final String FIELD = "confirmed";

    /** One hidden field of the form. */
    public record Field(String name, String value) {
    }

    /**
     * Whether a submitted {@link #FIELD} confirms: {@code yes} does, absent does not (the step is shown); any other
     * value is a 400 naming the field ({@link FormBooleans#confirmed}), and nothing is done.
     */
    public static boolean confirmed(String value) {
        return FormBooleans.confirmed(FIELD, value);
    }
}
