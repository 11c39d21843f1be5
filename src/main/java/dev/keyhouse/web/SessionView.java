package dev.keyhouse.web;

import dev.keyhouse.auth.Role;
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
        return !identity.isAnonymous();
    }

    public String getName() {
        return identity.isAnonymous() ? "" : identity.getPrincipal().getName();
    }

    public String getRole() {
        return identity.hasRole(Role.ADMIN_NAME) ? Role.ADMIN_NAME : Role.VIEWER_NAME;
    }

    public boolean isAdmin() {
        return identity.hasRole(Role.ADMIN_NAME);
    }
}
