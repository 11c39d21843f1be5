package dev.keyhouse.web;

import java.lang.annotation.Annotation;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Error responses that a filter made without a body (quarkus-rest-csrf's bare 400 for a form without a valid token,
 * say) get one like every other error: problem+json under {@code /api}, the error page elsewhere.
 */
public class ProblemBodies {

    /** Gives a bodiless 4xx or 5xx answer a body naming its status. */
    @ServerResponseFilter
    public void fill(ContainerResponseContext response, HttpServerRequest request) {
        int status = response.getStatus();
        if (status < 400 || response.hasEntity()) {
            return;
        }
        Response.StatusType type = response.getStatusInfo();
        String title = type.getReasonPhrase();
        String detail = status == 400 ? "the request was refused: it is malformed, or a form without a valid CSRF token"
                : title.toLowerCase();
        if (ProblemMapper.isApi(request)) {
            response.setEntity(Problem.of(status, title, detail), new Annotation[0], MediaType.valueOf(Problem.MEDIA_TYPE));
        } else {
            response.setEntity(ProblemMapper.Templates.error(status, title, detail), new Annotation[0],
                    MediaType.TEXT_HTML_TYPE);
        }
    }
}
