package dev.keyhouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.crypto.CryptoConfig;
import dev.keyhouse.crypto.KeyText;
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
 *
 * <p>A start whose SYSTEM_ADMIN_PASSWORD did not change runs no bcrypt (issue 17: a check at cost 12 is about a
 * quarter of a second of every start): the account's row keeps {@link User#bootstrapPasswordCheck}, an HMAC-SHA256
 * under a key derived from CREDENTIAL_ENCRYPTION_KEY over the e-mail, the stored hash and the password. When it
 * matches, the stored hash is the one made (or verified) from this very password by an earlier start. When it does
 * not (first start after an upgrade, a new encryption key, a password changed on the Users page, which changes the
 * hash), the password is verified with bcrypt as before and the check written again. Sign-in always uses bcrypt.
 */
@Singleton
public class BootstrapAdmin {

    private static final Logger LOG = Logger.getLogger(BootstrapAdmin.class);

    /** The audit action of a reset from SYSTEM_ADMIN_PASSWORD. */
    public static final String RESET_ACTION = "user.password-reset";

    /** The label the check's key is derived under from CREDENTIAL_ENCRYPTION_KEY. */
    private static final byte[] CHECK_KEY_LABEL = "keyhouse bootstrap password check v1".getBytes(StandardCharsets.UTF_8);

    /** What a start did with the bootstrap account. */
    enum Outcome {
        /** SYSTEM_ADMIN_PASSWORD is not set. */
        NO_PASSWORD,
        CREATED,
        /** Unchanged, known by the keyed check alone: no bcrypt ran. */
        UNCHANGED,
        /** Unchanged, known by a bcrypt verification (no valid check was stored); the check is written. */
        VERIFIED,
        RESET
    }

    private final AdminConfig config;
    private final Audit audit;
    private final CryptoConfig crypto;

    public BootstrapAdmin(AdminConfig config, Audit audit, CryptoConfig crypto) {
        this.config = config;
        this.audit = audit;
        this.crypto = crypto;
    }

    @Transactional
    void onStart(@Observes StartupEvent event) {
        bootstrap();
    }

    /** Creates, keeps or resets the bootstrap account from the environment; says which. */
    @Transactional
    Outcome bootstrap() {
        String email = config.email().strip();
        Optional<String> password = config.password().filter(p -> !p.isBlank());
        if (password.isEmpty()) {
            if (User.count() == 0) {
                LOG.warnf("no administrator exists and SYSTEM_ADMIN_PASSWORD is not set: nobody can sign in");
            }
            return Outcome.NO_PASSWORD;
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
            admin.bootstrapPasswordCheck = check(email, admin.passwordHash, password.get());
            admin.persist();
            LOG.infof("created the bootstrap administrator %s", email);
            return Outcome.CREATED;
        }
        User admin = existing.get();
        String check = check(email, admin.passwordHash, password.get());
        if (check != null && admin.bootstrapPasswordCheck != null && MessageDigest.isEqual(
                check.getBytes(StandardCharsets.US_ASCII), admin.bootstrapPasswordCheck.getBytes(StandardCharsets.US_ASCII))) {
            return Outcome.UNCHANGED;
        }
        if (Passwords.matches(password.get(), admin.passwordHash)) {
            admin.bootstrapPasswordCheck = check;
            return Outcome.VERIFIED;
        }
        admin.passwordHash = Passwords.hash(password.get());
        admin.bootstrapPasswordCheck = check(email, admin.passwordHash, password.get());
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
        return Outcome.RESET;
    }

    /**
     * hex HMAC-SHA256(K, lower-case e-mail + "\n" + hash + "\n" + NFKC password), K = HMAC-SHA256(the current
     * encryption key, {@link #CHECK_KEY_LABEL}); null without an encryption key (then bcrypt decides every time).
     */
    private String check(String email, String hash, String password) {
        Optional<String> key = crypto.key().filter(k -> !k.isBlank());
        if (key.isEmpty()) {
            return null;
        }
        try {
            Mac derive = Mac.getInstance("HmacSHA256");
            derive.init(new SecretKeySpec(KeyText.decode(key.get()), "HmacSHA256"));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(derive.doFinal(CHECK_KEY_LABEL), "HmacSHA256"));
            String text = email.toLowerCase(Locale.ROOT) + "\n" + hash + "\n" + Passwords.normalise(password);
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null; // a key the start-up check refuses stops the start elsewhere; bcrypt decides meanwhile
        }
    }
}
