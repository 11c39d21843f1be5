package dev.keyhouse.input;


import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.WithFormRead;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.core.multipart.FormData;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;

import dev.keyhouse.web.FieldErrors;
import jakarta.ws.rs.core.MediaType;

/**
 * Refuses a form (urlencoded or multipart) that gives a single-valued field more than once, whatever the values:
 * a 400 naming the field, before any resource method runs, so nothing is done. Every field of Keyhouse's forms is
 * single-valued but the checkbox groups {@link #MULTI_VALUED} ({@code dependsOn}, {@code targets}): a repeated
 * {@code confirmed=yes&confirmed=no} (issue 20) or {@code provider=custom&provider=sarvam} (issue 19) was read as
 * its first value and acted on. The pages send each once.
 */
public class SingleFormFields {

    /** The checkbox groups, the only fields a form may give more than once. */
    public static final java.util.Set<String> MULTI_VALUED = java.util.Set.of("dependsOn", "targets");

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
        FormData form = context.getFormData();
        if (form == null) {
            return;
        }
        for (String field : form) {
            if (!MULTI_VALUED.contains(field) && form.get(field).size() > 1) {
                throw FormBooleans.repeated(field.matches("[A-Za-z0-9_.-]{1,64}") ? field : "(a field)");
            }
        }
    }
}
