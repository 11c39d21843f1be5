package dev.keyhouse.input;

import java.util.Collection;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.WithFormRead;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;

import dev.keyhouse.web.FieldErrors;
import jakarta.ws.rs.core.MediaType;

/**
 * Refuses a form (urlencoded or multipart) that gives a single-valued field of {@link FormBooleans#SINGLE_VALUED}
 * more than once, whatever the values (issue 20: {@code confirmed=yes&confirmed=no} was read as its first value and
 * acted): a 400 naming the field, before any resource method runs, so nothing is done. The pages send each once.
 */
public class SingleFormFields {

    /** @throws FieldErrors naming the first repeated field */
    @ServerRequestFilter
    @WithFormRead
    public void check(ResteasyReactiveContainerRequestContext request) {
        MediaType type = request.getMediaType();
        if (type == null || !(type.isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                || type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE))) {
            return;
        }
        ResteasyReactiveRequestContext context = (ResteasyReactiveRequestContext) request.getServerRequestContext();
        for (String field : FormBooleans.SINGLE_VALUED) {
            if (context.getFormParameter(field, false, false) instanceof Collection<?> values && values.size() > 1) {
                throw FormBooleans.repeated(field);
            }
        }
    }
}
