package dev.keyhouse.web;

import dev.keyhouse.auth.Role;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;

/** Who is signed in, for templates ({@code inject:session}). */
@Named("session")
@RequestScoped
public class SessionView {

    private final SecurityIdentity identity;

    public SessionView(SecurityIdentity identity) {
        this.identity = identity;
    }

    public boolean isSignedIn() {
        return signedIn() != null;
    }

    public String getName() {
        SecurityIdentity signedIn = signedIn();
        return signedIn == null ? "" : signedIn.getPrincipal().getName();
    }

    public String getRole() {
        return isAdmin() ? Role.ADMIN_NAME : Role.VIEWER_NAME;
    }

    public boolean isAdmin() {
        SecurityIdentity signedIn = signedIn();
        return signedIn != null && signedIn.hasRole(Role.ADMIN_NAME);
    }

    /**
     * The signed-in identity, or null. A refused credential (expired, forged, a disabled user's) counts as signed
     * out: public pages such as /login render for it instead of failing; protected ones never get this far.
     */
    private SecurityIdentity signedIn() {
        try {
            return identity.isAnonymous() ? null : identity;
        } catch (RuntimeException e) {
            if (e instanceof AuthenticationException) {
                return null;
            }
            throw e;
        }
    }
}
