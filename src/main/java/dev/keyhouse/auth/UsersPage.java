package dev.keyhouse.auth;

import java.util.List;
import java.util.Map;

import dev.keyhouse.input.FieldRules;
import dev.keyhouse.web.ConfirmStep;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.Flash;
import dev.keyhouse.web.NotFound;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * /admin/users: users and API tokens, for admins to change and viewers to look at. Disabling a user, changing a role,
 * setting a password and revoking a token ask first, in a form step that works without JavaScript
 * ({@link ConfirmStep}).
 */
@Path("/admin/users")
@Produces(MediaType.TEXT_HTML)
public class UsersPage {

    private static final Map<String, String> FLASH = Map.of(
            "user-added", "User added.",
            "user-changed", "User updated.",
            "password-set", "Password set; every session of that user has ended.",
            "token-revoked", "API token revoked.");

    /**
     * What the add-user form showed when it failed, so the admin does not type it again; {@code password} only in the
     * answer to the POST that typed it (sent {@code no-store}), refused or not (else null).
     */
    public record Draft(String email, String role, String password) {

        /** The form as a GET shows it. */
        static final Draft EMPTY = new Draft("", Role.VIEWER_NAME, null);
    }

    /**
     * What the API-token form showed, kept after an error so the admin does not type it again.
     *
     * @param posted true when {@code errors} are this form's (its POST was refused), false for the add-user form's
     */
    public record TokenDraft(String name, String role, boolean posted) {

        /** The form as a GET shows it, and beside any other form's errors. */
        static final TokenDraft EMPTY = new TokenDraft("", Role.VIEWER_NAME, false);
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(List<User> users, List<ApiToken> tokens, String flash,
                Draft draft, FieldErrors errors, ApiTokens.Created created, TokenDraft tokenDraft);

        /** The form step before disabling a user, changing a role, setting a password and revoking a token. */
        static native TemplateInstance confirm(ConfirmStep step);
    }

    private final UserAdmin admin;
    private final SecurityIdentity identity;
    private final HttpServerRequest request;

    public UsersPage(UserAdmin admin, SecurityIdentity identity, HttpServerRequest request) {
        this.admin = admin;
        this.identity = identity;
        this.request = request;
    }

    /** The page; the message of a change just made comes from the flash cookie its redirect set, shown once. */
    @GET
    @RolesAllowed({Role.ADMIN_NAME, Role.VIEWER_NAME})
    public Response page(@CookieParam(Flash.COOKIE) String flash) {
        return Flash.shown(request, flash, render(Flash.message(flash, FLASH), Draft.EMPTY, new FieldErrors(), null));
    }

    @POST
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response add(@FormParam("email") String email, @FormParam("password") String password,
            @FormParam("role") String role) {
        try {
            admin.add(Identities.actor(identity), email, password, role);
        } catch (FieldErrors errors) {
            // the typed password is kept in its field, in this answer only (never cached), refused or not: the
            // message next to it says what to change (issue 20, point 7)
            Draft draft = new Draft(email, role, FieldRules.shownAgain(password));
            return Response.status(400)
                    .entity(render(null, draft, errors, null)).build();
        }
        return done("user-added");
    }

    @POST
    @Path("{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response change(@PathParam("id") long id, @FormParam("action") String action,
            @FormParam("role") String role, @FormParam("password") String password,
            @FormParam(ConfirmStep.FIELD) String confirmed) {
        if (!ConfirmStep.confirmed(confirmed)) {
            try {
                // a change that would be refused is refused now, not after its step was confirmed
                switch (action == null ? "" : action) {
                    case "disable" -> {
                        admin.refuseNoChange(id, true, null);
                        admin.refuseLastAdmin(id, true, null);
                    }
                    case "role" -> {
                        admin.refuseNoChange(id, null, role);
                        admin.refuseLastAdmin(id, null, role);
                    }
                    default -> {
                    }
                }
            } catch (FieldErrors errors) {
                return refused(id, errors);
            }
            TemplateInstance step = switch (action == null ? "" : action) {
                case "disable" -> confirmDisable(id);
                // read as UserAdmin reads it; a role that is none is refused below, with the page
                case "role" -> Role.parse(role == null ? "" : role.strip().toLowerCase(java.util.Locale.ROOT))
                        .map(r -> confirmRole(id, r)).orElse(null);
                // a password typed on the list is not carried into the step (no secret rendered back): typed there
                case "password" -> confirmPassword(id);
                default -> null;
            };
            if (step != null) {
                return Response.ok(step).build();
            }
        }
        try {
            switch (action == null ? "" : action) {
                case "disable" -> admin.update(Identities.actor(identity), id, true, null);
                case "enable" -> admin.update(Identities.actor(identity), id, false, null);
                case "role" -> admin.update(Identities.actor(identity), id, null, role);
                case "password" -> {
                    try {
                        admin.update(Identities.actor(identity), id, null, null, password == null ? "" : password);
                    } catch (FieldErrors errors) {
                        return passwordRefused(id, password, errors);
                    }
                    return done("password-set");
                }
                default -> new FieldErrors().add("action", "must be disable, enable, role or password").throwIfAny();
            }
        } catch (FieldErrors errors) {
            return refused(id, errors);
        }
        return done("user-changed");
    }

