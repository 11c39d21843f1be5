package dev.keyhouse.audit;

import java.util.List;

import dev.keyhouse.auth.Role;
import dev.keyhouse.web.QueryParams;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** {@code /admin/audit}: who did what and when. */
@Path("/admin/audit")
@Produces(MediaType.TEXT_HTML)
public class AuditPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(AuditLog.Slice slice, String actor, String kind, List<String> kinds);
    }

    private final AuditLog log;

    public AuditPage(AuditLog log) {
        this.log = log;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public TemplateInstance page(@QueryParam("actor") String actor, @QueryParam("kind") String kind,
            @QueryParam("page") String page) {
        return Templates.page(log.find(actor, kind, QueryParams.pageNumber(page)), actor == null ? "" : actor, kind == null ? "" : kind,
                log.kinds());
    }
}
