package dev.keyhouse.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.web.FieldErrors;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Checks a password sign-in, throttles guessing and issues the session token.
 *
 * <p>The account is read in one short transaction and the outcome recorded in another; the bcrypt check between
 * them (tens to hundreds of milliseconds of CPU) holds no pooled connection, so a burst of sign-ins (a team after a
 * restart, a script) never starves the pool the rest of Keyhouse answers from.
 */
@ApplicationScoped
public class SignIn {

    private static final Logger LOG = Logger.getLogger(SignIn.class);

    /** What came of an attempt. */
    public sealed interface Outcome {
        record SignedIn(User user, String token, Duration lifetime) implements Outcome {
            @Override
            public String toString() {
                return "SignedIn[" + user + "]";
            }
        }

        record Rejected() implements Outcome {
        }

        record Throttled(Duration retryAfter) implements Outcome {
        }
    }

    private final SignInThrottle throttle;
    private final SessionTokens tokens;
    private final Audit audit;
    private final SignInMetrics metrics;

    public SignIn(SignInThrottle throttle, SessionTokens tokens, Audit audit, SignInMetrics metrics) {
        this.throttle = throttle;
        this.tokens = tokens;
        this.audit = audit;
        this.metrics = metrics;
    }

    /** Checks {@code password} for {@code email} from {@code address}; joins a caller's transaction, if any. */
    public Outcome attempt(String email, String password, String address) {
        Outcome outcome = check(email, password, address);
        metrics.record(outcome);
        return outcome;
    }

    private Outcome check(String email, String password, String address) {
        // a control character (NUL, say) can be in no account's address, and PostgreSQL refuses a NUL in any text:
        // the e-mail field is named as wrong, before it reaches the lookup
        FieldErrors refused = new FieldErrors();
        FieldRules.clean(FieldType.TEXT, "email", email, refused);
        refused.throwIfAny();
        String account = email == null ? "" : email.strip();
        Optional<User> user = account.isEmpty() ? Optional.empty()
                : QuarkusTransaction.joiningExisting().call(() -> User.findByEmail(account));
        // What was typed is named only when it is a real account: a password pasted into the e-mail field must
        // not reach the log or the audit table.
        String named = user.map(u -> u.email).orElse("an unknown account");
        Optional<Duration> wait = throttle.retryAfter(account, address);
        if (wait.isPresent()) {
            LOG.warnf("sign-in throttled for %s from %s: retry after %ds", named, address, wait.get().toSeconds());
            record(Audit.Entry.of("anonymous", "sign-in.throttled", "auth", named).detail("from " + address));
            return new Outcome.Throttled(wait.get());
        }
        if (user.isEmpty()) {
            Passwords.spendTimeOfACheck(password);
        }
        if (user.isEmpty() || user.get().disabled || !Passwords.matches(password, user.get().passwordHash)) {
            throttle.recordFailure(account, address);
            LOG.infof("sign-in failed for %s from %s", named, address);
            record(Audit.Entry.of("anonymous", "sign-in.failed", "auth", named).detail("from " + address));
            return new Outcome.Rejected();
        }
        throttle.recordSuccess(account, address);
        User signedIn = user.get();
        signedIn.lastSignInAt = Instant.now();
        LOG.infof("sign-in: %s from %s", signedIn.email, address);
        QuarkusTransaction.joiningExisting().run(() -> {
            User.update("lastSignInAt = ?1 where id = ?2", signedIn.lastSignInAt, signedIn.id);
            audit.record(Audit.Entry.of(signedIn.email, "sign-in", "auth", signedIn.email).detail("from " + address));
        });
        return new Outcome.SignedIn(signedIn, tokens.issue(signedIn), tokens.lifetime());
    }

    private void record(Audit.Entry entry) {
        QuarkusTransaction.joiningExisting().run(() -> audit.record(entry));
    }
}
