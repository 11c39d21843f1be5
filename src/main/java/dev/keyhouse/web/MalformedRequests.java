package dev.keyhouse.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Client mistakes refused before any resource runs, as problem+json under {@code /api} and a plain error page
 * elsewhere: a body declared larger than {@code quarkus.http.limits.max-body-size} (413, ahead of Quarkus' own check,
 * which answers with an empty body) and a {@code Content-Type} whose charset the JVM does not know (415, which would
 * otherwise surface as an exception from whichever reader meets it first). A request the HTTP layer itself cannot parse (an invalid {@code %} escape in
 * the path or query, a control character in a header) never reaches the router: Vert.x answers it with a bare 400
 * and closes the connection, and nothing is logged.
 */
@ApplicationScoped
public class MalformedRequests {

    private static final Logger LOG = Logger.getLogger(MalformedRequests.class);

    private final ObjectMapper json;
    private final long maxBodyBytes;

    public MalformedRequests(ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.json = json;
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    private void check(RoutingContext context) {
        String length = context.request().getHeader("Content-Length");
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            declared = -1; // the HTTP decoder refuses a malformed Content-Length before this runs
        }
        if (declared > maxBodyBytes) {
            LOG.debugf("%s request refused: a body of %d bytes is over %d", context.request().method(), declared,
                    maxBodyBytes);
            refuse(context, 413, "Content Too Large", "the request body is larger than Keyhouse accepts ("
                    + maxBodyBytes + " bytes)", "body", "is over " + maxBodyBytes + " bytes");
            return;
        }
        String charset = charset(context.request().getHeader("Content-Type"));
        if (charset != null && !supported(charset)) {
            LOG.debugf("%s request refused: unknown charset in Content-Type", context.request().method());
            refuse(context, 415, "Unsupported Media Type", "the request body's charset is not supported; send UTF-8",
                    "Content-Type", "names a charset Keyhouse does not read");
            return;
        }
        context.next();
    }

    /** Answers a client mistake: problem+json under /api, a plain page elsewhere; the connection is closed. */
    private void refuse(RoutingContext context, int status, String title, String detail, String field,
            String message) {
        // the raw URI, never a decoded path
        boolean api = context.request().uri().startsWith("/api/");
        HttpServerResponse response = context.response().setStatusCode(status).putHeader("Connection", "close");
        if (api) {
            try {
                response.putHeader("Content-Type", Problem.MEDIA_TYPE).end(json.writeValueAsString(new Problem(
                        "about:blank", title, status, detail, List.of(new FieldErrors.FieldError(field, message)))));
            } catch (JsonProcessingException e) {
                response.end();
            }
            return;
        }
        // plain HTML: the error template needs the request context, which is not active this early
        String heading = status + " · " + title;
        response.putHeader("Content-Type", "text/html; charset=UTF-8").end("<!DOCTYPE html><html lang=\"en\"><head>"
                + "<meta charset=\"utf-8\"><title>" + heading + "</title></head><body><h1>" + heading + "</h1><p>"
                + detail + ": " + field + " " + message + "</p><p><a href=\"/admin\">Back to Keyhouse</a></p></body></html>");
    }

    /** The {@code charset} parameter of a Content-Type (RFC 9110 §8.3.2), unquoted; null when there is none. */
    static String charset(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            String[] nameValue = parameter.split("=", 2);
            if (nameValue.length == 2 && nameValue[0].strip().equalsIgnoreCase("charset")) {
                String value = nameValue[1].strip();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
        }
        return null;
    }

    private static boolean supported(String charset) {
        try {
            return Charset.isSupported(charset);
        } catch (IllegalArgumentException e) {
            return false; // an illegal name
        }
    }

    /**
     * Whether {@code text} (a query string or form body) is valid URL-encoding: every {@code %} followed by two hex
     * digits and the decoded bytes valid UTF-8. Null and empty are valid.
     */
    static boolean isUrlEncoded(String text) {
        if (text == null || text.isEmpty()) {
            return true;
        }
        ByteBuffer bytes = ByteBuffer.allocate(text.length() * 3);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
                        || Character.digit(text.charAt(i + 2), 16) < 0) {
                    return false;
                }
                bytes.put((byte) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        bytes.flip();
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
