package dev.keyhouse.audit;

import java.time.Instant;
import java.util.List;

import dev.keyhouse.auth.Role;
import dev.keyhouse.web.QueryParams;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/audit?actor=&kind=&page=}: the audit log for automation, newest first. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    public record Event(long id, Instant at, String actor, String action, String kind, String target, String detail,
            String oldFingerprint, String newFingerprint) {
        static Event of(AuditEvent e) {
            return new Event(e.id, e.at, e.actor, e.action, e.kind, e.target, e.detail, e.oldFingerprint,
                    e.newFingerprint);
        }
    }

    public record Page(int page, int pageSize, long total, List<Event> items) {
    }

    private final AuditLog log;

    public AuditResource(AuditLog log) {
        this.log = log;
    }

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Page events(@QueryParam("actor") String actor, @QueryParam("kind") String kind,
            @QueryParam("page") String page) {
        AuditLog.Slice slice = log.find(actor, kind, QueryParams.pageNumber(page));
        return new Page(slice.page(), slice.pageSize(), slice.total(), slice.events().stream().map(Event::of).toList());
    }
}
