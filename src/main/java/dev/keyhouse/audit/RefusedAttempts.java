package dev.keyhouse.audit;

import dev.keyhouse.auth.Identities;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Records a signed-in caller's refused attempt (issue 20, item 10): a write their role does not allow (403,
 * {@code access.denied}) or a write without their session's CSRF token (403, {@code csrf.refused}), as the audit
 * action, kind {@code auth}, target {@code METHOD /path} (no query). Anonymous refusals are not recorded: they are
 * unauthenticated (401) or a visitor's sign-in form, whose failures {@code sign-in.failed} records. The record is
 * written in its own short transaction on a worker thread, after the request's work has ended, so it holds no pooled
 * connection while another is held; a failure to record is logged and never changes the answer.
 */
@ApplicationScoped
public class RefusedAttempts {

    /** The audit action of a request the caller's role does not allow. */
    public static final String ACCESS_DENIED = "access.denied";
    /** The audit action of a signed-in write without its session's CSRF token. */
    public static final String CSRF_REFUSED = "csrf.refused";

    private static final Logger LOG = Logger.getLogger(RefusedAttempts.class);

    private final CurrentIdentityAssociation identities;
    private final Audit audit;

    public RefusedAttempts(CurrentIdentityAssociation identities, Audit audit) {
        this.identities = identities;
        this.audit = audit;
    }

    /**
     * Records the current request's caller as refused {@code action} on {@code method path}, with {@code why}; completes
     * when recorded (or when there was nothing to record), never with a failure.
     */
    public Uni<Void> record(String action, String method, String path, String why) {
        return identities.getDeferredIdentity().onFailure().recoverWithNull()
                .chain(identity -> identity == null || identity.isAnonymous() ? Uni.createFrom().voidItem()
                        : write(Audit.Entry.of(Identities.actor(identity), action, "auth", method + " " + path)
                                .detail(why + roles(identity))))
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("could not record a refused %s %s in the audit log: %s", method, path,
                            e.getClass().getSimpleName());
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> write(Audit.Entry entry) {
        return Uni.createFrom().<Void>item(() -> {
            QuarkusTransaction.joiningExisting().run(() -> audit.record(entry));
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static String roles(SecurityIdentity identity) {
        return identity.getRoles().isEmpty() ? "" : " (role " + String.join(", ", identity.getRoles()) + ")";
    }
}
