package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.settings.RuntimeToken;
import dev.keyhouse.web.ConfirmStep;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.Flash;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code /admin/restarts/{id}}: one run — the outcome and why, a rollout's waves in order with each runtime's status
 * and the confirmation that applied, and (for admins, when the state allows) Pause, Resume, Continue and Abort as
 * plain POST forms. htmx refreshes the whole run card (headline, waves, controls) while the run is live
 * ({@link RestartRuns.RunReport#live}: under way, or a restarted runtime may still confirm within its window).
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

        /** The form step before Resume and Continue. */
        static native TemplateInstance confirm(ConfirmStep step);

        /** A notice's run as it stands now ({@code tags/runStatus.html}). */
        static native TemplateInstance status(dev.keyhouse.settings.RolloutNews.RunStatus status);
    }

    private final RestartRuns runs;
    private final Rollouts rollouts;
    private final SecurityIdentity identity;
    private final RuntimeToken token;
    private final HttpServerRequest request;
    private final RolloutOutlook outlook;
    private final RolloutConfig config;

    public RestartPage(RestartRuns runs, Rollouts rollouts, SecurityIdentity identity, RuntimeToken token,
            HttpServerRequest request, RolloutOutlook outlook, RolloutConfig config) {
        this.config = config;
        this.outlook = outlook;
        this.request = request;
        this.token = token;
        this.runs = runs;
        this.rollouts = rollouts;
        this.identity = identity;
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response page(@PathParam("id") long id, @CookieParam(Flash.COOKIE) String flash) {
        return Flash.shown(request, flash, Templates.page(view(id), Flash.message(flash, FLASH), null));
    }

    /** The run card alone, for htmx; once the run is no longer live ({@link RestartRuns.RunReport#live}) it no longer polls. */
    @GET
    @Path("{id}/live")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance live(@PathParam("id") long id) {
        return Templates.page$run(view(id));
    }

    /**
     * A notice's run as it stands now, for htmx (the settings overview after a save, the shared-secrets list after a
     * create): while open, what happens next and a span that looks again in 2 s; once ended, how it ended and a span
     * that no longer looks ({@link dev.keyhouse.settings.RolloutNews.RunStatus}). 404 for a run that does not exist.
     */
    @GET
    @Path("{id}/status")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance status(@PathParam("id") long id) {
        return Templates.status(outlook.status(id).orElseThrow(() -> new dev.keyhouse.web.NotFound("restart run " + id)));
    }

    @POST
    @Path("{id}/pause")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response pause(@PathParam("id") long id) {
        return control(id, "paused", rollouts::pause);
    }

    /**
     * Resume, in two steps ({@link ConfirmStep}): without {@code confirmed=yes} the step naming the targets still to
     * restart; with it, the rollout goes on. A state that allows no resume is a 409 page either way.
     */
    @POST
    @Path("{id}/resume")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response resume(@PathParam("id") long id, @FormParam(ConfirmStep.FIELD) String confirmed) {
        if (!ConfirmStep.confirmed(confirmed)) {
            return step(id, "resume", RunView.Controls::resume, "resumed", "Resume rollout " + id + "?", "Resume rollout " + id,
                    "Keep it paused");
        }
        return control(id, "resumed", rollouts::resume);
    }

    /**
     * Continue past the canary, in two steps ({@link ConfirmStep}): without {@code confirmed=yes} the step naming the
     * targets still to restart; with it, the approval. A state that allows no approval is a 409 page either way.
     */
    @POST
    @Path("{id}/continue")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response proceed(@PathParam("id") long id, @FormParam(ConfirmStep.FIELD) String confirmed) {
        if (!ConfirmStep.confirmed(confirmed)) {
            return step(id, "continue", RunView.Controls::proceed, "approved", "Continue rollout " + id + " after the canary?",
                    "Continue rollout " + id, "Wait");
        }
        return control(id, "continued", rollouts::approve);
    }

    /**
     * The confirmation step of a control that restarts the rest of a rollout: the targets whose runtimes are still
     * to restart, named; the run page with a 409 when the run's state no longer allows the control.
     */
    private Response step(long id, String control, java.util.function.Predicate<RunView.Controls> allowed, String done,
            String question, String button, String keep) {
        RunView view = view(id);
        if (!allowed.test(view.controls())) {
            return refused(id, "This run cannot be " + done + ": it is " + view.headline() + ".");
        }
        List<String> next = view.run().results().stream()
                .filter(r -> RestartResult.WAITING.equals(r.state()) || RestartResult.PENDING.equals(r.state()))
                .map(RestartRuns.ResultView::target).distinct().toList();
        String restarts = next.isEmpty() ? "No runtime is waiting for its wave: nothing more is restarted."
                : "The waves still to come restart the runtimes of: " + String.join(", ", next)
                        + ", each unavailable while it restarts.";
        return Response.ok(Templates.confirm(new ConfirmStep(question, "The rollout goes on with "
                + view.run().kind() + " settings version " + view.run().settingsVersion() + ". " + restarts,
                PATH + "/" + id + "/" + control, List.of(), button,
                PATH + "/" + id, keep))).build();
    }

    /**
     * Abort, in two steps: without {@code confirmed=yes} the answer is the confirmation form (what Abort rolls back);
     * with it, the rollout is aborted. A state that allows no abort is a 409 page either way.
     */
    @POST
    @Path("{id}/abort")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response abort(@PathParam("id") long id, @FormParam(ConfirmStep.FIELD) String confirmed) {
        if (!ConfirmStep.confirmed(confirmed)) {
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
            return Flash.seeOther(request, PATH + "/" + id, done);
        } catch (Conflict conflict) {
            return refused(id, conflict.getMessage());
        }
    }

    private Response refused(long id, String why) {
        return Response.status(409).entity(Templates.page(view(id), null, why)).build();
    }

    private RunView view(long id) {
        // only an admin reads a runtime's own output (RuntimeOutput)
        RestartRuns.RunReport report = runs.report(id, identity.hasRole(Role.ADMIN_NAME));
        return RunView.of(report, Instant.now(), tokenWarning(token.standing(report.createdAt()), report,
                config.confirmTimeout(), identity.hasRole(Role.ADMIN_NAME)));
    }

    /**
     * The runtimes' token trouble that concerns {@code run}: the token unset, or requests refused from one of its
     * runtimes (or from a caller whose name is unknown) between its start and the end of its confirmation window
     * ({@code confirmTimeout} after it finished; open while it runs); null when there was none. A refusal after the
     * run could change nothing, or from another runtime, is not this run's cause (breaker b20, 7). Only
     * {@code admin} is told the refused callers' names (breaker b9, H2).
     */
    static String tokenWarning(RuntimeToken.Standing standing, RestartRuns.RunReport run,
            java.time.Duration confirmTimeout, boolean admin) {
        Instant until = run.finished() && run.finishedAt() != null ? run.finishedAt().plus(confirmTimeout) : null;
        java.util.Set<String> runtimes = new java.util.HashSet<>();
        for (RestartRuns.ResultView r : run.results()) {
            runtimes.add(r.target());
            if (r.runtime() != null) {
                runtimes.add(r.runtime());
            }
        }
        return standing.warning(run.createdAt(), until, runtimes, admin);
    }
}