    /**
     * A change of user {@code id} refused: the list again, the errors shown above the add-user form, apart from that
     * form's own fields, in words about the user changed ("The new password of bob@example.com must be ..."), never
     * the form's field names. 409 when it would leave no enabled administrator ({@link UserAdmin#LAST_ADMIN}: a
     * state that forbids it, whether asked at the step or at its confirmation), else 400.
     */
    private Response refused(long id, FieldErrors errors) {
        FieldErrors shown = new FieldErrors();
        String who = admin.users().stream().filter(u -> u.id == id).map(u -> u.email).findFirst()
                .orElse("user " + id);
        errors.errors().forEach(e -> shown.add(ROW_ERROR, rowError(e.field(), who, e.message())));
        boolean lastAdmin = errors.errors().stream().anyMatch(e -> UserAdmin.LAST_ADMIN.equals(e.message()));
        return Response.status(lastAdmin ? 409 : 400).entity(render(null, Draft.EMPTY, shown, null)).build();
    }

    /**
     * A new password refused: the step again, with the password as its POST typed it and why, in this 400 answer only
     * ({@code no-store}), so the admin corrects it there (issue 20, point 7); any other refusal as {@link #refused}.
     */
    private Response passwordRefused(long id, String typed, FieldErrors errors) {
        String problem = errors.messageFor("password");
        if (problem == null || errors.errors().size() > 1) {
            return refused(id, errors);
        }
        User user = user(id);
        return Response.status(400).entity(Templates.confirm(
                passwordStep(user).refused(FieldRules.shownAgain(typed), rowError("password", user.email, problem)))).build();
    }

    /**
     * The form step before disabling a user: what it does, and the button that does it ({@code action=disable},
     * {@code confirmed=yes} to {@code POST /admin/users/{id}}); that POST without {@code confirmed=yes} answers this.
     * Not offered for the last enabled administrator: 409 with the list, saying why ({@link UserAdmin#LAST_ADMIN});
     * nor for a user already disabled: 409 saying so ({@link UserAdmin#refuseNoChange}).
     */
    @GET
    @Path("{id}/disable")
    @RolesAllowed(Role.ADMIN_NAME)
    public Response disableStep(@PathParam("id") long id) {
        admin.refuseNoChange(id, true, null);
        try {
            admin.refuseLastAdmin(id, true, null);
        } catch (FieldErrors errors) {
            return refused(id, errors);
        }
        return Response.ok(confirmDisable(id)).build();
    }

    private TemplateInstance confirmDisable(long id) {
        User user = user(id);
        return Templates.confirm(step(user, "disable", "Disable user " + user.email + "?", "Every session of "
                + user.email + " ends at once, their API tokens stop working, and they cannot sign in until an admin"
                + " enables them again. Nothing of theirs is deleted.", "Disable " + user.email, "Keep them enabled",
                null));
    }

    /**
     * The form step before changing a user's role: what the new role may do, and the button that does it
     * ({@code action=role}, {@code role}, {@code confirmed=yes} to {@code POST /admin/users/{id}}).
     */
    private TemplateInstance confirmRole(long id, Role role) {
        User user = user(id);
        String what = role == Role.ADMIN ? "an admin: may change anything, settings and keys included"
                : "a viewer: may look, change nothing";
        String sessions = user.role == Role.ADMIN && role != Role.ADMIN ? " Every session of " + user.email
                + " ends at once, and their API tokens act with no more than the new role." : "";
        return Templates.confirm(new ConfirmStep("Make " + user.email + " " + role.id() + "?",
                user.email + " becomes " + what + "." + sessions, "/admin/users/" + id,
                List.of(new ConfirmStep.Field("action", "role"), new ConfirmStep.Field("role", role.id())),
                "Make " + user.email + " " + role.id(), "/admin/users", "Keep the role " + user.role.id()));
    }

