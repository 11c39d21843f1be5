package dev.keyhouse.environment;

import java.util.List;

import dev.keyhouse.auth.Role;
import dev.keyhouse.config.DatabaseInUse;
import dev.keyhouse.settings.RuntimeToken;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code /admin/environment}: what the platform runs with, masked and read-only, and whether runtimes can fetch
 * their configuration at all (PROVISIONER_INTERNAL_TOKEN unset or refused).
 */
@Path("/admin/environment")
@Produces(MediaType.TEXT_HTML)
public class EnvironmentPage {

    @CheckedTemplate
    static class Templates {
        /**
         * @param tokenWarning the runtimes' token unset or refused ({@link RuntimeToken#recentWarning(boolean)}, the
         *     refused names for admins only), or null
         */
        static native TemplateInstance page(List<EnvironmentReport.Entry> entries, long missing, DatabaseInUse database,
                String tokenWarning);
    }

    private final EnvironmentReport report;
    private final RuntimeToken token;
    private final SecurityIdentity identity;

    public EnvironmentPage(EnvironmentReport report, RuntimeToken token, SecurityIdentity identity) {
        this.report = report;
        this.token = token;
        this.identity = identity;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance page() {
        List<EnvironmentReport.Entry> entries = report.entries();
        return Templates.page(entries, entries.stream().filter(EnvironmentReport.Entry::missing).count(),
                report.database().orElse(null), token.recentWarning(identity.hasRole(Role.ADMIN_NAME)));
    }
}
