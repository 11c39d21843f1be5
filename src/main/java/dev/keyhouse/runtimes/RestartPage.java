package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.Map;
import java.util.function.BiFunction;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.settings.RuntimeToken;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.Locations;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code /admin/restarts/{id}}: one run — the outcome and why, a rollout's waves in order with each runtime's status
 * and the confirmation that applied, and (for admins, when the state allows) Pause, Resume, Continue and Abort as
 * plain POST forms. htmx refreshes the whole run card (headline, waves, controls) until the run is finished.
 */
@Path(RestartPage.PATH)
@Produces(MediaType.TEXT_HTML)
public class RestartPage {

    static final String PATH = "/admin/restarts";
    private static final Map<String, String> FLASH = Map.of(
            "paused", "Rollout paused: nothing new starts until it is resumed.",
            "resumed", "Rollout resumed.",
            "continued", "Approved: the rollout goes on after the canary.",
            "aborted", "Rollout aborted: the runtimes already moved are being put back on the previous key where it"
                    + " is good.");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(RunView view, String flash, String refusal);

        static native TemplateInstance page$run(RunView view);

        /** The form step before Abort: what it will do, and the button that does it. */
        static native TemplateInstance abort(RunView view);
    }

    private final RestartRuns runs;
    private final Rollouts rollouts;
    private final SecurityIdentity identity;
    private final RuntimeToken token;

    public RestartPage(RestartRuns runs, Rollouts rollouts, SecurityIdentity identity, RuntimeToken token) {
        this.token = token;
        this.runs = runs;
        this.rollouts = rollouts;
        this.identity = identity;
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance page(@PathParam("id") long id, @QueryParam("done") String done) {
        return Templates.page(view(id), done == null ? null : FLASH.get(done), null);
    }

    /** The run card alone, for htmx; once the run is finished the card it returns no longer polls. */
    @GET
    @Path("{id}/live")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance live(@PathParam("id") long id) {
        return Templates.page$run(view(id));
    }

    @POST
    @Path("{id}/pause")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response pause(@PathParam("id") long id) {
        return control(id, "paused", rollouts::pause);
    }

    @POST
    @Path("{id}/resume")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response resume(@PathParam("id") long id) {
        return control(id, "resumed", rollouts::resume);
    }

    @POST
    @Path("{id}/continue")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response proceed(@PathParam("id") long id) {
        return control(id, "continued", rollouts::approve);
    }

    /**
     * Abort, in two steps: without {@code confirmed=yes} the answer is the confirmation form (what Abort rolls back);
     * with it, the rollout is aborted. A state that allows no abort is a 409 page either way.
     */
    @POST
    @Path("{id}/abort")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response abort(@PathParam("id") long id, @FormParam("confirmed") String confirmed) {
        if (!"yes".equals(confirmed)) {
            RunView view = view(id);
            if (!view.controls().abort()) {
                return refused(id, "This run cannot be aborted: it is " + view.headline() + ".");
            }
            return Response.ok(Templates.abort(view)).build();
        }
        return control(id, "aborted", rollouts::abort);
    }

    /** Runs a control; its 409 becomes the run page with the refusal, status 409. */
    private Response control(long id, String done, BiFunction<Long, String, RestartRuns.RunReport> action) {
        try {
            action.apply(id, Identities.actor(identity));
            return Locations.seeOther(PATH + "/" + id + "?done=" + done).build();
        } catch (Conflict conflict) {
            return refused(id, conflict.getMessage());
        }
    }

    private Response refused(long id, String why) {
        return Response.status(409).entity(Templates.page(view(id), null, why)).build();
    }

    private RunView view(long id) {
        RestartRuns.RunReport report = runs.report(id);
        return RunView.of(report, Instant.now(), token.standing().warning(report.createdAt()));
    }
}
