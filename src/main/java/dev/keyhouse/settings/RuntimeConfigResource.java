package dev.keyhouse.settings;

import java.util.List;
import java.util.Map;

import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.web.FieldErrors;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.PermitAll;
import jakarta.enterprise.event.Event;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

/**
 * {@code GET /api/v1/internal/runtime-config}: the decrypted provider settings as environment pairs, for runtimes
 * at start. The only place plaintext leaves Keyhouse, so it has its own bearer token (PROVISIONER_INTERNAL_TOKEN,
 * compared in constant time) and is never cached by anything in between. Every runtime of a fleet calls it at
 * once after a restart: while the {@link EnvironmentListener} listens, an answer comes from memory with no database
 * work, no decryption and its body already written; otherwise the work per call is one small query (see
 * {@link ProviderEnvironment}).
 *
 * <p>Fails closed: while anything configured cannot be served (a secret no configured key opens, a required field
 * unset, ...), it answers 503 naming each kind and field and serves nothing (see {@link WithheldRuntimeConfig}), so
 * a runtime's {@code curl -f} or {@code wget} loop keeps waiting instead of starting without a key. A runtime that
 * would rather start with what can be served asks with {@code ?partial=true}: 200, the missing ones listed, and
 * an ETag of its own ({@code "<version>-partial"}), so a conditional request gets the whole set once it is back.
 * The ETag is what the receiver gets ({@link ProviderEnvironment.RuntimeEnvironment#etag}: the version, and a digest
 * of the shared secrets it receives), so a runtime that now receives another set, or another runtime's ETag, is
 * answered 200, never 304.
 * Only a served answer is recorded as the runtime's acknowledgement (see {@link RuntimeConfigServed}).
 *
 * <p>During a rollout, a runtime named in {@code X-Keyhouse-Runtime} whose wave has not come (or whose target is on
 * hold) is served the versions it ran before ({@link EnvironmentPins}): {@code version}, the ETag and the recorded
 * acknowledgement are then the sum of the versions it was served. An unnamed runtime always gets the current
 * settings, so runtimes must name themselves to be held back.
 */
@Path("/api/v1/internal/runtime-config")
@PermitAll
public class RuntimeConfigResource {

    private static final Logger LOG = Logger.getLogger(RuntimeConfigResource.class);
    /** Runtimes name themselves in this header; which key each one received is recorded (see RuntimeConfigServed). */
    public static final String RUNTIME_HEADER = "X-Keyhouse-Runtime";

    /**
     * The JSON shape of DESIGN's contract.
     *
     * @param errors one sentence per unresolved value; empty unless {@code ?partial=true} was asked for
     * @param unresolved the same, as kind, field, reason and the environment names left out
     */
    public record RuntimeConfig(long version, Map<String, String> env, List<String> errors,
            List<ProviderEnvironment.Unresolved> unresolved) {
        @Override
        public String toString() {
            return "RuntimeConfig[version " + version + ", " + env.keySet() + "]";
        }
    }

    private final ProviderEnvironment environment;
    private final Event<RuntimeConfigServed> served;
    private final RuntimeToken token;
    /** What the last withheld answer named, so the log says it once, not once per runtime and retry. */
    private volatile List<String> lastWithheld = List.of();

    private final ObjectMapper mapper;

    public RuntimeConfigResource(ProviderEnvironment environment, Event<RuntimeConfigServed> served,
            RuntimeToken token, ObjectMapper mapper) {
        this.environment = environment;
        this.served = served;
        this.token = token;
        this.mapper = mapper;
    }

