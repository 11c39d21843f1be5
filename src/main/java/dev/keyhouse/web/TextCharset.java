package dev.keyhouse.web;

import java.util.Locale;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Every text answer says its charset (issue 20): a {@code Content-Type} of {@code text/*}, JSON (problem+json and any
 * other {@code +json}), JavaScript, XML or YAML without a {@code charset} parameter gets {@code ;charset=UTF-8} as its
 * headers are written. One handler, first on the router, so pages, error pages from {@link ProblemMapper} and
 * {@link ProblemBodies}, problem+json bodies, the refusals of {@link MalformedRequests} and static files all carry it.
 * Everything Keyhouse writes is UTF-8; a type that names a charset already is left alone.
 */
@ApplicationScoped
public class TextCharset {

    /** What is appended: the parameter as Quarkus writes it on its own pages. */
    static final String PARAMETER = ";charset=UTF-8";

    void install(@Observes Router router) {
        // before MalformedRequests (Integer.MIN_VALUE + 1), so its refusals are covered too
        router.route().order(Integer.MIN_VALUE).handler(this::handle);
    }

    private void handle(RoutingContext context) {
        HttpServerResponse response = context.response();
        context.addHeadersEndHandler(ignored -> {
            String type = response.headers().get("Content-Type");
            String fixed = withCharset(type);
            if (fixed != null && !fixed.equals(type)) {
                response.headers().set("Content-Type", fixed);
            }
        });
        context.next();
    }

    /**
     * {@code type} with {@code ;charset=UTF-8} when it is a text type without a charset; a text type whose only
     * parameter is a UTF-8 charset written otherwise ({@code text/html; charset=utf-8}) in that one spelling, so every
     * answer says it alike (issue 20); {@code type} itself otherwise (null stays null).
     */
    static String withCharset(String type) {
        if (type == null || type.isBlank()) {
            return type;
        }
        String lower = type.toLowerCase(Locale.ROOT);
        int semicolon = lower.indexOf(';');
        String essence = (semicolon < 0 ? lower : lower.substring(0, semicolon)).strip();
        boolean text = essence.startsWith("text/") || essence.equals("application/json") || essence.endsWith("+json")
                || essence.equals("application/javascript") || essence.equals("application/xml")
                || essence.endsWith("+xml") || essence.equals("application/yaml");
        if (!text) {
            return type;
        }
        String bare = (semicolon < 0 ? type : type.substring(0, semicolon)).strip();
        if (!lower.contains("charset=")) {
            return type.strip() + PARAMETER;
        }
        String parameters = lower.substring(semicolon + 1).strip().replace("\"", "");
        return parameters.matches("charset\\s*=\\s*utf-8") ? bare + PARAMETER : type;
    }
}
