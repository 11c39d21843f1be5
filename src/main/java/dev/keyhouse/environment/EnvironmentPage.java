package dev.keyhouse.environment;

import java.util.List;

import dev.keyhouse.auth.Role;
import dev.keyhouse.config.DatabaseInUse;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code /admin/environment}: what the platform runs with, masked and read-only. */
@Path("/admin/environment")
@Produces(MediaType.TEXT_HTML)
public class EnvironmentPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(List<EnvironmentReport.Entry> entries, long missing, DatabaseInUse database);
    }

    private final EnvironmentReport report;

    public EnvironmentPage(EnvironmentReport report) {
        this.report = report;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance page() {
        List<EnvironmentReport.Entry> entries = report.entries();
        return Templates.page(entries, entries.stream().filter(EnvironmentReport.Entry::missing).count(),
                report.database().orElse(null));
    }
}
