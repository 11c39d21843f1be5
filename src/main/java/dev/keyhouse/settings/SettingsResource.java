package dev.keyhouse.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.ChecksBusy;
import dev.keyhouse.auth.Role;
import dev.keyhouse.checks.LastCheck;
import dev.keyhouse.checks.LastChecks;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.JsonBodies;
import dev.keyhouse.web.Problem;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.keyhouse.input.StaleVersion;

/**
 * REST twin of /admin/settings. Secrets go in as strings and come out only as summaries; writes carry the
 * version they edited in {@code If-Match} (the ETag of GET).
 */
@Path("/api/v1/settings")
@Produces(MediaType.APPLICATION_JSON)
public class SettingsResource {

    private static final Logger LOG = Logger.getLogger(SettingsResource.class);

    /** Seconds a caller is asked to wait after {@link ChecksBusy}. */
    static final int BUSY_RETRY_SECONDS = 5;

    private final ProviderSettings settings;
    private final CheckedSaves saves;
    private final SecurityIdentity identity;
    private final LastChecks lastChecks;
    private final RolloutNews rollouts;

    private final ReferencedSecrets referenced;
    private final JsonBodies bodies;

    public SettingsResource(ProviderSettings settings, CheckedSaves saves, SecurityIdentity identity,
            LastChecks lastChecks, RolloutNews rollouts, ReferencedSecrets referenced, JsonBodies bodies) {
        this.referenced = referenced;
        this.bodies = bodies;
        this.settings = settings;
        this.saves = saves;
        this.identity = identity;
        this.lastChecks = lastChecks;
        this.rollouts = rollouts;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<Map<String, Object>> list() {
        return settings.list().stream().map(this::view).toList();
    }

    @GET
    @Path("{kind}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response get(@PathParam("kind") String kind) {
        SettingState state = settings.get(kind(kind));
        return Response.ok(view(state)).tag(etag(state)).build();
    }

    @PUT
    @Path("{kind}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response put(@PathParam("kind") String kind, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
            String body) {
        ProviderKind providerKind = kind(kind);
        Map<String, Object> fields = fields(bodies.object(body));
        long expected = expectedVersion(providerKind, ifMatch);
        Typed typed = typed(providerKind, fields);
        String override = typed.override();
        Map<String, String> input = typed.input();
        CheckedSaves.Saved saved = saves.save(providerKind, input, expected, Identities.actor(identity), override);
        Map<String, Object> view = savedView(saved.state());
        // an idempotent PUT (RFC 9110, section 9.2.2): fields and key as stored made no version, audit or rollout
        view.put("unchanged", saved.state().version() == expected);
        // what the live key check found (null when none ran), and sentences for a result other than ok
        view.put("check", saved.check() == null ? null : saved.check().json());
        view.put("warnings", saved.warnings());
        if (saved.checkNote() != null) {
            // a kind without a live check: said, never a failure ("no live check for livekit")
            view.put("checkNote", saved.checkNote());
        }
        return Response.ok(view).tag(etag(saved.state())).build();
    }

    /**
     * Checks a key live without saving: the body as for PUT (no If-Match); with no secret in it, the stored one is
     * checked. Answers {@link CheckOutcome#json()}. A kind without a live check (livekit, storage, tracing) is
     * validated only and answered {@code unverifiable}/{@code no_check} with {@code detail} "no live check for
     * livekit".
     */
    @POST
    @Path("{kind}/check")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Map<String, Object> check(@PathParam("kind") String kind, String body) {
        ProviderKind providerKind = kind(kind);
        Map<String, Object> fields = fields(bodies.object(body));
        // the body as for PUT: an override is validated the same way, and means nothing to a check
        Map<String, Object> json = saves.check(providerKind, typed(providerKind, fields).input()).json();
        if (!providerKind.liveCheck()) {
            json.put("detail", providerKind.noLiveCheck());
        }
        return json;
    }

    /** 422: the key check refused the save; names the result and the secret field, and carries the check. */
    @ServerExceptionMapper
    public Response checkRefused(CheckRefused e, HttpServerRequest request) {
        return refusedByCheck(e, request);
    }

    /** The 422 of {@link #checkRefused}, for every resource whose writes are checked (the fallbacks' too). */
    static Response refusedByCheck(CheckRefused e, HttpServerRequest request) {
        LOG.debugf("%s %s: 422 key check %s", request.method(), request.path(), e.outcome().summary());
        Problem problem = Problem.of(e.status(), e.getMessage(),
                List.of(new FieldErrors.FieldError(e.field(), e.fieldMessage())), e.extensions());
        return Response.status(422).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    /** 503 with Retry-After: every check slot is taken; nothing was checked or saved. */
    @ServerExceptionMapper
    public Response busy(ChecksBusy e, HttpServerRequest request) {
        LOG.debugf("%s %s: 503 provider checks busy", request.method(), request.path());
        return Response.status(503).type(Problem.MEDIA_TYPE).header("Retry-After", BUSY_RETRY_SECONDS)
                .entity(Problem.of(503, e.getMessage())).build();
    }

    /** {@code "checkOverride": {"reason": "…"}}: the cleaned reason, or null when absent. */
    static String overrideReason(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new FieldErrors().add("checkOverride", "must be an object such as {\"reason\": \"…\"}");
        }
        FieldErrors errors = new FieldErrors();
        for (Object key : map.keySet()) {
            if (!"reason".equals(key)) {
                errors.add("checkOverride." + safeName(String.valueOf(key)), "is not a known field");
            }
        }
        Object reason = map.get("reason");
        if (reason != null && !(reason instanceof String)) {
            errors.add("checkOverride.reason", "has the wrong type: must be a string");
        }
        errors.throwIfAny();
        return CheckedSaves.overrideReason((String) reason, "checkOverride.reason");
    }

    /** A JSON key named back only when it looks like one. */
    private static String safeName(String key) {
        return key.matches("[A-Za-z0-9_.-]{1,64}") ? key : "(a key)";
    }

    @POST
    @Path("{kind}/rollback")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response rollback(@PathParam("kind") String kind, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch) {
        ProviderKind providerKind = kind(kind);
        long expected = expectedVersion(providerKind, ifMatch);
        return saved(saves.rollback(providerKind, expected, Identities.actor(identity)));
    }

    /**
     * 412 with what the caller needs to redo its change: the current setting and the fields that changed
     * ({@code changedFields}, absent when the caller's version is ahead of the current one: it never existed).
     */
    @ServerExceptionMapper
    public Response stale(StaleSetting e, HttpServerRequest request) {
        LOG.debugf("%s %s: 412 stale (expected version %d)", request.method(), request.path(), e.expectedVersion());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", e.title());
        body.put("status", e.status());
        body.put("detail", e.getMessage());
        if (e.expectedVersion() <= e.current().version()) {
            // only against a version the setting had: one ahead of it (If-Match ahead) has nothing to compare with
            body.put("changedFields", e.changedFields());
        }
        body.put("current", view(e.current()));
        return Response.status(412).type(Problem.MEDIA_TYPE).tag(etag(e.current())).entity(body).build();
    }

    /**
     * A setting as JSON: the kind's fields in order, secrets as summaries, then version and who changed it, and
     * {@code lastCheck} ({@link LastCheck#json()}): the last live check of the stored key, or null when the stored key
     * was not checked yet (never, or only an earlier key was).
     */
    Map<String, Object> view(SettingState read) {
        SettingState state = referenced.shown(read);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("kind", state.kind().id());
        for (SettingField field : state.kind().fields()) {
            view.put(field.json(), field.secret() ? state.secrets().get(field.json()) : state.value(field));
        }
        view.put("configured", state.configured());
        view.put("version", state.version());
        view.put("updatedBy", state.updatedBy());
        view.put("updatedAt", state.updatedAt());
        view.put("previousVersion", state.previousVersion());
        String fingerprint = state.keyFingerprint();
        view.put("lastCheck", fingerprint == null ? null
                : lastChecks.ofKey(state.kind(), state.values().get("provider"), fingerprint).map(LastCheck::json).orElse(null));
        return view;
    }

    private Response saved(SettingState state) {
        return Response.ok(savedView(state)).tag(etag(state)).build();
    }

    private Map<String, Object> savedView(SettingState state) {
        return planned(view(state), state.restartRun(), rollouts);
    }

    /**
     * Adds what a write planned to its answer, the same two members on every write that can plan a run (a save and a
     * rollback of the kind; a fallback's add, change, delete, rollback and make-primary): {@code restartRun}, the
     * restart run it planned (the id of {@code GET /api/v1/restarts/{id}}), and {@code rollout}, what that run does
     * next when it is a rollout ({@link RolloutNews.Next}: {@code {run, canary: [...], next: "rolling out: canary
     * chat-1 first, then 6 more in 3 waves", waitsForApproval}}); both null when the write planned no run.
     *
     * @return {@code view}, with both members added
     */
    static Map<String, Object> planned(Map<String, Object> view, Long run, RolloutNews rollouts) {
        view.put("restartRun", run);
        view.put("rollout", run == null ? null : rollouts.next(run).orElse(null));
        return view;
    }

    private static EntityTag etag(SettingState state) {
        return new EntityTag(String.valueOf(state.version()));
    }

    /** A body's members, a copy the caller may change; empty without a body. */
    private static Map<String, Object> fields(Map<String, Object> body) {
        return body == null ? new LinkedHashMap<>() : new LinkedHashMap<>(body);
    }

    private static ProviderKind kind(String id) {
        return ProviderKind.inPath(id);
    }

    /**
     * The version in {@code If-Match: "3"} (a bare number is accepted too). A weak tag ({@code W/"3"}) never matches:
     * {@link WeakIfMatch}, 412 (RFC 9110, section 13.1.1).
     */
    static long expectedVersion(ProviderKind kind, String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            throw new IfMatchRequired(kind);
        }
        if (ifMatch.strip().startsWith("W/")) {
            throw new WeakIfMatch(kind);
        }
        return StaleVersion.tagVersion(ifMatch).orElseThrow(() -> new FieldErrors().add("If-Match",
                StaleVersion.notAVersion("/api/v1/settings/" + kind.id())));
    }

