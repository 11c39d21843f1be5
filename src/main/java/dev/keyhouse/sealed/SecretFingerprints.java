package dev.keyhouse.sealed;

import static dev.keyhouse.config.EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS;

import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.Fingerprints;
import dev.keyhouse.crypto.Opened;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.Base64;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Fingerprints secrets under the one fingerprint key of this installation.
 *
 * <p>The key is 32 random bytes created on first use and kept as a sealed value (purpose
 * {@value #PURPOSE}) in a row with a fixed id, so it is never plaintext in the database, every replica uses the
 * same key, and the rotation job re-encrypts it like any other value while the fingerprints stay the same.
 */
@ApplicationScoped
public class SecretFingerprints {

    /** Purpose of the fingerprint key's row. */
    public static final String PURPOSE = "keyhouse/fingerprint-key";
    /** Well-known id of that row, so replicas starting together converge on one key. */
    public static final UUID KEY_ROW_ID = UUID.fromString("6b657968-6f75-4365-8000-000000000001");

    private static final Logger LOG = Logger.getLogger(SecretFingerprints.class);

    private final CredentialCipher cipher;
    private final EntityManager em;
    private volatile Fingerprints fingerprints;

    public SecretFingerprints(CredentialCipher cipher, EntityManager em) {
        this.cipher = cipher;
        this.em = em;
    }

    /** The fingerprint of a secret: 8 lowercase hex digits. */
    public String of(String secret) {
        return fingerprints().of(secret);
    }

    private Fingerprints fingerprints() {
        Fingerprints loaded = fingerprints;
        if (loaded == null) {
            synchronized (this) {
                loaded = fingerprints;
                if (loaded == null) {
                    // Own transaction: the key must be committed before any fingerprint made with it is kept.
                    loaded = QuarkusTransaction.requiringNew().call(this::loadOrCreate);
                    fingerprints = loaded;
                }
            }
        }
        return loaded;
    }

    /** Inserts a new key unless the row exists (another replica may win), then reads whichever key is stored. */
    Fingerprints loadOrCreate() {
        Ciphertext candidate = cipher.seal(KEY_ROW_ID, PURPOSE,
                Base64.getEncoder().encodeToString(Fingerprints.newKey()));
        int inserted = em.createNativeQuery("INSERT INTO sealed_values (id, purpose, key_id, ciphertext)"
                        + " VALUES (:id, :purpose, :keyId, :ciphertext) ON CONFLICT (id) DO NOTHING")
                .setParameter("id", KEY_ROW_ID)
                .setParameter("purpose", PURPOSE)
                .setParameter("keyId", candidate.keyId())
                .setParameter("ciphertext", candidate.bytes())
                .executeUpdate();
        if (inserted == 1) {
            LOG.infof("fingerprint key created in sealed value %s", KEY_ROW_ID);
        }
        SealedValue row = em.find(SealedValue.class, KEY_ROW_ID);
        Opened opened = cipher.open(row.id, row.purpose, row.ciphertext);
        if (opened instanceof Opened.Plaintext plaintext) {
            return new Fingerprints(Base64.getDecoder().decode(plaintext.value()));
        }
        Opened.Unreadable unreadable = (Opened.Unreadable) opened;
        throw new IllegalStateException("the fingerprint key (sealed value " + KEY_ROW_ID + ", purpose " + PURPOSE
                + ") cannot be read: " + unreadable.message() + hint(unreadable.reason()));
    }

    private static String hint(Opened.Reason reason) {
        return reason == Opened.Reason.KEY_NOT_CONFIGURED
                ? "; add that key to " + CREDENTIAL_ENCRYPTION_KEY_PREVIOUS
                : "; restore the row from a backup";
    }
}
