package dev.keyhouse.web;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem+json body; {@code errors} lists field problems for validation failures, and
 * {@code extensions} adds members of its own (RFC 9457 §3.2), e.g. {@code "runningJob": 7}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<FieldErrors.FieldError> errors,
        @JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** A problem without field errors, titled as every {@code status} answer is ({@link ErrorWording#title}). */
    public static Problem of(int status, String detail) {
        return of(status, detail, List.of());
    }

    /** A problem with field errors, titled as every {@code status} answer is. */
    public static Problem of(int status, String detail, List<FieldErrors.FieldError> errors) {
        return of(status, detail, errors, Map.of());
    }

    /** A problem with field errors and extension members, titled as every {@code status} answer is. */
    public static Problem of(int status, String detail, List<FieldErrors.FieldError> errors,
            Map<String, Object> extensions) {
        return new Problem("about:blank", ErrorWording.title(status), status, detail, errors, extensions);
    }

    /** Extension members, written at the top level of the JSON object. */
    @JsonAnyGetter
    public Map<String, Object> extensionMembers() {
        return extensions == null ? Map.of() : extensions;
    }
}
