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
    private final Instant started = Instant.now();
    private final java.util.ArrayDeque<Refusal> recent = new java.util.ArrayDeque<>();

    /**
     * The runtimes' credential as the pages tell it.
     *
     * @param configured whether PROVISIONER_INTERNAL_TOKEN is set (unset: every internal request is refused)
     * @param refused how many internal requests this replica refused since it started
     * @param last the newest of them; null when none was refused
     * @param started when this replica started counting (with the token unset, every request since was refused)
     * @param recent the newest refusals, oldest first, at most {@link #KEPT}: what a window of time is told from
     */
    public record Standing(boolean configured, long refused, Refusal last, Instant started,
            java.util.List<Refusal> recent) {

        /**
         * The warning the runtimes list and the Environment page show, or null when there is none since
         * {@code since} (null: since this replica started): {@link #warning(Instant, Instant, java.util.Set)} with
         * no end and every runtime.
         */
        public String warning(Instant since) {
            return warning(since, null, null);
        }

        /**
         * The warning about one run's time, or null: the token unset while this replica ran during
         * {@code from}..{@code until}, or requests refused then from one of {@code runtimes} (or from a caller whose
         * name is unknown). A run page asks for its own run (created to the end of its confirmation window), so a
         * refusal after the run could change nothing, or from a runtime that is not the run's, is not told as its
         * cause (breaker b20, 7).
         *
         * @param from the window's start; null: since this replica started
         * @param until the window's end; null: now
         * @param runtimes the runtime names the warning is about; null: every runtime
         */
        public String warning(Instant from, Instant until, java.util.Set<String> runtimes) {
            boolean whole = from == null && until == null && runtimes == null;
            java.util.List<Refusal> seen = recent.stream().filter(r -> (from == null || !r.at().isBefore(from))
                    && (until == null || !r.at().isAfter(until))
                    && (runtimes == null || r.runtime() == null || runtimes.contains(r.runtime()))).toList();
            boolean unsetThen = !configured && (until == null || !until.isBefore(started));
            if (!unsetThen && seen.isEmpty()) {
                return null;
            }
            // the count of the whole life when asked for it; else the kept refusals in the window, "at least" when
            // the window starts before the oldest one kept and some were dropped
            boolean capped = refused > recent.size() && (from == null || recent.isEmpty()
                    || recent.get(0).at().isAfter(from));
            long count = whole ? refused : seen.size();
            Refusal newest = whole ? last : seen.isEmpty() ? null : seen.get(seen.size() - 1);
            String newestText = newest == null ? "" : " " + (!whole && capped ? "at least " : "") + count
                    + (count == 1 ? " request was" : " requests were") + " refused "
                    + (from == null ? "since Keyhouse started" : "since " + TemplateExtensions.utc(from))
                    + (until == null ? "" : " until " + TemplateExtensions.utc(until))
                    + ", the last at " + TemplateExtensions.utc(newest.at())
                    + (newest.runtime() == null ? "" : " from runtime " + newest.runtime()) + " (" + newest.why() + ").";
            if (!configured) {
                return "PROVISIONER_INTERNAL_TOKEN is not set: Keyhouse refuses every runtime-config fetch and status"
                        + " report, so no runtime can fetch its configuration and no restart can be confirmed by"
                        + " one. Set it on Keyhouse's host and give the runtimes the same value." + newestText;
            }
            return "Runtimes are being refused: their runtime-config fetches or status reports carry a missing or"
                    + " wrong PROVISIONER_INTERNAL_TOKEN, so they cannot fetch their configuration or confirm a"
                    + " restart." + newestText + " Give the runtimes the token Keyhouse has.";
        }
    }

    /** How many of the newest refusals are kept to tell a window of time from ({@link Standing#recent}). */
    public static final int KEPT = 256;

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
        java.util.List<Refusal> kept;
        synchronized (recent) {
            kept = java.util.List.copyOf(recent);
        }
        return new Standing(tokenDigest.isPresent(), refused.get(), last, started, kept);
    }

    private void count(String runtime, String why) {
        Refusal refusal = new Refusal(Instant.now(), RuntimeConfigServed.runtimeName(runtime), why);
        synchronized (recent) {
            refused.incrementAndGet();
            last = refusal;
            recent.addLast(refusal);
            if (recent.size() > KEPT) {
                recent.removeFirst();
            }
        }
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
