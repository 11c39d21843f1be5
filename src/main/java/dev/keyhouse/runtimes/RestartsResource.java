package dev.keyhouse.runtimes;

import java.util.List;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code /api/v1/restarts}: restart runs as their pages show them (headline and tally), each runtime's result and
 * whether it came back on the configuration the run rolled out; and a rollout's controls (admins): pause, resume,
 * continue (after the canary with {@code ROLLOUT_APPROVAL=manual}) and abort. Each control answers the run's new
 * report as {@code GET} answers it to the caller (an admin's holds the runtimes' own output), 409 problem+json when
 * the run's state does not allow it and 404 for an unknown run. They take no body.
 */
@Path(RestartsResource.PATH)
@Produces(MediaType.APPLICATION_JSON)
public class RestartsResource {

    static final String PATH = "/api/v1/restarts";
    private static final int LIST_LIMIT = 50;

    private final RestartRuns runs;
    private final Rollouts rollouts;
    private final SecurityIdentity identity;

    public RestartsResource(RestartRuns runs, Rollouts rollouts, SecurityIdentity identity) {
        this.runs = runs;
        this.rollouts = rollouts;
        this.identity = identity;
    }

    /** The newest 50 runs, of one target when {@code ?target=<name>} is given. */
    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<RestartRuns.RunReport> list(@QueryParam("target") String target) {
        return runs.list(target, LIST_LIMIT, admin());
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public RestartRuns.RunReport get(@PathParam("id") long id) {
        return runs.report(id, admin());
    }

    /**
     * Whether the caller is an admin: a result's {@code error} holds the runtime's own output (masked) for an admin
     * only, Keyhouse's reason alone for a viewer or a viewer's token ({@link RuntimeOutput}).
     */
    private boolean admin() {
        return identity.hasRole(Role.ADMIN_NAME);
    }

    /** A running rollout starts nothing new and does not advance until resumed (restarts under way finish). */
    @POST
    @Path("{id}/pause")
    @RolesAllowed(Role.ADMIN_NAME)
    public RestartRuns.RunReport pause(@PathParam("id") long id) {
        rollouts.pause(id, Identities.actor(identity));
        return runs.report(id, admin());
    }

    /** A paused rollout goes on where it stopped. */
    @POST
    @Path("{id}/resume")
    @RolesAllowed(Role.ADMIN_NAME)
    public RestartRuns.RunReport resume(@PathParam("id") long id) {
        rollouts.resume(id, Identities.actor(identity));
        return runs.report(id, admin());
    }

    /** A rollout waiting for approval after its canary goes on with the next wave. */
    @POST
    @Path("{id}/continue")
    @RolesAllowed(Role.ADMIN_NAME)
    public RestartRuns.RunReport proceed(@PathParam("id") long id) {
        rollouts.approve(id, Identities.actor(identity));
        return runs.report(id, admin());
    }

    /** Stops the rollout for good and rolls the runtimes already moved back, as a failed wave does. */
    @POST
    @Path("{id}/abort")
    @RolesAllowed(Role.ADMIN_NAME)
    public RestartRuns.RunReport abort(@PathParam("id") long id) {
        rollouts.abort(id, Identities.actor(identity));
        return runs.report(id, admin());
    }
}
