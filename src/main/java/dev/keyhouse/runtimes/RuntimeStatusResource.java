package dev.keyhouse.runtimes;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import dev.keyhouse.checks.Verdict;
import dev.keyhouse.settings.ProviderEnvironment;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.RuntimeConfigResource;
import dev.keyhouse.settings.RuntimeConfigServed;
import dev.keyhouse.settings.RuntimeToken;
import dev.keyhouse.web.FieldErrors;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /api/v1/internal/runtime-status}: a runtime reports, after its first real provider call, whether the
 * configuration it runs with works. Authenticated as runtime-config is (only the PROVISIONER_INTERNAL_TOKEN bearer,
 * see {@link RuntimeToken}; 401 otherwise), named by {@code X-Keyhouse-Runtime} (the runtime-config name rules,
 * {@link RuntimeConfigServed#runtimeName}; required here: 400 naming the header). Body
 * {@code {"version": <whole number ≥ 1, at most the current runtime-config version>, "status": "ok" | "failing",
 * "detail": "<optional reason code, 1-64 of [A-Za-z0-9_.:-]>", "kind": "<optional, with failing: the provider kind whose
 * call failed, e.g. stt>"}}: anything else is a 400 naming the field, so a report
 * can never carry a secret (or any free text) into Keyhouse. A detail must also be a code by the rule provider codes
 * follow ({@link Verdict#safeCode}: words, not shaped like a key) and share no run of 8 letters and digits with a
 * secret Keyhouse serves now ({@link Verdict#sharesSecret}, against the cached {@link ProviderEnvironment#current}).
 * Answers 204; stored by {@link RuntimeStatuses}.
 */
@Path("/api/v1/internal/runtime-status")
@PermitAll
public class RuntimeStatusResource {

    /** What {@code detail} may hold: a short reason code such as {@code invalid_key} or {@code http:401}. */
    static final Pattern DETAIL = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final Set<String> FIELDS = Set.of("version", "status", "detail", "kind");
    /** The kinds a failing report may name: every provider kind's id ({@link ProviderKind#id()}). */
    private static final List<String> KINDS = java.util.Arrays.stream(ProviderKind.values()).map(ProviderKind::id)
            .toList();
    /** Why a detail shaped like a key (or carrying a served secret) is refused; the same words for both. */
    static final String KEY_SHAPED = "must be a reason code such as invalid_key or http:401 (words joined by _ . : -),"
            + " never a key or any part of one";

    private final RuntimeToken token;
    private final ProviderEnvironment environment;
    private final RuntimeStatuses statuses;
    private final Rollouts rollouts;

    public RuntimeStatusResource(RuntimeToken token, ProviderEnvironment environment, RuntimeStatuses statuses,
            Rollouts rollouts) {
        this.rollouts = rollouts;
        this.token = token;
        this.environment = environment;
        this.statuses = statuses;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response report(@HeaderParam("Authorization") String authorization,
            @HeaderParam(RuntimeConfigResource.RUNTIME_HEADER) String runtime, @Context HttpServerRequest request,
            @Context jakarta.ws.rs.core.HttpHeaders headers, Map<String, Object> body) {
        Response refused = token.refusal(authorization, runtime);
        if (refused != null) {
            return refused;
        }
        FieldErrors invalid = new FieldErrors();
        String name = RuntimeConfigServed.runtimeName(runtime);
        String repeated = RuntimeConfigServed.repeated(headers);
        if (repeated != null) {
            invalid.add(RuntimeConfigResource.RUNTIME_HEADER, repeated);
        } else if (name == null) {
            invalid.add(RuntimeConfigResource.RUNTIME_HEADER, runtime == null ? "is required: the runtime's name"
                    : "must be 1 to " + RuntimeConfigServed.MAX_NAME_LENGTH + " printable ASCII characters");
        }
        if (body == null) {
            invalid.add("body", "is required: {\"version\": n, \"status\": \"ok\" | \"failing\"}");
            invalid.throwIfAny();
        }
        Set<String> unknown = new TreeSet<>(body.keySet());
        unknown.removeAll(FIELDS);
        unknown.forEach(field -> invalid.add(field, "is not a field of a status report (version, status, detail, kind)"));
        Long version = version(body.get("version"));
        if (version == null) {
            invalid.add("version", "must be a whole number ≥ 1: the runtime-config version the runtime runs with");
        }
        Object status = body.get("status");
        if (!"ok".equals(status) && !"failing".equals(status)) {
            invalid.add("status", "must be \"ok\" or \"failing\"");
        }
        Object detail = body.get("detail");
        if (detail != null && !(detail instanceof String text && DETAIL.matcher(text).matches())) {
            invalid.add("detail", "must be a reason code of 1 to 64 characters A-Z a-z 0-9 _ . : - (e.g. invalid_key)");
        } else if (detail != null && Verdict.safeCode((String) detail) == null) {
            invalid.add("detail", KEY_SHAPED);
        }
        Object kind = body.get("kind");
        if (kind != null && !(kind instanceof String text && KINDS.contains(text))) {
            invalid.add("kind", "must be one of " + String.join(", ", KINDS) + ": the kind whose provider call failed");
        } else if (kind != null && !"failing".equals(status)) {
            invalid.add("kind", "goes with \"status\": \"failing\" only: it names the kind whose provider call failed;"
                    + " an ok report speaks for the whole configuration");
        }
        invalid.throwIfAny();
        ProviderEnvironment.RuntimeEnvironment served = environment.current();
        if (detail != null && Verdict.sharesSecret((String) detail, served.secretValues())) {
            // never echoed: the answer, the log and the database get nothing of it
            invalid.add("detail", KEY_SHAPED).throwIfAny();
        }
        long current = served.version();
        if (version > current) {
            invalid.add("version", "is above the current runtime-config version " + current).throwIfAny();
        }
        statuses.record(new RuntimeStatuses.Report(name, version, (String) status, (String) detail,
                (String) kind, null, from(request)));
        // committed: a rollout waiting for this runtime's confirmation looks now, not at its next tick
        rollouts.wake();
        return Response.noContent().build();
    }

    /** A JSON whole number ≥ 1 as a long, else null (a fraction, a string, a boolean, too large). */
    private static Long version(Object value) {
        // more digits than any version: above the current one, as a version ahead is answered everywhere
        java.util.OptionalLong version = dev.keyhouse.input.StaleVersion.bodyVersion(value);
        return version.isPresent() && version.getAsLong() >= 1 ? version.getAsLong() : null;
    }

    /** The client's address as Quarkus resolved it (forwarded headers only from TRUSTED_PROXIES). */
    private static String from(HttpServerRequest request) {
        SocketAddress address = request == null ? null : request.remoteAddress();
        String host = address == null ? null : address.hostAddress();
        return host == null ? null : host.length() > 64 ? host.substring(0, 64) : host;
    }
}
