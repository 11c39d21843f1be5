package dev.keyhouse.input;

import java.util.Iterator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.web.FieldErrors;

/**
 * The rule of a REST action that takes no body ({@code POST …/providers/{id}/rollback},
 * {@code POST /api/v1/shared-secrets/{id}/generate}): a body is refused, never ignored, so a caller who sent
 * {@code {"version": 1}} or {@code {"value": "…"}} learns that it was not read instead of getting another outcome than
 * it asked for. Only whitespace, or an empty JSON object, counts as no body.
 */
public final class NoBody {

    private static final ObjectMapper JSON = new ObjectMapper();

    private NoBody() {
    }

    /**
     * A JSON member's name as an error may name it ({@link dev.keyhouse.web.FieldErrors#shownName}): the name itself
     * when it is plain, else "(a key)": a name is input too, and may be a secret typed in the wrong place.
     */
    public static String member(String name) {
        return dev.keyhouse.web.FieldErrors.shownName(name);
    }

    /**
     * @param body the request's entity as sent (null or empty without one)
     * @param action what the caller called, e.g. "a fallback's rollback"
     * @throws FieldErrors (400) naming the first member of a JSON object body ({@link #member}), else {@code body};
     *         the message never repeats what was sent (it may hold a secret)
     */
    public static void refuse(String body, String action) {
        if (body == null || body.isBlank()) {
            return;
        }
        String field = "body";
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.isObject()) {
                Iterator<String> names = node.fieldNames();
                if (!names.hasNext()) {
                    return;
                }
                field = member(names.next());
            }
        } catch (java.io.IOException notJson) {
            // not JSON: named as the body
        }
        throw new FieldErrors().add(field, "is not read: " + action + " takes no body");
    }
}
