package dev.keyhouse.web;

import java.lang.annotation.Annotation;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
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
        Problem problem = ProblemMapper.generic(status, request);
        if (ProblemMapper.isApi(request)) {
            response.setEntity(problem, new Annotation[0], MediaType.valueOf(Problem.MEDIA_TYPE));
        } else {
            response.setEntity(ProblemMapper.Templates.error(status, problem.title(), ProblemMapper.reason(problem)),
                    new Annotation[0], MediaType.TEXT_HTML_TYPE);
        }
    }
}
