package dev.keyhouse.web;

import dev.keyhouse.auth.Role;
import io.quarkus.runtime.BlockingOperationControl;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;

/** Who is signed in, for templates ({@code inject:session}). */
@Named("session")
@RequestScoped
public class SessionView {

    /** Null when nobody is signed in or who it is cannot be known without blocking. */
    private final SecurityIdentity identity;

    public SessionView(CurrentIdentityAssociation association, CurrentVertxRequest request) {
        this.identity = known(association, request.getCurrent());
    }

    /** Who is signed in, as known without blocking ({@link #known}); null when nobody is. */
    public SecurityIdentity identity() {
        return isSignedIn() ? identity : null;
    }

    public boolean isSignedIn() {
        return identity != null && !identity.isAnonymous();
    }

    public String getName() {
        return isSignedIn() ? identity.getPrincipal().getName() : "";
    }

    public String getRole() {
        return isAdmin() ? Role.ADMIN_NAME : Role.VIEWER_NAME;
    }

    public boolean isAdmin() {
        return isSignedIn() && identity.hasRole(Role.ADMIN_NAME);
    }

    /**
     * Authentication is lazy, so an error page rendered on the event loop (a 404 for a path no resource matches)
     * must not resolve the identity there: it would block. It uses the identity only if one was already established.
     * A refused credential (expired, forged, a disabled user's) counts as signed out: public pages such as /login
     * render for it instead of failing; protected ones never get this far.
     */
    private static SecurityIdentity known(CurrentIdentityAssociation association, RoutingContext context) {
        try {
            if (BlockingOperationControl.isBlockingAllowed()) {
                return association.getIdentity();
            }
            return context != null && context.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        } catch (RuntimeException e) {
            if (e instanceof AuthenticationException) {
                return null;
            }
            throw e;
        }
    }
}
