package dev.keyhouse.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
import dev.keyhouse.checks.LastCheck;
import dev.keyhouse.checks.LastChecks;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.JsonBodies;
import dev.keyhouse.web.Locations;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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

/**
 * {@code /api/v1/settings/{kind}/providers} (issue 19's shape): a kind's provider entries, the primary first
 * ({@code "primary": true}, no {@code id}: it is {@code /api/v1/settings/{kind}}), then the fallbacks by position.
 * {@code POST} adds a fallback (201, {@code id}, {@code Location}, {@code ETag}); {@code PUT …/{id}} with
 * {@code If-Match} changes it: the kind's fields (replaced as a save of the kind replaces them, an absent or empty
 * secret kept) when any is given, {@code enabled} (boolean) and {@code position} (1 = first fallback) to disable or
 * move it; {@code DELETE …/{id}} with {@code If-Match}; {@code POST …/{id}/primary} with {@code If-Match} and
 * {@code {"primaryVersion": N}} swaps it with the primary. Every write that can plan a restart run (add, change,
 * delete, rollback, make-primary) answers {@code restartRun} and {@code rollout} as a save of the kind does
 * ({@link SettingsResource#planned}; both null when it planned none). Secrets go in as strings and come out as
 * summaries. Admins write, viewers read; only llm, stt and tts have entries (404 for the other kinds).
 */
@Path("/api/v1/settings/{kind}/providers")
@Produces(MediaType.APPLICATION_JSON)
public class ProviderEntriesResource {

    private final ProviderEntries entries;
    private final CheckedSaves saves;
    private final SecurityIdentity identity;
    private final ReferencedSecrets referenced;
    private final LastChecks lastChecks;
    private final JsonBodies bodies;
    private final RolloutNews rollouts;

    public ProviderEntriesResource(ProviderEntries entries, CheckedSaves saves, SecurityIdentity identity,
            ReferencedSecrets referenced, LastChecks lastChecks, JsonBodies bodies, RolloutNews rollouts) {
        this.entries = entries;
        this.rollouts = rollouts;
        this.bodies = bodies;
        this.lastChecks = lastChecks;
        this.saves = saves;
        this.identity = identity;
        this.referenced = referenced;
    }

    /** The kind's entries in order, primary first. */
    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<Map<String, Object>> list(@PathParam("kind") String kind) {
        return entries.list(kind(kind)).stream().map(this::view).toList();
    }

    /**
     * 201 with {@code id}, {@code Location} and {@code ETag}; body: the kind's fields and {@code checkOverride}. The
     * answer's {@code restartRun}: the rollout of the targets depending on the kind (a new enabled fallback changes
     * what they receive), or null when none depends on it; {@code rollout}: what that rollout does next, or null.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response create(@PathParam("kind") String kind, String body) {
        ProviderKind providerKind = kind(kind);
        Map<String, Object> given = given(bodies.object(body));
        FieldErrors refused = new FieldErrors();
        String override = refused.collect(() -> SettingsResource.overrideReason(given.remove("checkOverride")));
        ProviderEntries.Change change = change(providerKind, given, refused);
        for (String later : List.of("enabled", "position")) {
            if (given.containsKey(later) && !refused.names(later)) {
                refused.add(later, "is set after the entry is added (PUT): a new fallback is enabled and last");
            }
        }
        refuseWithAll(providerKind, null, change, refused);
        CheckedSaves.SavedEntry created = saves.writeEntry(entries, providerKind, null,
                new ProviderEntries.Change(change.fields() == null ? Map.of() : change.fields(), null, null), 0,
                Identities.actor(identity), override);
        return Locations.created(path(providerKind) + "/" + created.state().id()).tag(etag(created.state()))
                .entity(written(created)).build();
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response get(@PathParam("kind") String kind, @PathParam("id") String id) {
        ProviderEntries.EntryState state = entries.get(kind(kind), id(kind, id));
        return Response.ok(view(state)).tag(etag(state)).build();
    }

    /**
     * Changes the fallback (fields, {@code enabled}, {@code position}); 200 with {@code restartRun}: the rollout of
     * the targets depending on the kind when the change alters what runtimes receive, null when it does not (a
     * disabled fallback edited or moved, a key typed again with the same value) or no target depends on the kind; and
     * {@code rollout}, what that rollout does next (null with it).
     */
    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response put(@PathParam("kind") String kind, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch, String body) {
        ProviderKind providerKind = kind(kind);
        long entryId = existing(providerKind, kind, id);
        Map<String, Object> given = given(bodies.object(body));
        long expected = expectedVersion(path(providerKind) + "/" + entryId, ifMatch);
        FieldErrors refused = new FieldErrors();
        String override = refused.collect(() -> SettingsResource.overrideReason(given.remove("checkOverride")));
        ProviderEntries.Change change = change(providerKind, given, refused);
        refuseWithAll(providerKind, entryId, change, refused);
        CheckedSaves.SavedEntry saved = saves.writeEntry(entries, providerKind, entryId,
                change, expected, Identities.actor(identity), override);
        Map<String, Object> view = written(saved);
        // an idempotent PUT (RFC 9110, section 9.2.2): what the entry holds already made no version, audit or rollout
        view.put("unchanged", saved.state().version() == expected);
        return Response.ok(view).tag(etag(saved.state())).build();
    }

