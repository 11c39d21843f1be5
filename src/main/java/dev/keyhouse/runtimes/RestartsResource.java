package dev.keyhouse.runtimes;

import java.util.List;

import dev.keyhouse.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** {@code /api/v1/restarts}: restart runs, each runtime's result and whether it came back on the current key. */
@Path(RestartsResource.PATH)
@Produces(MediaType.APPLICATION_JSON)
public class RestartsResource {

    static final String PATH = "/api/v1/restarts";
    private static final int LIST_LIMIT = 50;

    private final RestartRuns runs;

    public RestartsResource(RestartRuns runs) {
        this.runs = runs;
    }

    /** The newest 50 runs, of one target when {@code ?target=<name>} is given. */
    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<RestartRuns.RunReport> list(@QueryParam("target") String target) {
        return runs.list(target, LIST_LIMIT);
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public RestartRuns.RunReport get(@PathParam("id") long id) {
        return runs.report(id);
    }
}
