package dev.keyhouse.auth;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import dev.keyhouse.web.JsonBodies;
import dev.keyhouse.web.Locations;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** REST twin of /admin/users: users and API tokens. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class UsersResource {

    public record UserView(long id, String email, String role, boolean disabled, boolean bootstrap,
            Instant createdAt, Instant lastSignInAt) {
        static UserView of(User u) {
            return new UserView(u.id, u.email, u.role.id(), u.disabled, u.bootstrap, u.createdAt, u.lastSignInAt);
        }
    }

    public record NewUser(String email, String password, String role) {
        @Override
        public String toString() {
            return "NewUser[" + email + ", " + role + "]";
        }
    }

    /** A change to a user; a field left out (null) is left as it is. Setting a password ends the user's sessions. */
    public record UserChange(Boolean disabled, String role, String password) {
        @Override
        public String toString() {
            return "UserChange[" + disabled + ", " + role + (password == null ? "" : ", password") + "]";
        }
    }

    public record TokenView(long id, String name, String role, String hint, Instant createdAt, Instant lastUsedAt,
            Instant revokedAt) {
        static TokenView of(ApiToken t) {
            return new TokenView(t.id, t.name, t.role.id(), t.hint + "…", t.createdAt, t.lastUsedAt, t.revokedAt);
        }
    }

    public record NewToken(String name, String role) {
    }

    /** Returned once, at creation: the only response that carries the token. */
    public record CreatedToken(long id, String name, String role, String token) {
        @Override
        public String toString() {
            return "CreatedToken[" + id + ", " + name + "]";
        }
    }

    private final UserAdmin admin;
    private final SecurityIdentity identity;
    private final JsonBodies bodies;

    public UsersResource(UserAdmin admin, SecurityIdentity identity, JsonBodies bodies) {
        this.admin = admin;
        this.bodies = bodies;
        this.identity = identity;
    }

    @GET
    @Path("users")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<UserView> users() {
        return admin.users().stream().map(UserView::of).toList();
    }

    @POST
    @Path("users")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response add(NewUser body) {
        NewUser input = body == null ? new NewUser(null, null, null) : body;
        User user = admin.add(Identities.actor(identity), input.email(), input.password(), input.role());
        return Locations.created("/api/v1/users/" + user.id).entity(UserView.of(user)).build();
    }

    @PATCH
    @Path("users/{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public UserView update(@PathParam("id") long id,
            @RequestBody(content = @Content(schema = @Schema(implementation = UserChange.class))) String body) {
        admin.exists(id); // 404 before the body is read
        UserChange read = bodies.read(body, UserChange.class);
        UserChange change = read == null ? new UserChange(null, null, null) : read;
        return UserView.of(admin.update(Identities.actor(identity), id, change.disabled(), change.role(),
                change.password()));
    }

    @GET
    @Path("tokens")
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public List<TokenView> tokens() {
        return admin.tokens().stream().map(TokenView::of).toList();
    }

    @POST
    @Path("tokens")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response createToken(NewToken body) {
        NewToken input = body == null ? new NewToken(null, null) : body;
        ApiTokens.Created created = admin.createToken(Identities.actor(identity),
                Identities.userId(identity).orElse(null), input.name(), input.role());
        ApiToken token = created.token();
        return Locations.created("/api/v1/tokens/" + token.id)
                .entity(new CreatedToken(token.id, token.name, token.role.id(), created.value())).build();
    }

    @DELETE
    @Path("tokens/{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public TokenView revoke(@PathParam("id") long id) {
        return TokenView.of(admin.revokeToken(Identities.actor(identity), id));
    }
}
