package dev.keyhouse.checks;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading one field of a provider's answer for classification; nothing is kept. */
public final class Answers {

    private Answers() {
    }

    /** The text at {@code path} (object fields), or null when the body is null or the path is missing or not text. */
    public static String text(JsonNode body, String... path) {
        JsonNode node = body;
        for (String step : path) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(step);
        }
        return node != null && node.isTextual() ? node.asText() : null;
    }

    /** Whether the text at {@code path} contains {@code fragment}, ignoring case. */
    public static boolean mentions(JsonNode body, String fragment, String... path) {
        String text = text(body, path);
        return text != null && text.toLowerCase(java.util.Locale.ROOT).contains(fragment.toLowerCase(java.util.Locale.ROOT));
    }
}
