package dev.keyhouse.sharedsecrets;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.keyhouse.auth.Identities;
import dev.keyhouse.auth.Role;
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
 * {@code /api/v1/shared-secrets}: shared secrets over REST (issue 19's shape). Bodies
 * {@code {"name", "variable", "value", "targets": [ids]}}; the value goes in and never comes out (a generated one
 * neither): answers carry its fingerprint. Writes to one shared secret carry its version in {@code If-Match} (the
 * ETag of GET): 428 without, 412 when stale or weak. Admins write, viewers read.
 */
@Path(SharedSecretsResource.PATH)
@Produces(MediaType.APPLICATION_JSON)
public class SharedSecretsResource {

    static final String PATH = "/api/v1/shared-secrets";
    private static final Set<String> FIELDS = Set.of("name", "variable", "value", "targets");

    private final SharedSecrets secrets;
    private final SecurityIdentity identity;
    private final JsonBodies bodies;

    public SharedSecretsResource(SharedSecrets secrets, SecurityIdentity identity, JsonBodies bodies) {
        this.secrets = secrets;
        this.bodies = bodies;
        this.identity = identity;
    }

    /** Every shared secret by name: id, name, variable, version, fingerprint, targets, who and when; never a value. */
    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<Map<String, Object>> list() {
        return secrets.list().stream().map(SharedSecrets::json).toList();
    }

    /** 201 with {@code id}, {@code Location} and {@code ETag}; without {@code value}, one is generated (a blank one: 400). */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response create(Map<String, Object> body) {
        SharedSecrets.Input input = secrets.pinned(input(body, true), true);
        SharedSecrets.View created = secrets.create(input, Identities.actor(identity));
        return Locations.created(PATH + "/" + created.id()).tag(etag(created)).entity(saved(created)).build();
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response get(@PathParam("id") long id) {
        SharedSecrets.View view = secrets.get(id);
        return Response.ok(SharedSecrets.json(view)).tag(etag(view)).build();
    }

    /** The members given replace the stored ones; an absent {@code value} keeps the stored value. */
    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response put(@PathParam("id") long id, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
            String body) {
        secrets.exists(id);
        Map<String, Object> given = bodies.object(body);
        long expected = expectedVersion(id, ifMatch);
        SharedSecrets.Input input = secrets.pinned(input(given, false), false);
        SharedSecrets.View saved = secrets.save(id, input, expected, Identities.actor(identity));
        Map<String, Object> view = saved(saved);
        // an idempotent PUT (RFC 9110, section 9.2.2): what it holds already made no version, audit or rollout
        view.put("unchanged", saved.version() == expected);
        return Response.ok(view).tag(etag(saved)).build();
    }

    /** A new random value, never returned; a body (e.g. a chosen {@code value}) is a 400 naming it, not ignored. */
    @POST
    @Path("{id}/generate")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response generate(@PathParam("id") long id, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
            String body) {
        secrets.exists(id);
        dev.keyhouse.input.NoBody.refuse(body, "generate (a new random value; a chosen one is set with PUT)");
        long expected = expectedVersion(id, ifMatch);
        SharedSecrets.View saved = secrets.generate(id, expected, Identities.actor(identity));
        return Response.ok(saved(saved)).tag(etag(saved)).build();
    }

    /**
     * Rolls the value back to the one a version held ({@link SharedSecrets#rollback}): body {@code {"version": N}},
     * {@code If-Match} of the current version (428 without, 412 stale or weak, as {@code PUT}); 200 with the shared
     * secret, its new {@code ETag} and {@code restartRun}. 400 naming {@code version} when there is no such version
     * holding another value. The value is never returned.
     */
    @POST
    @Path("{id}/rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Response rollback(@PathParam("id") long id, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
            String body) {
        secrets.exists(id);
        Map<String, Object> given = bodies.object(body);
        long expected = expectedVersion(id, ifMatch);
        SharedSecrets.View saved = secrets.rollback(id, rollbackVersion(given), expected, Identities.actor(identity));
        return Response.ok(saved(saved)).tag(etag(saved)).build();
    }

    /** The body of a rollback: {@code {"version": N}}, N a whole number from 1; anything else is named. */
    static long rollbackVersion(Map<String, Object> body) {
        FieldErrors errors = new FieldErrors();
        Map<String, Object> given = body == null ? Map.of() : body;
        for (String key : given.keySet()) {
            if (!"version".equals(key)) {
                errors.add(dev.keyhouse.input.NoBody.member(key), "is not a member of a rollback");
            }
        }
        Object version = given.get("version");
        java.util.OptionalLong number = dev.keyhouse.input.StaleVersion.bodyVersion(version);
        if (version == null) {
            errors.add("version", "is required: the version to roll back to, a whole number from 1 (e.g. 2)");
        } else if (number.isEmpty() || number.getAsLong() < 1) {
            // named as what was sent: a string "1" is not the number 1
            errors.add("version", "must be a whole number from 1 (e.g. 2), not " + (version instanceof String
                    ? "a string" : version instanceof Boolean ? "true or false" : version instanceof Number
                            ? ((Number) version).doubleValue() < 1 ? "below 1" : "a fraction" : "a list or object"));
        }
        errors.throwIfAny();
        // more digits than any version: a version it never had, as any other ("has no version …")
        return number.getAsLong();
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response delete(@PathParam("id") long id, @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch) {
        secrets.exists(id);
        long expected = expectedVersion(id, ifMatch);
        secrets.delete(id, expected, Identities.actor(identity));
        return Response.noContent().build();
    }

    private static Map<String, Object> saved(SharedSecrets.View view) {
        Map<String, Object> json = SharedSecrets.json(view);
        // the restart run the write planned (GET /api/v1/restarts/{id}); null when it planned none
        json.put("restartRun", view.restartRun());
        return json;
    }

    private static EntityTag etag(SharedSecrets.View view) {
        return new EntityTag(String.valueOf(view.version()));
    }

    /**
     * The version in {@code If-Match: "3"} (a bare number too). 428 without; 412 for a weak tag (RFC 9110, section
     * 13.1.1); 400 naming {@code If-Match} when it is no version.
     */
    static long expectedVersion(long id, String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            throw SharedSecretRefused.ifMatchRequired(id);
        }
        if (ifMatch.strip().startsWith("W/")) {
            throw SharedSecretRefused.weak();
        }
        return dev.keyhouse.input.StaleVersion.tagVersion(ifMatch).orElseThrow(() -> new FieldErrors()
                .add("If-Match", dev.keyhouse.input.StaleVersion.notAVersion(PATH + "/" + id)));
    }

    /**
     * The body's members by type, each one of the wrong type or unknown named, and each item of {@code targets} that
     * is no whole number or no runtime target's id named with its index ({@code targets[2]}); with any of these, every
     * problem the rules find in the rest ({@link SharedSecrets#refuseWithAll}), in one answer.
     *
     * @param create whether the body creates a shared secret (name and variable required)
     */
    SharedSecrets.Input input(Map<String, Object> body, boolean create) {
        FieldErrors errors = new FieldErrors();
        Map<String, Object> given = body == null ? Map.of() : body;
        for (String key : given.keySet()) {
            if (!FIELDS.contains(key)) {
                errors.add(key, "is not a field of a shared secret"); // named only when plain (FieldErrors)
            }
        }
        String name = text(given, "name", errors);
        String variable = text(given, "variable", errors);
        String value = text(given, "value", errors);
        if (create && value != null && value.isBlank()) {
            // a blank value on create is no value: never a generated one in silence (b19, low); on a save, blank keeps
            // the stored value, as every secret field does
            errors.add("value", "is blank: leave value out to have one generated, or give one");
        }
        List<Long> targets = null;
        Object raw = given.get("targets");
        if (raw instanceof List<?> list) {
            targets = new ArrayList<>();
            Map<Integer, Long> ids = new java.util.LinkedHashMap<>();
            for (int i = 0; i < list.size(); i++) {
                Object item = list.get(i);
                if (item instanceof Integer || item instanceof Long) {
                    ids.put(i, ((Number) item).longValue());
                } else {
                    errors.add("targets[" + i + "]", "must be a runtime target's id (a whole number)");
                }
            }
            java.util.Set<Long> unknown = secrets.unknownIds(ids.values());
            for (Map.Entry<Integer, Long> id : ids.entrySet()) {
                if (unknown.contains(id.getValue())) {
                    errors.add("targets[" + id.getKey() + "]", "no runtime target has the id " + id.getValue());
                } else {
                    targets.add(id.getValue());
                }
            }
        } else if (raw != null) {
            errors.add("targets", "has the wrong type: must be an array of runtime target ids");
        }
        SharedSecrets.Input input = new SharedSecrets.Input(name, variable, value, targets);
        if (!errors.isEmpty()) {
            secrets.refuseWithAll(input, create, errors);
        }
        return input;
    }

    private static String text(Map<String, Object> body, String field, FieldErrors errors) {
        Object value = body.get(field);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        errors.add(field, "has the wrong type: must be a string");
        return null;
    }
}