    /**
     * Deletes the fallback: 200 {@code {"kind", "id", "deleted": true, "restartRun", "rollout"}}; deleting an enabled
     * fallback rolls the kind's dependent targets out ({@code restartRun} the run, {@code rollout} what it does next),
     * a disabled one plans nothing (both null).
     */
    @DELETE
    @Path("{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response delete(@PathParam("kind") String kind, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch) {
        ProviderKind providerKind = kind(kind);
        long entryId = existing(providerKind, kind, id);
        Long run = entries.delete(providerKind, entryId, expectedVersion(path(providerKind) + "/" + entryId, ifMatch),
                Identities.actor(identity));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("kind", providerKind.id());
        view.put("id", entryId);
        view.put("deleted", true);
        return Response.ok(SettingsResource.planned(view, run, rollouts)).build();
    }

    /**
     * Swaps the fallback with the primary (a save of the kind: checked, audited, rolled out to the kind's dependent
     * targets). Answers the new primary as {@code GET /api/v1/settings/{kind}} would, with {@code restartRun} and
     * {@code rollout}, and
     * the kind's version as ETag. Two preconditions, as the swap writes two entries: {@code If-Match} is the
     * fallback's ETag and the body {@code {"primaryVersion": N}} the primary's version (428 without either, 412 when
     * either changed meanwhile, naming it in {@code field}). A key check that blocks (enforce mode) refuses it with
     * 422, as it refuses a save; there is no override here (save the fallback's key over its check first).
     */
    @POST
    @Path("{id}/primary")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response primary(@PathParam("kind") String kind, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch, String body) {
        ProviderKind providerKind = kind(kind);
        long entryId = existing(providerKind, kind, id);
        Map<String, Object> given = bodies.object(body);
        long expected = expectedVersion(path(providerKind) + "/" + entryId, ifMatch);
        long primaryVersion = primaryVersion(providerKind, given);
        CheckedSaves.SavedEntry primary = saves.makePrimary(entries, providerKind, entryId, expected,
                primaryVersion, Identities.actor(identity), null);
        return Response.ok(written(primary)).tag(etag(primary.state())).build();
    }

    /**
     * When the body's reading found problems ({@code refused}), throws them with every problem the kind's rules find
     * in the fields that could be read, so one answer names them all; else returns.
     */
    private void refuseWithAll(ProviderKind kind, Long id, ProviderEntries.Change change, FieldErrors refused) {
        if (!refused.isEmpty() && id != null && change.fields() == null) {
            throw refused; // no fields given: the stored ones stay, so the rules have nothing more to say
        }
        if (!refused.isEmpty()) {
            saves.refuseEntryWithAll(entries, kind, id, change.fields() == null ? Map.of() : change.fields(),
                    refused);
        }
    }

    /** A write's members, a copy the caller may change; empty without a body. */
    private static Map<String, Object> given(Map<String, Object> body) {
        return body == null ? new LinkedHashMap<>() : new LinkedHashMap<>(body);
    }