    /**
     * Why {@code name} is refused in a body of {@code kind}: not one of its fields; for {@code primary},
     * {@code enabled} and {@code position} of a kind with fallbacks, where those belong.
     */
    static String notAField(ProviderKind kind, String name) {
        String refused = "is not a field of " + kind.id() + " settings";
        if (EntryVariables.hasEntries(kind) && java.util.Set.of("primary", "enabled", "position").contains(name)) {
            return refused + ": " + name + " belongs to a fallback entry (PUT /api/v1/settings/" + kind.id()
                    + "/providers/{id}; POST /api/v1/settings/" + kind.id() + "/providers/{id}/primary makes one the"
                    + " primary)";
        }
        return refused;
    }

    /** A PUT or check body read: the fields as strings and the override reason (null when none). */
    private record Typed(Map<String, String> input, String override) {
    }

    /**
     * Reads {@code fields} (taking {@code checkOverride} out of it); every problem in one answer: the body's shape,
     * the override, then the kind's rules on whatever could be read ({@link CheckedSaves#refuseWithAll}).
     */
    private Typed typed(ProviderKind kind, Map<String, Object> fields) {
        FieldErrors refused = new FieldErrors();
        String override = refused.collect(() -> overrideReason(fields.remove("checkOverride")));
        Map<String, String> input = input(kind, fields, refused);
        if (!refused.isEmpty()) {
            saves.refuseWithAll(kind, input, refused);
        }
        return new Typed(input, override);
    }

    /** The body's string members as field values; each other member is named in {@code errors}. */
    private static Map<String, String> input(ProviderKind kind, Map<String, Object> body, FieldErrors errors) {
        Map<String, String> input = new LinkedHashMap<>();
        if (body != null) {
            for (Map.Entry<String, Object> entry : body.entrySet()) {
                Object value = entry.getValue();
                if ("kind".equals(entry.getKey())) {
                    if (!kind.id().equals(value)) {
                        errors.add("kind", "must be " + kind.id() + ", the kind in the path");
                    }
                } else if (kind.fields().stream().noneMatch(f -> f.json().equals(entry.getKey()))) {
                    // whatever its type: "wrong type" would send a client looking for the right one
                    errors.add(safeName(entry.getKey()), notAField(kind, entry.getKey()));
                } else if (value == null || value instanceof String) {
                    input.put(entry.getKey(), (String) value);
                } else {
                    errors.add(entry.getKey(), "has the wrong type: must be a string");
                }
            }
        }
        return input;
    }
}
