package dev.keyhouse.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.Problem;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The runtime-config answer while something configured cannot be served (fail closed): no pairs at all, and a body
 * naming each unresolved kind, field and environment name, never a value.
 *
 * <p><b>503 Service Unavailable with {@code Retry-After}</b>, deliberately: the request is right and the runtime can
 * do nothing about it (so not 4xx, and not 409, which asks the client to change its request); the server is fine
 * but cannot serve this resource until an operator re-enters the value or configures its key again (so not 500,
 * which says Keyhouse failed, and which {@link dev.keyhouse.web.ProblemMapper} keeps for bugs). A 503 fails
 * {@code curl -f} and {@code wget}, is retried by HTTP clients' retry policies and by restart loops, and says when
 * to ask again. A runtime that would rather start without the missing values asks with {@code ?partial=true}.
 */
final class WithheldRuntimeConfig {

    static final int STATUS = 503;
    /** Seconds a runtime should wait before asking again: an operator has to act, so not a tight loop. */
    static final int RETRY_AFTER_SECONDS = 30;

    private WithheldRuntimeConfig() {
    }

    /** problem+json, or for {@code ?format=env} comment lines a shell loop can print (sourcing them sets nothing). */
    static Response response(ProviderEnvironment.RuntimeEnvironment current, boolean envFormat) {
        Response.ResponseBuilder response = withheld();
        return envFormat
                ? response.type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8")).entity(lines(current)).build()
                : response.type(Problem.MEDIA_TYPE).entity(problem(current)).build();
    }

    /**
     * The env format refused while JSON would serve: a value no env-file line holds alike for every reader
     * ({@code reason} names the variable, never the value).
     */
    static Response envUnwritable(String reason) {
        return withheld().type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                .entity("# runtime-config not served as env: " + reason + "; ask for JSON (no format)\n").build();
    }

    private static Response.ResponseBuilder withheld() {
        return Response.status(STATUS).header("Retry-After", RETRY_AFTER_SECONDS);
    }

    static Problem problem(ProviderEnvironment.RuntimeEnvironment current) {
        List<FieldErrors.FieldError> errors = current.unresolved().stream()
                .map(u -> new FieldErrors.FieldError(u.path(), u.reason())).toList();
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("version", current.version());
        extensions.put("kinds", kinds(current));
        extensions.put("unresolved", current.unresolved());
        return Problem.of(STATUS, detail(current), errors, extensions);
    }

    /** e.g. "runtime-config withheld: 1 configured value cannot be served (llm.apiKey); ...". */
    static String detail(ProviderEnvironment.RuntimeEnvironment current) {
        List<ProviderEnvironment.Unresolved> unresolved = current.unresolved();
        return "runtime-config withheld: " + unresolved.size() + " configured value"
                + (unresolved.size() == 1 ? " cannot" : "s cannot") + " be served ("
                + String.join(", ", unresolved.stream().map(ProviderEnvironment.Unresolved::path).toList())
                + "); " + (unresolved.size() == 1 ? "its" : "each") + " error says why (a key to enter again, a Vault"
                + " reference that cannot be resolved); fix it at " + where(unresolved)
                + "; ?partial=true serves the rest";
    }

    /** The pages that fix what is unresolved: /admin/settings for a kind, /admin/shared-secrets for a shared secret. */
    private static String where(List<ProviderEnvironment.Unresolved> unresolved) {
        boolean shared = unresolved.stream().anyMatch(u -> ProviderEnvironment.SHARED_SECRET.equals(u.kind()));
        boolean kinds = unresolved.stream().anyMatch(u -> !ProviderEnvironment.SHARED_SECRET.equals(u.kind()));
        return shared && kinds ? "/admin/settings and /admin/shared-secrets" : shared ? "/admin/shared-secrets"
                : "/admin/settings";
    }

    private static String lines(ProviderEnvironment.RuntimeEnvironment current) {
        StringBuilder lines = new StringBuilder("# Keyhouse runtime config, configuration version ")
                .append(current.version()).append(": withheld (").append(STATUS).append("), nothing is served\n");
        current.unresolved().forEach(u -> lines.append("# ").append(line(u)).append('\n'));
        lines.append("# ").append(detail(current)).append('\n');
        return lines.toString();
    }

    /** e.g. "llm.apiKey (LLM_API_KEY, OPENAI_API_KEY) needs re-entry: written under key 3fa9c2e1, ...". */
    static String line(ProviderEnvironment.Unresolved unresolved) {
        return unresolved.path() + " (" + String.join(", ", unresolved.variables()) + ") " + unresolved.reason();
    }

    private static List<String> kinds(ProviderEnvironment.RuntimeEnvironment current) {
        return current.unresolved().stream().map(ProviderEnvironment.Unresolved::kind).distinct().toList();
    }
}
