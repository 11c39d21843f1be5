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
     * One variable (docs/rest-api.md): value null for secrets, fingerprint null for non-secrets; {@code vault}
     * ({@code path}, {@code kvVersion}) only when the source is {@code vault}. The keys, when set, carry {@code keyIds}
     * and no fingerprint: the encryption keys their key ids (as Key rotation and the rotation API show them), the JWT
     * signing keys the {@code kid} their tokens carry; {@code keyIds}
     * is null for every other variable. {@code note} says why the value is not in effect (a database variable the
     * database in use ignores), else null.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Variable(String name, String purpose, boolean required, boolean secret, String source, boolean set,
            String value, String fingerprint, boolean missing, EnvironmentReport.VaultOrigin vault,
            List<String> keyIds, String note) {
        static Variable of(EnvironmentReport.Entry e) {
            return new Variable(e.name(), e.purpose(), e.required(), e.secret(), e.source().name().toLowerCase()
                    .replace('_', '-'), e.set(), e.value(), e.fingerprint(), e.missing(), e.vault(), e.keyIds(),
                    e.note());
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
