package dev.keyhouse.settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Optional;

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
 * refused ({@link #standing(Instant)}), so a run whose runtimes could not fetch their configuration says why instead of
 * only "0 confirmed". The refusals are kept in {@code runtime_token_refusals} by {@link RuntimeTokenRefusals}, so
 * every replica and a restarted one name the same (breaker b20, M2); a refusal itself is only tallied in memory, with
 * no database work on the refusal path.
 */
@ApplicationScoped
public class RuntimeToken {

    private final Optional<byte[]> tokenDigest;
    private final Instant started = Instant.now();
    private final RuntimeTokenRefusals refusals;
    private final dev.keyhouse.runtimes.HeldSecrets held;

    /**
     * The runtimes' credential as the pages tell it.
     *
     * @param configured whether PROVISIONER_INTERNAL_TOKEN is set on this replica (unset: every internal request is
     *     refused)
     * @param started when this replica started (with the token unset, every request since was refused)
     * @param recent the refusals read (by minute, caller name and failed check), oldest last-refusal first
     * @param capped whether older refusals were left out of {@code recent} by the read's limit
     */
    public record Standing(boolean configured, Instant started, java.util.List<Refusal> recent, boolean capped) {

        /** How many requests {@link #recent} counts. */
        public long refused() {
            return recent.stream().mapToLong(Refusal::count).sum();
        }

        /** The newest refusal read, or null. */
        public Refusal last() {
            return recent.isEmpty() ? null : recent.get(recent.size() - 1);
        }

        /**
         * The warning the runtimes list and the Environment page show, or null when there is none since
         * {@code since} (null: every refusal kept): {@link #warning(Instant, Instant, java.util.Set)} with no end and
         * every runtime, naming the refused callers ({@code names}) or only counting them.
         */
        public String warning(Instant since, boolean names) {
            return warning(since, null, null, names);
        }

        /**
         * The warning about one run's time, or null: the token unset while this replica ran during
         * {@code from}..{@code until}, or requests refused then from one of {@code runtimes} (or from a caller whose
         * name is unknown). A run page asks for its own run (created to the end of its confirmation window), so a
         * refusal after the run could change nothing, or from a runtime that is not the run's, is not told as its
         * cause (breaker b20, 7). The count says since when it counts: the first refusal counted, never the window's
         * start (breaker b20, M2).
         *
         * @param from the window's start; null: every refusal kept
         * @param until the window's end; null: now
         * @param runtimes the runtime names the warning is about; null: every runtime
         * @param names whether the warning names the last refused caller (masked): for admins only, as a refused
         *     request's name is unauthenticated text (breaker b9, H2); without, it counts the names
         */
        public String warning(Instant from, Instant until, java.util.Set<String> runtimes, boolean names) {
            java.util.List<Refusal> seen = recent.stream().filter(r -> (from == null || !r.at().isBefore(from))
                    && (until == null || !r.first().isAfter(until))
                    && (runtimes == null || r.runtime() == null || runtimes.contains(r.runtime()))).toList();
            boolean unsetThen = !configured && (until == null || !until.isBefore(started));
            if (!unsetThen && seen.isEmpty()) {
                return null;
            }
            long count = seen.stream().mapToLong(Refusal::count).sum();
            Refusal newest = seen.isEmpty() ? null : seen.get(seen.size() - 1);
            Instant first = seen.stream().map(Refusal::first).min(Instant::compareTo).orElse(null);
            String newestText = newest == null ? "" : " " + (capped ? "at least " : "") + count
                    + (count == 1 ? " request was" : " requests were") + " refused since "
                    + TemplateExtensions.utc(first)
                    + ", the last at " + TemplateExtensions.utc(newest.at())
                    + (!names ? "" : newest.runtime() == null ? "" : " from runtime " + newest.runtime())
                    + " (" + newest.why() + ")" + (names ? "" : from(seen)) + ".";
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

    /** ", from 2 runtimes" (the distinct names among {@code seen}, the unnamed ones not counted), or "". */
    private static String from(java.util.List<Refusal> seen) {
        long named = seen.stream().map(Refusal::runtime).filter(java.util.Objects::nonNull).distinct().count();
        return named == 0 ? "" : ", from " + named + (named == 1 ? " runtime" : " runtimes");
    }

    /**
     * Refused requests of one minute, one caller name and one failed check.
     *
     * @param first the first of them
     * @param at the last of them
     * @param runtime the name they gave in {@code X-Keyhouse-Runtime} when that was a valid name, else null
     * @param why "PROVISIONER_INTERNAL_TOKEN is not set", "no bearer token", or "a token that does not match"
     * @param count how many
     */
    public record Refusal(Instant first, Instant at, String runtime, String why, long count) {

        /** One refused request. */
        public Refusal(Instant at, String runtime, String why) {
            this(at, at, runtime, why, 1);
        }
    }

    /** A token whose refusals are kept in this object only (no database): for unit tests. */
    public RuntimeToken(Optional<String> token) {
        this(token, new RuntimeTokenRefusals(null), null);
    }

    /**
     * @param token PROVISIONER_INTERNAL_TOKEN
     * @param refusals where the refusals are kept
     * @param held the mask every refused caller's name passes through when read (null: none, for unit tests)
     */
    @jakarta.inject.Inject
    public RuntimeToken(@ConfigProperty(name = "keyhouse.runtime-config.token") Optional<String> token,
            RuntimeTokenRefusals refusals, dev.keyhouse.runtimes.HeldSecrets held) {
        this.tokenDigest = token.filter(t -> !t.isBlank()).map(RuntimeToken::digest);
        this.refusals = refusals;
        this.held = held;
    }
    /**
     * The 401 problem answer for an {@code Authorization} header that is not {@code Bearer <token>} (or when no
     * token is configured, which disables the internal endpoints), else null: the caller is a runtime. A refusal is
     * tallied ({@link RuntimeTokenRefusals}), with {@code runtime}, the caller's {@code X-Keyhouse-Runtime} header
     * (may be null), when it is a valid name.
     */
    public Response refusal(String authorization, String runtime) {
        if (tokenDigest.isEmpty()) {
            count(runtime, "unset");
            return unauthorized("the internal runtime endpoints are disabled: PROVISIONER_INTERNAL_TOKEN is not set");
        }
        boolean bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
        // digests have one length, so the comparison takes the same time whatever was presented
        if (!bearer || !MessageDigest.isEqual(tokenDigest.get(), digest(authorization.substring(7).strip()))) {
            count(runtime, bearer ? "mismatch" : "no_bearer");
            return unauthorized("present Authorization: Bearer <PROVISIONER_INTERNAL_TOKEN>");
        }
        return null;
    }

    /** How far back a refused request is still warned about on pages that are about no one run. */
    public static final java.time.Duration RECENT = java.time.Duration.ofHours(1);

    /**
     * The warning for the runtimes list and the Environment page: the token unset, or a request refused in the last
     * {@link #RECENT}; null when neither. Only {@code admin} is told the refused callers' names (masked).
     */
    public String recentWarning(boolean admin) {
        Instant since = Instant.now().minus(RECENT);
        return standing(since).warning(since, admin);
    }

    /** Whether the token is set, and every refusal kept (by any replica). */
    public Standing standing() {
        return standing(null);
    }

    /**
     * Whether the token is set, and the refusals kept (by any replica) whose last fell at or after {@code since}
     * (null: every one): what a warning about a window starting then is told from. Each refused caller's name is
     * read through the held-secrets mask ({@link dev.keyhouse.runtimes.HeldSecrets}): a name is the caller's own
     * text, which may carry a secret (breaker b9, H2).
     */
    public Standing standing(Instant since) {
        RuntimeTokenRefusals.Read read = refusals.read(since);
        java.util.List<Refusal> recent = read.refusals();
        if (held != null && recent.stream().anyMatch(r -> r.runtime() != null)) {
            java.util.function.UnaryOperator<String> mask = held.nameMasker();
            recent = recent.stream().map(r -> new Refusal(r.first(), r.at(), mask.apply(r.runtime()), r.why(),
                    r.count())).toList();
        }
        return new Standing(tokenDigest.isPresent(), started, recent, read.capped());
    }

    /**
     * What a run's own record (its reason) says when one of {@code runtimes} did not confirm: the requests refused
     * from those names between {@code from} and {@code until}, read from the stored refusals, e.g. {@code its
     * runtime-config fetches or status reports were refused: 2 since 2026-12-03 06:10:04 UTC, the last at 2026-12-03
     * 06:10:09 UTC (a token that does not match)}; null when none was. Unnamed refusals are left out: the record
     * names only what its runtimes were refused (breaker b20, M2).
     */
    public String refusedNote(Instant from, Instant until, java.util.Set<String> runtimes) {
        java.util.List<Refusal> seen = standing(from).recent().stream().filter(r -> r.runtime() != null
                && runtimes.contains(r.runtime()) && !r.first().isAfter(until)).toList();
        if (seen.isEmpty()) {
            return null;
        }
        long count = seen.stream().mapToLong(Refusal::count).sum();
        Instant first = seen.stream().map(Refusal::first).min(Instant::compareTo).orElseThrow();
        Refusal newest = seen.get(seen.size() - 1);
        return "its runtime-config fetches or status reports were refused: " + count + " since "
                + TemplateExtensions.utc(first) + (count == 1 ? "" : ", the last at " + TemplateExtensions.utc(
                newest.at())) + " (" + newest.why() + ")";
    }

    private void count(String runtime, String why) {
        refusals.record(Instant.now(), RuntimeConfigServed.runtimeName(runtime), why);
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
