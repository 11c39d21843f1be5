package dev.keyhouse.auth;

import java.time.Instant;
import java.util.Optional;

import dev.keyhouse.audit.Audit;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Creates the bootstrap administrator from SYSTEM_ADMIN_EMAIL / SYSTEM_ADMIN_PASSWORD on first start, and resets
 * its password when the environment's value changes: rotating that variable is how an operator recovers access. A
 * reset ends every session of the administrator issued before it (whoever held the old password is signed out) and
 * is audited as {@code user.password-reset} by {@code system}, without the password. The reset is the recovery from a
 * lost or stolen password: it ends every session of the account and revokes every API token the account made (a
 * stolen session could have minted one).
 */
@Singleton
public class BootstrapAdmin {

    private static final Logger LOG = Logger.getLogger(BootstrapAdmin.class);

    /** The audit action of a reset from SYSTEM_ADMIN_PASSWORD. */
    public static final String RESET_ACTION = "user.password-reset";

    private final AdminConfig config;
    private final Audit audit;

    public BootstrapAdmin(AdminConfig config, Audit audit) {
        this.config = config;
        this.audit = audit;
    }

    @Transactional
    void onStart(@Observes StartupEvent event) {
        String email = config.email().strip();
        Optional<String> password = config.password().filter(p -> !p.isBlank());
        if (password.isEmpty()) {
            if (User.count() == 0) {
                LOG.warnf("no administrator exists and SYSTEM_ADMIN_PASSWORD is not set: nobody can sign in");
            }
            return;
        }
        // a weak configured password is warned about at every start, never refused: it may be the one that works
        // today (refusing would lock the operator out), and it is the operator's way back in
        Passwords.weakness(password.get(), email).ifPresent(weakness -> LOG.warnf("SYSTEM_ADMIN_PASSWORD %s"
                + " Anyone who guesses it is an administrator: set a stronger one (e.g. openssl rand -base64 18)"
                + " and restart, which resets the account's password.", weakness));
        Optional<User> existing = User.findByEmail(email);
        if (existing.isEmpty()) {
            User admin = new User();
            admin.email = email;
            admin.passwordHash = Passwords.hash(password.get());
            admin.role = Role.ADMIN;
            admin.bootstrap = true;
            admin.persist();
            LOG.infof("created the bootstrap administrator %s", email);
            return;
        }
        User admin = existing.get();
        if (!Passwords.matches(password.get(), admin.passwordHash)) {
            admin.passwordHash = Passwords.hash(password.get());
            admin.updatedAt = Instant.now();
            Sessions.endAll(admin.id);
            // the documented recovery: whatever a stolen session minted must stop working too
            long revoked = ApiToken.update("revokedAt = ?1 where createdBy = ?2 and revokedAt is null", Instant.now(),
                    admin.id);
            audit.record(Audit.Entry.of("system", RESET_ACTION, "user", admin.email)
                    .detail("from SYSTEM_ADMIN_PASSWORD at start-up; every session of this user ended, " + revoked
                            + " API token(s) it made revoked"));
            LOG.infof("reset the password of %s from SYSTEM_ADMIN_PASSWORD; its sessions are ended and %d API token(s)"
                    + " it made revoked", email, revoked);
        }
    }
}