    /**
     * Answers from memory on the event loop when it can ({@link ProviderEnvironment#fromMemory}: listener
     * connected, nothing changed since the snapshot, the runtime's pin set built); else on a worker thread, which
     * may read the database ({@link ProviderEnvironment#forRuntime}). A named runtime's acknowledgement
     * ({@link RuntimeConfigServed}) is only noted in memory (its observer writes in batches, off the request path),
     * so a named runtime is answered from memory on the event loop too.
     */
    @GET
    public Uni<Response> config(@HeaderParam("Authorization") String authorization,
            @HeaderParam("If-None-Match") String ifNoneMatch, @QueryParam("format") String format,
            @HeaderParam(RUNTIME_HEADER) String runtime, @QueryParam("partial") String partial,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.HttpHeaders headers) {
        Response refused = token.refusal(authorization, runtime);
        if (refused != null) {
            return Uni.createFrom().item(refused);
        }
        boolean envFormat = "env".equals(format);
        FieldErrors invalid = new FieldErrors();
        if (format != null && !envFormat && !"json".equals(format)) {
            invalid.add("format", "must be json or env");
        }
        if (partial != null && !"true".equals(partial) && !"false".equals(partial)) {
            invalid.add("partial", "must be true or false");
        }
        String name = RuntimeConfigServed.runtimeName(runtime);
        String repeated = RuntimeConfigServed.repeated(headers);
        if (repeated != null) {
            invalid.add(RUNTIME_HEADER, repeated);
        } else if (name == null && runtime != null && !runtime.isBlank()) {
            // a runtime that meant to name itself must not be served as unnamed: it would escape its rollout pin
            invalid.add(RUNTIME_HEADER, "must be 1 to " + RuntimeConfigServed.MAX_NAME_LENGTH
                    + " printable ASCII characters (or absent)");
        }
        invalid.throwIfAny();
        boolean partialAsked = "true".equals(partial);
        ProviderEnvironment.RuntimeEnvironment remembered = environment.fromMemory(name);
        if (remembered != null) {
            return Uni.createFrom().item(answer(remembered, name, envFormat, partialAsked, ifNoneMatch));
        }
        return Uni.createFrom().item(() -> answer(environment.forRuntime(name), name, envFormat, partialAsked,
                ifNoneMatch)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The answer for an environment; fires {@link RuntimeConfigServed} for a named runtime that is served. */
    private Response answer(ProviderEnvironment.RuntimeEnvironment current, String name, boolean envFormat,
            boolean partialAsked, String ifNoneMatch) {
        String who = name == null ? "an unnamed runtime" : name;
        if (!current.complete() && !partialAsked) {
            // nothing served, so nothing acknowledged: a runtime that cannot start is not on the new key
            logWithheld(current, who);
            return WithheldRuntimeConfig.response(current, envFormat);
        }
        if (current.complete() && !lastWithheld.isEmpty()) {
            lastWithheld = List.of();
            LOG.infof("runtime-config version %d is served again", current.version());
        }
        Rendered rendered = rendered(current);
        if (envFormat && rendered.envBody() == null) {
            // a value no env-file line holds alike for every reader: fail closed in this format, never a guess
            LOG.warnf("runtime-config version %d not served as env to %s: %s", current.version(), who,
                    rendered.envRefusal());
            return WithheldRuntimeConfig.envUnwritable(rendered.envRefusal());
        }
        if (name != null) {
            served.fire(new RuntimeConfigServed(name, current.version(), current.llmKeyFingerprint(),
                    current.held() == null ? null : current.configuration(), current.heldPins()));
        }
        if (LOG.isDebugEnabled()) {
            LOG.debugf("runtime-config version %d served to %s%s", current.version(), who,
                    current.complete() ? "" : ", partial: " + current.errors());
        }
        if (ifNoneMatch != null && ifNoneMatch.strip().equals(rendered.etagText())) {
            return Response.notModified(rendered.etag()).build();
        }
        Response.ResponseBuilder response = envFormat
                ? Response.ok(rendered.envBody(), MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                : Response.ok(rendered.json(), MediaType.APPLICATION_JSON_TYPE);
        return response.tag(rendered.etag()).build();
    }

    /**
     * An environment's answer bodies and ETag, made once per environment (the JSON with the application's
     * ObjectMapper, as the endpoint always wrote it).
     *
     * @param envBody the {@code ?format=env} body, or null when a value has no env-file line ({@code envRefusal}
     *        says which)
     */
    private record Rendered(ProviderEnvironment.RuntimeEnvironment environment, byte[] json, String envBody,
            String envRefusal, EntityTag etag, String etagText) {
    }

    /** The last environment rendered: the unnamed fleet's hot path renders once per change. */
    private volatile Rendered lastRendered;

    private Rendered rendered(ProviderEnvironment.RuntimeEnvironment current) {
        Rendered known = lastRendered;
        if (known != null && known.environment() == current) {
            return known;
        }
        String envBody = null;
        String envRefusal = null;
        try {
            envBody = envLines(current);
        } catch (IllegalArgumentException e) {
            envRefusal = e.getMessage();
        }
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(new RuntimeConfig(current.version(), current.env(), current.errors(),
                    current.unresolved()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("runtime-config version " + current.version() + " is not writable as JSON",
                    e);
        }
        EntityTag etag = new EntityTag(current.etag());
        Rendered fresh = new Rendered(current, json, envBody, envRefusal, etag, etag.toString());
        lastRendered = fresh;
        return fresh;
    }

    /**
     * {@code NAME=value} lines in the env-file dialect a shell, systemd, python-dotenv and Compose read alike
     * ({@link EnvFileDialect#line}: a value that needs quoting is quoted, so {@code docker run --env-file}, which
     * takes the rest of a line literally, should read JSON instead); a partial answer names what it leaves out in
     * comment lines.
     *
     * @throws IllegalArgumentException naming a variable whose value no such line holds
     */
    static String envLines(ProviderEnvironment.RuntimeEnvironment current) {
        StringBuilder lines = new StringBuilder("# Keyhouse runtime config, configuration version ").append(current.version()).append('\n');
        current.unresolved().forEach(u -> lines.append("# partial, left out: ").append(WithheldRuntimeConfig.line(u))
                .append('\n'));
        current.env().forEach((name, value) -> lines.append(EnvFileDialect.line(name, value)).append('\n'));
        return lines.toString();
    }

    /** Once per change of what is unresolved, at WARN: a fleet asks every few seconds while it waits. */
    private void logWithheld(ProviderEnvironment.RuntimeEnvironment current, String who) {
        List<String> errors = current.errors();
        if (!errors.equals(lastWithheld)) {
            lastWithheld = errors;
            LOG.warnf("runtime-config version %d withheld (%d) until fixed, first from %s: %s",
                    current.version(), WithheldRuntimeConfig.STATUS, who, String.join("; ", errors));
        } else {
            LOG.debugf("runtime-config version %d withheld from %s", current.version(), who);
        }
    }
}
