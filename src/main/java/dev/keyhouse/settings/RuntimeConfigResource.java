package dev.keyhouse.settings;

import java.util.List;
import java.util.Map;

import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.web.FieldErrors;
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
 * once after a restart: the work per call is one small query (see {@link ProviderEnvironment}).
 *
 * <p>Fails closed: while anything configured cannot be served (a secret no configured key opens, a required field
 * unset, ...), it answers 503 naming each kind and field and serves nothing (see {@link WithheldRuntimeConfig}), so
 * a runtime's {@code curl -f} or {@code wget} loop keeps waiting instead of starting without a key. A runtime that
 * would rather start with what can be served asks with {@code ?partial=true}: 200, the missing ones listed, and
 * an ETag of its own ({@code "<version>-partial"}), so a conditional request gets the whole set once it is back.
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

    public RuntimeConfigResource(ProviderEnvironment environment, Event<RuntimeConfigServed> served,
            RuntimeToken token) {
        this.environment = environment;
        this.served = served;
        this.token = token;
    }

    @GET
    public Response config(@HeaderParam("Authorization") String authorization,
            @HeaderParam("If-None-Match") String ifNoneMatch, @QueryParam("format") String format,
            @HeaderParam(RUNTIME_HEADER) String runtime, @QueryParam("partial") String partial) {
        Response refused = token.refusal(authorization);
        if (refused != null) {
            return refused;
        }
        boolean envFormat = "env".equals(format);
        FieldErrors invalid = new FieldErrors();
        if (format != null && !envFormat && !"json".equals(format)) {
            invalid.add("format", "must be json or env");
        }
        if (partial != null && !"true".equals(partial) && !"false".equals(partial)) {
            invalid.add("partial", "must be true or false");
        }
        invalid.throwIfAny();
        String name = RuntimeConfigServed.runtimeName(runtime);
        // a runtime whose rollout wave has not come keeps the versions it ran (see EnvironmentPins)
        ProviderEnvironment.RuntimeEnvironment current = environment.forRuntime(name);
        String who = name == null ? "an unnamed runtime" : name;
        if (!current.complete() && !"true".equals(partial)) {
            // nothing served, so nothing acknowledged: a runtime that cannot start is not on the new key
            logWithheld(current, who);
            return WithheldRuntimeConfig.response(current, envFormat);
        }
        if (current.complete() && !lastWithheld.isEmpty()) {
            lastWithheld = List.of();
            LOG.infof("runtime-config version %d is served again", current.version());
        }
        String envBody = null;
        if (envFormat) {
            try {
                envBody = envLines(current);
            } catch (IllegalArgumentException e) {
                // a value no env-file line holds alike for every reader: fail closed in this format, never a guess
                LOG.warnf("runtime-config version %d not served as env to %s: %s", current.version(), who,
                        e.getMessage());
                return WithheldRuntimeConfig.envUnwritable(e.getMessage());
            }
        }
        if (name != null) {
            served.fire(new RuntimeConfigServed(name, current.version(), current.llmKeyFingerprint()));
        }
        EntityTag etag = new EntityTag(current.version() + (current.complete() ? "" : "-partial"));
        LOG.debugf("runtime-config version %d served to %s%s", current.version(), who,
                current.complete() ? "" : ", partial: " + current.errors());
        if (ifNoneMatch != null && ifNoneMatch.strip().equals(etag.toString())) {
            return Response.notModified(etag).header("Cache-Control", "no-store").build();
        }
        Response.ResponseBuilder response = envFormat
                ? Response.ok(envBody, MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                : Response.ok(new RuntimeConfig(current.version(), current.env(), current.errors(),
                        current.unresolved()), MediaType.APPLICATION_JSON_TYPE);
        return response.tag(etag).header("Cache-Control", "no-store").build();
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
        StringBuilder lines = new StringBuilder("# Keyhouse runtime config, version ").append(current.version()).append('\n');
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
