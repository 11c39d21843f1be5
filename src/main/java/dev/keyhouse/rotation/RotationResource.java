package dev.keyhouse.rotation;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.web.Locations;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code /api/v1/admin/rotate-credentials}: start the re-encryption job, follow it, see keys and history. */
@Path(RotationResource.PATH)
@Produces(MediaType.APPLICATION_JSON)
public class RotationResource {

    static final String PATH = "/api/v1/admin/rotate-credentials";

    /** The 202 answer to a start: the job's id and state; its {@code Location} is where to follow it. */
    public record Started(long id, String state) {

        static Response response(long id) {
            return Locations.at(Response.accepted(new Started(id, JobState.RUNNING.id())), PATH + "/" + id)
                    .type(MediaType.APPLICATION_JSON).build();
        }
    }

    private final RotationJobs jobs;
    private final SecurityIdentity identity;

    public RotationResource(RotationJobs jobs, SecurityIdentity identity) {
        this.jobs = jobs;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(Role.ADMIN_NAME)
    public Response start() {
        return Started.response(jobs.start(Identities.actor(identity)));
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Overview overview() {
        return jobs.overview();
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public JobReport job(@PathParam("id") long id) {
        return jobs.report(id);
    }

    @POST
    @Path("{id}/retry-failed")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response retryFailed(@PathParam("id") long id) {
        return Started.response(jobs.retryFailed(Identities.actor(identity), id));
    }
}
