package dev.keyhouse.settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.Problem;
import jakarta.annotation.security.PermitAll;
import jakarta.enterprise.event.Event;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * {@code GET /api/v1/internal/runtime-config}: the decrypted provider settings as environment pairs, for runtimes
 * at start. The only place plaintext leaves Keyhouse, so it has its own bearer token (PROVISIONER_INTERNAL_TOKEN,
 * compared in constant time) and is never cached by anything in between. Every runtime of a fleet calls it at
 * once after a restart: the work per call is one small query (see {@link ProviderEnvironment}).
 */
@Path("/api/v1/internal/runtime-config")
@PermitAll
public class RuntimeConfigResource {

    private static final Logger LOG = Logger.getLogger(RuntimeConfigResource.class);
    /** Runtimes name themselves in this header; which key each one received is recorded (see RuntimeConfigServed). */
    public static final String RUNTIME_HEADER = "X-Keyhouse-Runtime";

    /** The JSON shape of DESIGN's contract. */
    public record RuntimeConfig(long version, Map<String, String> env, List<String> errors) {
        @Override
        public String toString() {
            return "RuntimeConfig[version " + version + ", " + env.keySet() + "]";
        }
    }

    private final ProviderEnvironment environment;
    private final Event<RuntimeConfigServed> served;
    private final Optional<byte[]> tokenDigest;

    public RuntimeConfigResource(ProviderEnvironment environment, Event<RuntimeConfigServed> served,
            @ConfigProperty(name = "keyhouse.runtime-config.token") Optional<String> token) {
        this.environment = environment;
        this.served = served;
        this.tokenDigest = token.filter(t -> !t.isBlank()).map(RuntimeConfigResource::digest);
    }

    @GET
    public Response config(@HeaderParam("Authorization") String authorization,
            @HeaderParam("If-None-Match") String ifNoneMatch, @QueryParam("format") String format,
            @HeaderParam(RUNTIME_HEADER) String runtime) {
        if (tokenDigest.isEmpty()) {
            return unauthorized("the runtime-config endpoint is disabled: PROVISIONER_INTERNAL_TOKEN is not set");
        }
        if (!presentedTokenMatches(authorization)) {
            return unauthorized("present Authorization: Bearer <PROVISIONER_INTERNAL_TOKEN>");
        }
        boolean envFormat = "env".equals(format);
        if (format != null && !envFormat && !"json".equals(format)) {
            throw new FieldErrors().add("format", "must be json or env");
        }
        ProviderEnvironment.RuntimeEnvironment current = environment.current();
        String name = RuntimeConfigServed.runtimeName(runtime);
        if (name != null) {
            served.fire(new RuntimeConfigServed(name, current.version(), current.llmKeyFingerprint()));
        }
        EntityTag etag = new EntityTag(String.valueOf(current.version()));
        LOG.debugf("runtime-config version %d served to %s", current.version(), name == null ? "an unnamed runtime" : name);
        if (ifNoneMatch != null && ifNoneMatch.strip().equals(etag.toString())) {
            return Response.notModified(etag).header("Cache-Control", "no-store").build();
        }
        Response.ResponseBuilder response = envFormat
                ? Response.ok(envLines(current), MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                : Response.ok(new RuntimeConfig(current.version(), current.env(), current.errors()),
                        MediaType.APPLICATION_JSON_TYPE);
        return response.tag(etag).header("Cache-Control", "no-store").build();
    }

    /** KEY=value lines, as a systemd EnvironmentFile or {@code docker run --env-file} reads them. */
    static String envLines(ProviderEnvironment.RuntimeEnvironment current) {
        StringBuilder lines = new StringBuilder("# Keyhouse runtime config, version ").append(current.version()).append('\n');
        current.errors().forEach(error -> lines.append("# error: ").append(error).append('\n'));
        current.env().forEach((name, value) -> lines.append(name).append('=').append(value).append('\n'));
        return lines.toString();
    }

    private boolean presentedTokenMatches(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // digests have one length, so the comparison takes the same time whatever was presented
        return MessageDigest.isEqual(tokenDigest.get(), digest(authorization.substring(7).strip()));
    }

    private static Response unauthorized(String detail) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer")
                .entity(Problem.of(401, "Unauthorized", detail)).build();
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
