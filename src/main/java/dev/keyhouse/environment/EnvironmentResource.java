package dev.keyhouse.environment;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.keyhouse.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/environment}: the Environment page's data; secrets as fingerprints only. Nothing to edit. */
@Path("/api/v1/environment")
@Produces(MediaType.APPLICATION_JSON)
public class EnvironmentResource {

    /**
     * DESIGN's contract: value null for secrets, fingerprint null for non-secrets; {@code vault} ({@code path},
     * {@code kvVersion}) only when the source is {@code vault}. The encryption keys, when set, carry {@code keyIds}
     * (their key ids, as Key rotation and the rotation API show them) and no fingerprint; {@code keyIds} is null for
     * every other variable.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Variable(String name, String purpose, boolean required, boolean secret, String source, boolean set,
            String value, String fingerprint, boolean missing, EnvironmentReport.VaultOrigin vault,
            List<String> keyIds) {
        static Variable of(EnvironmentReport.Entry e) {
            return new Variable(e.name(), e.purpose(), e.required(), e.secret(), e.source().name().toLowerCase()
                    .replace('_', '-'), e.set(), e.value(), e.fingerprint(), e.missing(), e.vault(), e.keyIds());
        }
    }

    private final EnvironmentReport report;

    public EnvironmentResource(EnvironmentReport report) {
        this.report = report;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<Variable> environment() {
        return report.entries().stream().map(Variable::of).toList();
    }
}