    /**
     * {@code primaryVersion} of a make-primary body: 428 when absent, 400 naming it when not a version; more digits
     * than any version are a version ahead (412 "never had …"), as in If-Match.
     */
    static long primaryVersion(ProviderKind kind, Map<String, Object> body) {
        Object value = body == null ? null : body.get("primaryVersion");
        if (body != null) {
            for (String member : body.keySet()) {
                if (!"primaryVersion".equals(member)) {
                    throw new FieldErrors().add(dev.keyhouse.input.NoBody.member(member), "is not read by make-primary:"
                            + " its body is {\"primaryVersion\": N}");
                }
            }
        }
        if (value == null) {
            throw EntryRefused.primaryVersionRequired(kind);
        }
        java.util.OptionalLong version = dev.keyhouse.input.StaleVersion.bodyVersion(value);
        if (version.isPresent()) {
            return version.getAsLong();
        }
        throw new FieldErrors().add("primaryVersion", "must be the primary's version, a whole number (e.g. 3)");
    }

    /**
     * Rolls the fallback back to its newest earlier version with other fields or another key
     * ({@link ProviderEntries#rollback}); 200 with the entry, its new {@code ETag}, {@code restartRun} and
     * {@code rollout}. 409 when
     * there is none or its provider is now another entry's; 412/428 on {@code If-Match} as {@code PUT}; 400 naming the
     * member when a body is sent ({@link dev.keyhouse.input.NoBody}).
     */
    @POST
    @Path("{id}/rollback")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response rollback(@PathParam("kind") String kind, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch, String body) {
        ProviderKind providerKind = kind(kind);
        long entryId = existing(providerKind, kind, id);
        dev.keyhouse.input.NoBody.refuse(body, "a fallback's rollback (to its newest earlier version with other"
                + " fields)");
        long expected = expectedVersion(path(providerKind) + "/" + entryId, ifMatch);
        ProviderEntries.EntryState restored = entries.rollback(providerKind, entryId, expected,
                Identities.actor(identity));
        return Response.ok(written(restored)).tag(etag(restored)).build();
    }

    /**
     * The answer to a checked write (add, fields, make-primary): {@link #written(ProviderEntries.EntryState)} with
     * {@code check}, what the live key check found (null when none ran), and {@code warnings}, sentences for a
     * result other than ok or an override used (empty when none), as a save of the kind answers them.
     */
    private Map<String, Object> written(CheckedSaves.SavedEntry saved) {
        Map<String, Object> view = written(saved.state());
        view.put("check", saved.check() == null ? null : saved.check().json());
        view.put("warnings", saved.warnings());
        return view;
    }

    /**
     * 422: the key check refused the write; as a save of the kind answers it ({@code errors} naming the secret field,
     * {@code check}), its {@code detail} naming the fallback.
     */
    @org.jboss.resteasy.reactive.server.ServerExceptionMapper
    public Response checkRefused(CheckRefused e, io.vertx.core.http.HttpServerRequest request) {
        return SettingsResource.refusedByCheck(e, request);
    }

    /**
     * The answer to a write: the entry as {@link #view} shows it, with {@code restartRun}, the rollout the write
     * planned (it changed what runtimes receive) or null, and {@code rollout}, what it does next
     * ({@link SettingsResource#planned}).
     */
    private Map<String, Object> written(ProviderEntries.EntryState state) {
        return SettingsResource.planned(view(state), state.restartRun(), rollouts);
    }

