package dev.keyhouse.web;


import dev.keyhouse.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/** {@code /admin}: the landing page after sign-in. */
@Path("/admin")
public class AdminHome {

    static final String LANDING = "/admin/settings";

    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response home() {
        return Locations.seeOther(LANDING).build();
    }
}
