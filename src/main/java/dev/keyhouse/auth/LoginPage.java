package dev.keyhouse.auth;

import java.time.Duration;
import java.util.Optional;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.keyhouse.web.Locations;
import dev.keyhouse.web.SessionCookie;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The browser's sign-in form and sign-out; the session is a JWT in an HttpOnly, SameSite=Strict cookie, ended on
 * the server at sign-out.
 */
@Path("/")
@PermitAll
@Produces(MediaType.TEXT_HTML)
public class LoginPage {

    static final String HOME = "/admin";

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance form(String next, String email, String message);
    }

    private final SignIn signIn;
    private final SignOut signOut;
    private final SecurityIdentity identity;

    public LoginPage(SignIn signIn, SignOut signOut, SecurityIdentity identity) {
        this.signIn = signIn;
        this.signOut = signOut;
        this.identity = identity;
    }

    @GET
    @Path("login")
    public TemplateInstance form(@QueryParam("next") String next) {
        return Templates.form(safeNext(next), "", null);
    }

    /** Sign-in: guarded by the visitor CSRF token ({@link SignInForm}); a success drops the visitor cookie. */
    @POST
    @Path("login")
    @SignInForm
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response submit(@FormParam("email") String email, @FormParam("password") String password,
            @FormParam("next") String next, HttpServerRequest request) {
        String target = safeNext(next);
        String shownEmail = email == null ? "" : email.strip();
        SignIn.Outcome outcome = signIn.attempt(email, password, ClientAddress.of(request));
        if (outcome instanceof SignIn.Outcome.SignedIn in) {
            return Locations.seeOther(target)
                    .header("Set-Cookie", SessionCookie.issue(request, in.token(), in.lifetime()))
                    .header("Set-Cookie", SessionCookie.clearVisitor(request)).build();
        }
        if (outcome instanceof SignIn.Outcome.Throttled t) {
            return Response.status(429).header("Retry-After", t.retryAfter().toSeconds())
                    .entity(Templates.form(target, shownEmail, "Too many failed sign-ins. Try again in "
                            + wait(t.retryAfter()) + ".")).build();
        }
        return Response.status(401).entity(Templates.form(target, shownEmail, "Wrong e-mail or password.")).build();
    }

    /**
     * Signs out: clears the cookie and ends the session on the server, so a copy of the cookie stops working too.
     * The mechanism is the user's session generation (see {@link Sessions}), so every session of the user ends,
     * in other browsers and bearer tokens from the token endpoint included; API tokens are not sessions and stay.
     */
    @POST
    @Path("logout")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response logout(HttpServerRequest request) {
        sessionUser().ifPresent(signOut::endSessions);
        return Locations.seeOther("/login").header("Set-Cookie", SessionCookie.clear(request)).build();
    }

    /** The user behind the request's session JWT; empty for anonymous, API-token or already refused callers. */
    private Optional<Long> sessionUser() {
        try {
            // resolved here, outside any transaction: authentication runs its own lookup
            if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken)) {
                return Optional.empty();
            }
            return Identities.userId(identity);
        } catch (AuthenticationFailedException e) {
            // an ended, expired or forged session: nothing left to end, and signing out must still work
            return Optional.empty();
        }
    }

    @GET
    public Response root() {
        return Locations.seeOther(HOME).build();
    }

    /** A wait in words: seconds under two minutes, whole minutes (rounded up) from there. */
    static String wait(Duration wait) {
        long seconds = Math.max(1, wait.toSeconds());
        return seconds < 120 ? seconds + (seconds == 1 ? " second" : " seconds") : (seconds + 59) / 60 + " minutes";
    }

    /** Only a local path: an open redirect would let a phishing link bounce through the sign-in page. */
    static String safeNext(String next) {
        if (!Locations.isLocalPath(next) || next.startsWith("/login")) {
            return HOME;
        }
        return next;
    }
}