    /**
     * An entry as JSON: kind, id, primary, position, enabled, the kind's fields (secrets as summaries), version,
     * updatedBy, updatedAt, and {@code lastCheck} ({@link LastCheck#json()}): the last live check of the entry's
     * stored key (the primary's is the kind's, as {@code GET /api/v1/settings/{kind}} shows it), or null when that
     * key was not checked yet (never, or only an earlier key was).
     */
    Map<String, Object> view(ProviderEntries.EntryState state) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("kind", state.kind().id());
        view.put("id", state.id());
        view.put("primary", state.primary());
        view.put("position", state.position());
        view.put("enabled", state.enabled());
        for (SettingField field : state.kind().fields()) {
            view.put(field.json(), field.secret() ? referenced.shown(state.secrets().get(field.json()))
                    : state.values().get(field.json()));
        }
        view.put("version", state.version());
        view.put("updatedBy", state.updatedBy());
        view.put("updatedAt", state.updatedAt());
        view.put("lastCheck", lastChecks.ofKey(state.kind(), state.provider(), state.keyFingerprint())
                .map(LastCheck::json).orElse(null));
        return view;
    }

    private static String path(ProviderKind kind) {
        return "/api/v1/settings/" + kind.id() + "/providers";
    }

    private static EntityTag etag(ProviderEntries.EntryState state) {
        return new EntityTag(String.valueOf(state.version()));
    }

    /** The kind in the path: 404 when unknown or without fallbacks. */
    static ProviderKind kind(String id) {
        return ProviderEntries.entriesKind(ProviderKind.inPath(id));
    }

    /** The id of an existing fallback of the kind: 404 before a write's body or preconditions are judged. */
    private long existing(ProviderKind providerKind, String kind, String id) {
        long entryId = id(kind, id);
        entries.exists(providerKind, entryId);
        return entryId;
    }

    /**
     * The entry id in the path: 404 when not a whole number, "stt has no provider entry with that id (ids are whole
     * numbers)", never repeating the segment (it may hold quotes, escapes or a pasted key).
     */
    static long id(String kind, String id) {
        if (id == null || !id.matches("[0-9]{1,18}")) {
            throw ProviderEntries.noEntry(kind, "with that id (ids are whole numbers)");
        }
        return Long.parseLong(id);
    }

    /**
     * The version in {@code If-Match: "3"} (a bare number too; digits beyond any version are a version ahead): 428
     * without, 412 when weak, 400 when no version.
     */
    static long expectedVersion(String path, String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            throw EntryRefused.ifMatchRequired(path);
        }
        if (ifMatch.strip().startsWith("W/")) {
            throw EntryRefused.weak();
        }
        return dev.keyhouse.input.StaleVersion.tagVersion(ifMatch).orElseThrow(() -> new FieldErrors()
                .add("If-Match", dev.keyhouse.input.StaleVersion.notAVersion(path)));
    }

    /**
     * The body as a {@link ProviderEntries.Change}: {@code enabled} a boolean, {@code position} a whole number from
     * 1, every other member a field of the kind as a string (fields null when none is given); each member that is none
     * of these is named in {@code errors}, and left out.
     */
    static ProviderEntries.Change change(ProviderKind kind, Map<String, Object> body, FieldErrors errors) {
        Map<String, String> fields = null;
        Boolean enabled = null;
        Integer position = null;
        for (Map.Entry<String, Object> member : body.entrySet()) {
            String key = member.getKey();
            Object value = member.getValue();
            switch (key) {
                case "enabled" -> {
                    if (value instanceof Boolean b) {
                        enabled = b;
                    } else {
                        errors.add("enabled", "has the wrong type: must be true or false");
                    }
                }
                case "position" -> {
                    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 1
                            && ((Number) value).longValue() <= 1000) {
                        position = ((Number) value).intValue();
                    } else {
                        errors.add("position", "must be a whole number from 1 (the first fallback) to 1000");
                    }
                }
                case "kind" -> {
                    if (!kind.id().equals(value)) {
                        errors.add("kind", "must be " + kind.id() + ", the kind in the path");
                    }
                }
                case "primary" -> errors.add("primary", "is not changed by a write of a fallback: POST "
                        + path(kind) + "/{id}/primary makes a fallback the primary (with If-Match and"
                        + " primaryVersion)");
                case "id", "version", "updatedBy", "updatedAt", "unchanged" -> errors.add(key, "is read-only: it is set by"
                        + " Keyhouse" + ("version".equals(key) ? " (send the version you had in If-Match)" : ""));
                default -> {
                    if (kind.fields().stream().noneMatch(f -> f.json().equals(key))) {
                        // an unknown name is not a field whatever its value ("wrong type" would send a client
                        // looking for the right one), as a save of the kind says it
                        errors.add(safeName(key), SettingsResource.notAField(kind, key));
                    } else if (value == null || value instanceof String) {
                        if (fields == null) {
                            fields = new LinkedHashMap<>();
                        }
                        fields.put(key, (String) value);
                    } else {
                        errors.add(safeName(key), "has the wrong type: must be a string");
                    }
                }
            }
        }
        return new ProviderEntries.Change(fields, enabled, position);
    }

    private static String safeName(String key) {
        return key.matches("[A-Za-z0-9_.-]{1,64}") ? key : "(a key)";
    }
}
