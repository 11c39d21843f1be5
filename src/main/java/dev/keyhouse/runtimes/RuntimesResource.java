package dev.keyhouse.runtimes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.settings.ProviderEnvironment;
import dev.keyhouse.web.JsonBodies;
import dev.keyhouse.web.Locations;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code /api/v1/runtimes}: runtime targets. Secret driver settings go in as strings and come out only as
 * {@code {"configured": true, "fingerprint": "…"}}; an empty or absent one on update keeps the stored value.
 * {@code canary}, {@code confirmation} and {@code held} are written like the other members; each answer adds, read
 * only, the confirmation that applies ({@code confirmationApplied}) and why the target is rolled out as one wave
 * ({@code sharedConfig}, or null).
 */
@Path(RuntimesResource.PATH)
@Produces(MediaType.APPLICATION_JSON)
public class RuntimesResource {

    static final String PATH = "/api/v1/runtimes";

    /** The 202 answer to "restart now": the run to follow at {@code /api/v1/restarts/{id}}. */
    public record Started(long id, String state) {
    }

    private final RuntimeTargets targets;
    private final RestartRuns runs;
    private final SecurityIdentity identity;

    private final RuntimeStatuses statuses;
    private final ProviderEnvironment environment;
    private final Confirmations confirmations;
    private final JsonBodies bodies;

    public RuntimesResource(RuntimeTargets targets, RestartRuns runs, SecurityIdentity identity,
            RuntimeStatuses statuses, ProviderEnvironment environment, Confirmations confirmations,
            JsonBodies bodies) {
        this.confirmations = confirmations;
        this.bodies = bodies;
        this.statuses = statuses;
        this.environment = environment;
        this.targets = targets;
        this.runs = runs;
        this.identity = identity;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<Map<String, Object>> list() {
        return targets.list().stream().map(this::view).toList();
    }

    /**
     * {@code GET /api/v1/runtimes/instances}: every runtime that fetched its configuration by name or reported its
     * status: {@code {"currentVersion": n, "runtimes": [{"name", "fetchedVersion", "fetchedAt", "report": {"version",
     * "status", "detail", "kind", "at", "from"} | null, "current", "age"}]}}, age in seconds since the report (else
     * fetch); {@code kind} the provider kind a failing report named, or null.
     */
    @GET
    @Path("instances")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Map<String, Object> instances() {
        long current = environment.current().version();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("currentVersion", current);
        view.put("runtimes", statuses.all(current).stream().map(RuntimesResource::view).toList());
        return view;
    }

    private static Map<String, Object> view(RuntimeStatuses.Runtime runtime) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", runtime.name());
        view.put("fetchedVersion", runtime.fetchedVersion());
        view.put("fetchedAt", runtime.fetchedAt());
        RuntimeStatuses.Report report = runtime.report();
        Map<String, Object> last = null;
        if (report != null) {
            last = new LinkedHashMap<>();
            last.put("version", report.version());
            last.put("status", report.status());
            last.put("detail", report.detail());
            last.put("kind", report.kind());
            last.put("at", report.at());
            last.put("from", report.from());
        }
        view.put("report", last);
        view.put("current", runtime.current());
        view.put("age", runtime.age());
        return view;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response create(Map<String, Object> body) {
        FieldErrors read = new FieldErrors();
        RuntimeTarget target = targets.create(TargetInput.fromJson(body, read), Identities.actor(identity), read);
        return Locations.created(PATH + "/" + target.id).entity(view(target)).build();
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Map<String, Object> get(@PathParam("id") long id) {
        return view(targets.get(id));
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Map<String, Object> update(@PathParam("id") long id, String body) {
        long before = RuntimeTargets.version(targets.get(id)); // 404 before the body is read
        FieldErrors read = new FieldErrors();
        RuntimeTarget updated = targets.update(id, TargetInput.fromJson(bodies.object(body), read),
                Identities.actor(identity), read);
        Map<String, Object> view = view(updated);
        // an idempotent PUT: nothing changed, nothing recorded (RFC 9110, section 9.2.2)
        view.put("unchanged", RuntimeTargets.version(updated) == before);
        return view;
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response delete(@PathParam("id") long id) {
        targets.delete(id, Identities.actor(identity));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/restart")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response restart(@PathParam("id") long id) {
        long run = runs.restartNow(id, Identities.actor(identity));
        return Locations.at(Response.accepted(new Started(run, RestartRun.RUNNING)), RestartsResource.PATH + "/" + run)
                .type(MediaType.APPLICATION_JSON).build();
    }

    /**
     * {@code POST /api/v1/runtimes/{id}/hold}: leaves the target out of rollouts until released (audited
     * {@code runtime.hold}); answers the target. Holding a held target is a 409 saying so, nothing changed.
     */
    @POST
    @Path("{id}/hold")
    @RolesAllowed(Role.ADMIN_NAME)
    public Map<String, Object> hold(@PathParam("id") long id) {
        return view(targets.setHeld(id, true, Identities.actor(identity)));
    }

    /**
     * {@code POST /api/v1/runtimes/{id}/release}: back in rollouts (audited {@code runtime.release}); the target.
     * Releasing a target not on hold is a 409 saying so, nothing changed.
     */
    @POST
    @Path("{id}/release")
    @RolesAllowed(Role.ADMIN_NAME)
    public Map<String, Object> release(@PathParam("id") long id) {
        return view(targets.setHeld(id, false, Identities.actor(identity)));
    }

    /**
     * A target as JSON: DESIGN's shape plus id and change times; secrets as summaries; rollout settings with the
     * confirmation that applies ({@code {"mode", "reason", "weak"}}) and the shared-config reason.
     */
    private Map<String, Object> view(RuntimeTarget target) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", target.id);
        view.put("name", target.name);
        view.put("driver", target.driver);
        view.put("dependsOn", target.dependsOnKinds());
        view.put("enabled", target.enabled);
        Map<String, Object> config = new LinkedHashMap<>(target.config);
        config.putAll(targets.secrets(target));
        view.put("config", config);
        view.put("canary", target.canary);
        view.put("confirmation", target.confirmation);
        view.put("held", target.held);
        Confirmations.Decision decision = confirmations.decide(target);
        Map<String, Object> applied = new LinkedHashMap<>();
        applied.put("mode", decision.mode());
        applied.put("reason", decision.reason());
        applied.put("weak", decision.weak());
        view.put("confirmationApplied", applied);
        view.put("sharedConfig", targets.sharedConfig(target));
        view.put("createdAt", target.createdAt);
        view.put("updatedAt", target.updatedAt);
        view.put("updatedBy", target.updatedBy);
        return view;
    }
}
