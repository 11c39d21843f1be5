package dev.keyhouse.auth;

import dev.keyhouse.audit.Audit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/** Ends a user's sessions when they sign out, and records it. */
@ApplicationScoped
public class SignOut {

    private final Audit audit;

    public SignOut(Audit audit) {
        this.audit = audit;
    }

    /** Ends every session of the user (see {@link Sessions}); audited as {@code sign-out}. */
    @Transactional
    public void endSessions(long userId) {
        User user = User.findById(userId);
        if (user == null) {
            return;
        }
        Sessions.endAll(userId);
        audit.record(Audit.Entry.of(user.email, "sign-out", "auth", user.email).detail("every session ended"));
    }
}
