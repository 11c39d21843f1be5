package dev.keyhouse.rotation;

import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.Flash;
import dev.keyhouse.web.Locations;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code /admin/rotate-credentials}: the keys in effect, values per key, the job's live progress, its outcome and the
 * history. Every part of the page reads the same job state, so they are one region ({@code #rotation-state}): while a
 * job runs htmx fetches the whole region every 2s and swaps it, and the region it gets once the job has ended no
 * longer asks; a refresh does the same without JavaScript.
 */
@Path(RotationPage.PATH)
public class RotationPage {

    static final String PATH = "/admin/rotate-credentials";
    private static final Map<String, String> FLASH = Map.of(
            "started", "Re-encryption job started.",
            "retry-started", "Retrying the values the job could not read.",
            "already-running", "A re-encryption job was already running when you pressed Start; it is shown below.",
            "nothing-to-retry", "That job has no failed values to retry.");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(Overview overview, JobReport job, boolean live, Long pinned,
                String flash);

        static native TemplateInstance page$state(Overview overview, JobReport job, boolean live, Long pinned);
    }

    private final RotationJobs jobs;
    private final SecurityIdentity identity;
    private final HttpServerRequest request;

    public RotationPage(RotationJobs jobs, SecurityIdentity identity, HttpServerRequest request) {
        this.jobs = jobs;
        this.identity = identity;
        this.request = request;
    }

    /**
     * The page showing job {@code ?job=} (else the newest). The message of a Start or Retry just done comes from the
     * flash cookie their redirect set ({@link Flash}), and this answer expires it: a reload does not repeat it.
     * {@code ?done=} (the older redirects' form) is still read, for bookmarks.
     */
    @GET
    @Produces(MediaType.TEXT_HTML)
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response page(@QueryParam("job") String job, @QueryParam("done") String done,
            @CookieParam(Flash.COOKIE) String flash) {
        Long pinned = jobId(job);
        State state = state(pinned);
        String message = Flash.message(flash != null ? flash : done, FLASH);
        Response.ResponseBuilder answer = Response.ok(Templates.page(state.overview(), state.job(), state.live(),
                pinned, message));
        return (flash == null ? answer : answer.header("Set-Cookie", Flash.consumed(request, PATH))).build();
    }

    /**
     * The page's state region (keys, next step, Start button, job card, history) as the page would show it, for htmx
     * to swap in whole while no job runs: so a page opened before a job starts (here, in another tab or by the API)
     * begins to follow it. Shows job {@code ?job=} when the page was opened on one, else the newest.
     */
    @GET
    @Path("state")
    @Produces(MediaType.TEXT_HTML)
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance state(@QueryParam("job") String job) {
        Long pinned = jobId(job);
        State state = state(pinned);
        return Templates.page$state(state.overview(), state.job(), state.live(), pinned);
    }

    /** What the page shows: the overview, job {@code pinned} (else the newest, or none) and whether a job runs. */
    private record State(Overview overview, JobReport job, boolean live) {
    }

    /** Every part of the region from one read ({@link RotationJobs#snapshot}): they cannot disagree. */
    private State state(Long pinned) {
        RotationJobs.Snapshot snapshot = jobs.snapshot(pinned);
        return new State(snapshot.overview(), snapshot.job(), live(snapshot.overview(), snapshot.job()));
    }

    /**
     * The page's state region showing job {@code id} (keys, next step, Start button, job card, history), for htmx to
     * swap in whole; it asks again only while a job runs.
     */
    @GET
    @Path("{id}/progress")
    @Produces(MediaType.TEXT_HTML)
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance progress(@PathParam("id") long id) {
        State state = state(id);
        return Templates.page$state(state.overview(), state.job(), state.live(), id);
    }

    /**
     * The region polls fast ({@code {id}/progress}, every 2 s) while the shown job or any other job runs: either changes
     * what it shows; else slowly ({@code state}, every {@link dev.keyhouse.web.LiveRefresh}
     * interval, 10 s), to see a job start.
     */
    private static boolean live(Overview overview, JobReport shown) {
        return shown != null && (overview.running() || shown.running());
    }

    /**
     * The Start button posts a form (with its CSRF token) and is redirected to the page showing the job; when every
     * value is sealed under the current key already (the button is disabled then, saying so), the form's POST is a
     * 409 page saying there is nothing to re-encrypt, and no job is started. A script may post here too, with a
     * bearer token and no body: it gets the API's 202 answer.
     */
    @POST
    @RolesAllowed(Role.ADMIN_NAME)
    public Response start(@Context HttpHeaders headers) {
        MediaType type = headers.getMediaType();
        if (type == null || !type.isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)) {
            return RotationResource.Started.response(jobs.start(Identities.actor(identity)));
        }
        String nothing = jobs.overview().nothingToDo();
        if (nothing != null) {
            throw new Conflict(nothing + " No job was started.");
        }
        try {
            return shown(jobs.start(Identities.actor(identity)), "started");
        } catch (Conflict running) {
            return alreadyRunning(running);
        }
    }

    @POST
    @Path("{id}/retry-failed")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response retryFailed(@PathParam("id") long id) {
        try {
            return shown(jobs.retryFailed(Identities.actor(identity), id), "retry-started");
        } catch (Conflict conflict) {
            return conflict.extensions().containsKey("runningJob") ? alreadyRunning(conflict)
                    : shown(id, "nothing-to-retry");
        }
    }

    private Response alreadyRunning(Conflict running) {
        Object id = running.extensions().get("runningJob");
        return Locations.seeOther(PATH + (id == null ? "" : "?job=" + id))
                .header("Set-Cookie", Flash.set(request, PATH, "already-running")).build();
    }

    /** Redirects to the page showing job {@code id}, with the message {@code done} shown once. */
    private Response shown(long id, String done) {
        return Locations.seeOther(PATH + "?job=" + id).header("Set-Cookie", Flash.set(request, PATH, done)).build();
    }

    private static Long jobId(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new FieldErrors().add("job", "must be a job id");
        }
    }
}
