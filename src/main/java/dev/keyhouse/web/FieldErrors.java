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
        super(400, "Invalid input", "some fields are invalid");
    }

    public FieldErrors add(String field, String message) {
        errors.add(new FieldError(field, message));
        return this;
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
