package dev.keyhouse.settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.keyhouse.web.Problem;
import dev.keyhouse.web.TemplateExtensions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The runtimes' own credential, PROVISIONER_INTERNAL_TOKEN: the only one the internal endpoints
 * ({@code /api/v1/internal/runtime-config}, {@code /api/v1/internal/runtime-status}) accept. Compared as SHA-256
 * digests in constant time; no user credential (admin bearer, session cookie) is ever accepted in its place.
 *
 * <p>Keeps what the operator's pages must name (issue 20, item 3): whether the token is set at all, and the requests
 * this replica refused since it started ({@link #standing()}), so a run whose runtimes could not fetch their
 * configuration says why instead of only "0 confirmed". Counted in memory, per replica, with no database work on the
 * refusal path.
 */
@ApplicationScoped
public class RuntimeToken {

    private final Optional<byte[]> tokenDigest;
    private final AtomicLong refused = new AtomicLong();
    private volatile Refusal last;

    /**
     * The runtimes' credential as the pages tell it.
     *
     * @param configured whether PROVISIONER_INTERNAL_TOKEN is set (unset: every internal request is refused)
     * @param refused how many internal requests this replica refused since it started
     * @param last the newest of them; null when none was refused
     */
    public record Standing(boolean configured, long refused, Refusal last) {

        /** Whether there is anything to warn about: the token unset, or a refused request since {@code since}. */
        public boolean troubleSince(Instant since) {
            return !configured || last != null && (since == null || !last.at().isBefore(since));
        }

        /**
         * The warning the run page, the runtimes list and the Environment page show, or null when there is none
         * since {@code since} (null: since this replica started): the token unset (every runtime-config fetch and
         * status report is refused), or requests refused with a missing or wrong token, with the newest one's time,
         * runtime and reason.
         */
        public String warning(Instant since) {
            if (!troubleSince(since)) {
                return null;
            }
            String newest = last == null ? "" : " " + refused + (refused == 1 ? " request was" : " requests were")
                    + " refused since Keyhouse started, the last at " + TemplateExtensions.utc(last.at())
                    + (last.runtime() == null ? "" : " from runtime " + last.runtime()) + " (" + last.why() + ").";
            if (!configured) {
                return "PROVISIONER_INTERNAL_TOKEN is not set: Keyhouse refuses every runtime-config fetch and status"
                        + " report, so no runtime can fetch its configuration and no restart can be confirmed by"
                        + " one. Set it on Keyhouse's host and give the runtimes the same value." + newest;
            }
            return "Runtimes are being refused: their runtime-config fetches or status reports carry a missing or"
                    + " wrong PROVISIONER_INTERNAL_TOKEN, so they cannot fetch their configuration or confirm a"
                    + " restart." + newest + " Give the runtimes the token Keyhouse has.";
        }
    }

    /**
     * One refused request.
     *
     * @param runtime the name it gave in {@code X-Keyhouse-Runtime} when that was a valid name, else null
     * @param why "PROVISIONER_INTERNAL_TOKEN is not set", "no bearer token", or "a token that does not match"
     */
    public record Refusal(Instant at, String runtime, String why) {
    }

    public RuntimeToken(@ConfigProperty(name = "keyhouse.runtime-config.token") Optional<String> token) {
        this.tokenDigest = token.filter(t -> !t.isBlank()).map(RuntimeToken::digest);
    }

    /**
     * The 401 problem answer for an {@code Authorization} header that is not {@code Bearer <token>} (or when no
     * token is configured, which disables the internal endpoints), else null: the caller is a runtime. A refusal is
     * counted ({@link #standing()}), with {@code runtime}, the caller's {@code X-Keyhouse-Runtime} header (may be
     * null), when it is a valid name.
     */
    public Response refusal(String authorization, String runtime) {
        if (tokenDigest.isEmpty()) {
            count(runtime, "PROVISIONER_INTERNAL_TOKEN is not set");
            return unauthorized("the internal runtime endpoints are disabled: PROVISIONER_INTERNAL_TOKEN is not set");
        }
        boolean bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
        // digests have one length, so the comparison takes the same time whatever was presented
        if (!bearer || !MessageDigest.isEqual(tokenDigest.get(), digest(authorization.substring(7).strip()))) {
            count(runtime, bearer ? "a token that does not match" : "no bearer token");
            return unauthorized("present Authorization: Bearer <PROVISIONER_INTERNAL_TOKEN>");
        }
        return null;
    }

    /** How far back a refused request is still warned about on pages that are about no one run. */
    public static final java.time.Duration RECENT = java.time.Duration.ofHours(1);

    /**
     * The warning for the runtimes list and the Environment page: the token unset, or a request refused in the last
     * {@link #RECENT}; null when neither.
     */
    public String recentWarning() {
        return standing().warning(Instant.now().minus(RECENT));
    }

    /** Whether the token is set, and the refusals this replica counted. */
    public Standing standing() {
        return new Standing(tokenDigest.isPresent(), refused.get(), last);
    }

    private void count(String runtime, String why) {
        refused.incrementAndGet();
        last = new Refusal(Instant.now(), RuntimeConfigServed.runtimeName(runtime), why);
    }

    private static Response unauthorized(String detail) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer")
                .entity(Problem.of(401, detail)).build();
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
