package dev.keyhouse.web;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpServerRequest;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The one wording of error answers (issue 20): every status's title, the same on error pages and in problem+json
 * ({@code title}), and the one-line reason of an answer that has no reason of its own (a bare 404, 405, 413 or 415
 * of the HTTP layer), on a page route and under {@code /api} alike. Titles are RFC 9110 §15's reason phrases.
 */
public final class ErrorWording {

    private static final Map<Integer, String> TITLES = Map.ofEntries(Map.entry(400, "Bad Request"),
            Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"),
            Map.entry(405, "Method Not Allowed"), Map.entry(406, "Not Acceptable"), Map.entry(409, "Conflict"),
            Map.entry(412, "Precondition Failed"), Map.entry(413, "Content Too Large"), Map.entry(414, "URI Too Long"),
            Map.entry(415, "Unsupported Media Type"), Map.entry(422, "Unprocessable Content"),
            Map.entry(428, "Precondition Required"), Map.entry(429, "Too Many Requests"),
            Map.entry(431, "Request Header Fields Too Large"), Map.entry(500, "Internal Server Error"),
            Map.entry(503, "Service Unavailable"));

    private static final Map<Integer, String> REASONS = Map.of(
            400, "the request was refused: it is malformed, or a form without a valid CSRF token",
            404, "there is nothing at this address; check the link, or start again from the home page",
            405, "this address does not take a request of this method",
            406, "this address cannot answer in a format the request accepts",
            415, "this address does not take a body of this Content-Type (pages take their own forms)",
            500, "the request failed on the server; the log has the details");

    private ErrorWording() {
    }

    /** The title of {@code status}: its RFC 9110 reason phrase ("Not Found"), or "Error" for one not listed. */
    public static String title(int status) {
        return TITLES.getOrDefault(status, status >= 500 ? "Server Error" : "Error");
    }

    /** The reason of a {@code status} answer that carries none of its own (a 413 says its limit: {@link #tooLarge}). */
    static String reason(int status) {
        return REASONS.getOrDefault(status, title(status).toLowerCase(Locale.ROOT));
    }

    /**
     * Collections whose path takes a whole-number id, longest prefix first, with what one of their rows is called:
     * a 404 for a segment that is no id says so in a sentence instead of the bare reason.
     */
    private static final List<Map.Entry<String, String>> ID_PATHS = List.of(
            Map.entry("/admin/users/tokens/", "API token"), Map.entry("/api/v1/tokens/", "API token"),
            Map.entry("/api/v1/users/", "user"), Map.entry("/admin/users/", "user"),
            Map.entry("/api/v1/shared-secrets/", "shared secret"), Map.entry("/admin/shared-secrets/", "shared secret"),
            Map.entry("/api/v1/runtimes/", "runtime target"), Map.entry("/admin/runtimes/", "runtime target"),
            Map.entry("/api/v1/restarts/", "restart run"), Map.entry("/admin/restarts/", "restart run"));

    /**
     * The reason of a 404 of the HTTP layer on {@code path}: under a collection with whole-number ids whose next
     * segment is none, "no shared secret has that id (ids are whole numbers)", never repeating the segment (it may
     * hold quotes, escapes or a pasted key); else {@link #reason(int) reason(404)}.
     */
    static String notFound(String path) {
        for (Map.Entry<String, String> collection : ID_PATHS) {
            if (path != null && path.startsWith(collection.getKey())) {
                String segment = path.substring(collection.getKey().length()).split("/", 2)[0];
                if (!segment.isEmpty() && !segment.matches("[0-9]{1,18}")) {
                    return "no " + collection.getValue() + " has that id (ids are whole numbers)";
                }
                break;
            }
        }
        return reason(404);
    }

    /**
     * The part of a request that a size limit refused ({@code body}, {@code form}), what it says of it, and the whole
     * reason as one sentence naming the limit (an error page's line, a problem's {@code detail}), e.g. "a form field
     * is over Keyhouse's limit of 64 KiB per field".
     */
    record Limit(String field, String message, String sentence) {

        /** The 413 answer: {@code detail} the sentence, one field error naming the part. */
        Problem problem() {
            return Problem.of(413, sentence, List.of(new FieldErrors.FieldError(field, message)));
        }
    }

    /**
     * Which limit a 413 answer met: a form that is within {@code quarkus.http.limits.max-body-size} met the per-field
     * one ({@code quarkus.http.limits.max-form-attribute-size}); anything else the body's. A form is within the body
     * limit when its declared {@code Content-Length} is, or, sent chunked (no length), when the bytes read of it when
     * it was refused are.
     */
    static Limit tooLarge(HttpServerRequest request) {
        long body = limit("quarkus.http.limits.max-body-size");
        String type = request == null ? null : request.getHeader("Content-Type");
        String length = request == null ? null : request.getHeader("Content-Length");
        boolean form = type != null && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
        boolean within = length == null ? request != null && request.bytesRead() <= body
                : length.strip().matches("[0-9]{1,18}") && Long.parseLong(length.strip()) <= body;
        if (form && within) {
            String field = size(limit("quarkus.http.limits.max-form-attribute-size"));
            return new Limit("form", "has a field over Keyhouse's limit of " + field + " per field",
                    "a form field is over Keyhouse's limit of " + field + " per field");
        }
        return bodyLimit();
    }

    /** The body limit ({@code quarkus.http.limits.max-body-size}), as the {@code body} field's problem. */
    static Limit bodyLimit() {
        String size = size(limit("quarkus.http.limits.max-body-size"));
        return new Limit("body", "is over Keyhouse's limit of " + size,
                "the request body is over Keyhouse's limit of " + size);
    }

    private static long limit(String property) {
        return ConfigProvider.getConfig().getValue(property, MemorySize.class).asLongValue();
    }

    /** {@code bytes} as people read it: "1 MiB", "64 KiB", "1.5 MiB", "900 bytes" (binary units). */
    static String size(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = value == Math.rint(value) ? String.valueOf((long) value)
                : String.format(Locale.ROOT, "%.1f", value);
        return number + " " + units[unit];
    }
}
