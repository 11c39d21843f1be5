package dev.keyhouse.runtimes;

import dev.keyhouse.auth.Role;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code /admin/restarts/{id}}: one run's results and convergence; htmx refreshes it until the run is finished. */
@Path(RestartPage.PATH)
@Produces(MediaType.TEXT_HTML)
public class RestartPage {

    static final String PATH = "/admin/restarts";

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(RestartRuns.RunReport run);

        static native TemplateInstance page$run(RestartRuns.RunReport run);
    }

    private final RestartRuns runs;

    public RestartPage(RestartRuns runs) {
        this.runs = runs;
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance page(@PathParam("id") long id) {
        return Templates.page(runs.report(id));
    }

    /** The run card alone, for htmx; once the run is finished the card it returns no longer polls. */
    @GET
    @Path("{id}/live")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance live(@PathParam("id") long id) {
        return Templates.page$run(runs.report(id));
    }
}
