package dev.keyhouse.web;

import java.util.ArrayList;
import java.util.List;

/** Bad input, with a message for each field at fault. */
public final class FieldErrors extends KeyhouseException {

    /** One field's problem, as {@code errors[]} of a problem+json body lists it. */
    public record FieldError(String field, String message) {
    }

    private final List<FieldError> errors = new ArrayList<>();

    public FieldErrors() {
        super(400, "some fields are invalid");
    }

    private FieldErrors(int status, String detail) {
        super(status, detail);
    }

    /** Field errors answered 409: each field is valid alone, but another stored row holds what it names. */
    public static FieldErrors conflict() {
        return new FieldErrors(409, "a field conflicts with another stored row");
    }

    /**
     * Adds a field's problem. The field is named as {@link #shownName} shows it: a name taken from the request (a
     * JSON member, a form field) is input too, and may be a secret pasted in the wrong place.
     */
    public FieldErrors add(String field, String message) {
        errors.add(new FieldError(shownName(field), message));
        return this;
    }

    /**
     * A field's name as an answer may repeat it: the name itself when it is plain (letters, digits, {@code _ . - [ ]},
     * at most 40 characters: every field Keyhouse reads is; a part already shown as "(a key)" is kept, as in
     * {@code config.(a key)}), else "(a key)".
     */
    public static String shownName(String name) {
        return name != null && name.length() <= 40 && name.matches("([A-Za-z0-9_.\\[\\]-]|\\(a key\\))+") ? name
                : UNNAMED;
    }

    /** What {@link #shownName} says for a name it will not repeat. */
    public static final String UNNAMED = "(a key)";

    /** Adds every error of {@code other} (kept in its order, after these). */
    public FieldErrors addAll(FieldErrors other) {
        errors.addAll(other.errors);
        return this;
    }

    /**
     * Adds the errors of {@code other} whose field has none here yet: a later stage's findings joined to an earlier
     * stage's, without a second message for a field already named.
     */
    public FieldErrors addNew(FieldErrors other) {
        for (FieldError error : other.errors) {
            if (!names(error.field())) {
                errors.add(error);
            }
        }
        return this;
    }

    /**
     * Runs one stage of reading an input and keeps its problems here instead of throwing them, so a later stage can
     * add its own and one answer names them all.
     *
     * @return what the stage read, or null when it threw FieldErrors (added here)
     */
    public <T> T collect(java.util.function.Supplier<T> stage) {
        try {
            return stage.get();
        } catch (FieldErrors e) {
            errors.addAll(e.errors);
            return null;
        }
    }

    /** Whether a field has an error. */
    public boolean names(String field) {
        return errors.stream().anyMatch(e -> e.field().equals(field));
    }

    public List<FieldError> errors() {
        return List.copyOf(errors);
    }

    /** The first message for a field, for showing it next to that field; null when the field is fine. */
    public String messageFor(String field) {
        return errors.stream().filter(e -> e.field().equals(field)).map(FieldError::message).findFirst().orElse(null);
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw this;
        }
    }

    @Override
    public String getMessage() {
        return errors.stream().map(e -> e.field() + " " + e.message()).reduce((a, b) -> a + "; " + b).orElse(super.getMessage());
    }
}