    /**
     * The form step before setting another password for a user, with the password field in it: what it does, and the
     * button that does it ({@code action=password}, {@code password}, {@code confirmed=yes} to
     * {@code POST /admin/users/{id}}); that POST without {@code confirmed=yes} answers this, the password it carried
     * dropped.
     */
    @GET
    @Path("{id}/password")
    @RolesAllowed(Role.ADMIN_NAME)
    public TemplateInstance confirmPassword(@PathParam("id") long id) {
        return Templates.confirm(passwordStep(user(id)));
    }

    private static ConfirmStep passwordStep(User user) {
        return step(user, "password", "Set a new password for " + user.email + "?", "The password "
                + user.email + " signs in with is replaced, and every session of " + user.email + " ends at once."
                + " Tell them the new password another way.", "Set the password of " + user.email,
                "Keep the current password", new ConfirmStep.Input("password", "New password of " + user.email
                        + " (at least 12 characters)", 12));
    }

    /** A step whose POST goes to {@code POST /admin/users/{id}} with {@code action}, and back to the list. */
    private static ConfirmStep step(User user, String action, String question, String consequence, String button,
            String keep, ConfirmStep.Input input) {
        return new ConfirmStep(question, consequence, "/admin/users/" + user.id,
                List.of(new ConfirmStep.Field("action", action)), button, "/admin/users", keep, input);
    }

    private User user(long id) {
        return admin.users().stream().filter(u -> u.id == id).findFirst()
                .orElseThrow(() -> new NotFound("user " + id));
    }

    /**
     * A change of an existing user refused, as one sentence about that user: "The new password of bob@example.com
     * must be at least 12 characters", "The role of bob@example.com must be admin or viewer", "bob@example.com cannot
     * be disabled: this is the last enabled administrator; ...".
     */
    static String rowError(String field, String who, String message) {
        return switch (field) {
            case "password" -> "The new password of " + who + " " + message;
            case "role" -> "The role of " + who + " cannot change: " + message;
            case "disabled" -> who + " cannot be disabled: " + message;
            case "action" -> "Nothing was changed for " + who + ": the action " + message;
            default -> who + ": " + message;
        };
    }

    /** The field name under which a change to an existing user reports its errors. */
    static final String ROW_ERROR = "user";

    @POST
    @Path("tokens")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response createToken(@FormParam("name") String name, @FormParam("role") String role) {
        try {
            ApiTokens.Created created = admin.createToken(Identities.actor(identity),
                    Identities.userId(identity).orElse(null), name, role);
            // shown once, in this response only: never put a token in a redirect URL
            return Response.ok(render("API token created. Copy it now: it is not shown again.",
                    Draft.EMPTY, new FieldErrors(), created)).build();
        } catch (FieldErrors errors) {
            return Response.status(400).entity(Templates.page(admin.users(), admin.tokens(), null, Draft.EMPTY,
                    errors, null, new TokenDraft(name == null ? "" : name, role, true))).build();
        }
    }

    /** The form step before revoking an API token: what it does, and the button that does it; 409 when revoked. */
    @GET
    @Path("tokens/{id}/revoke")
    @RolesAllowed(Role.ADMIN_NAME)
    public TemplateInstance confirmRevoke(@PathParam("id") long id) {
        ApiToken token = admin.refuseRevoked(id);
        return Templates.confirm(new ConfirmStep("Revoke API token " + token.name + "?",
                "Every request that presents it is refused from now on. A revoked token cannot be restored: whoever"
                        + " uses it needs a new one.",
                "/admin/users/tokens/" + id + "/revoke", List.of(), "Revoke " + token.name, "/admin/users",
                "Keep it"));
    }

    /**
     * Without {@code confirmed=yes}: the form step ({@link #confirmRevoke}), nothing revoked; with it, revoked. A token
     * already revoked is a 409 saying so at either step ({@link UserAdmin#refuseRevoked}).
     */
    @POST
    @Path("tokens/{id}/revoke")
    @RolesAllowed(Role.ADMIN_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response revoke(@PathParam("id") long id, @FormParam(ConfirmStep.FIELD) String confirmed) {
        if (!ConfirmStep.confirmed(confirmed)) {
            return Response.ok(confirmRevoke(id)).build();
        }
        admin.revokeToken(Identities.actor(identity), id);
        return done("token-revoked");
    }

    private TemplateInstance render(String flash, Draft draft, FieldErrors errors, ApiTokens.Created created) {
        return Templates.page(admin.users(), admin.tokens(), flash, draft, errors, created, TokenDraft.EMPTY);
    }

    private Response done(String what) {
        return Flash.seeOther(request, "/admin/users", what);
    }
}
