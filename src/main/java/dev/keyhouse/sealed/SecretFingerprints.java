package dev.keyhouse.sealed;

import static dev.keyhouse.config.EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS;

import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.Fingerprints;
import dev.keyhouse.crypto.Opened;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
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
 *
 * <p>The key is loaded (or created) once, at start-up, before the HTTP server takes requests: a request that
 * fingerprints a secret holds a pooled connection in its own transaction, and must never wait for a second one (the
 * fleet's thundering herd after a restart would take every connection and wait forever, issue 17). A start-up that
 * cannot read any generation of the key and cannot create one fails, naming why.
 */
@ApplicationScoped
public class SecretFingerprints {

    /** Purpose of the fingerprint key's row. */
    public static final String PURPOSE = "keyhouse/fingerprint-key";
    /** Well-known id of the first generation's row, so replicas starting together converge on one key. */
    public static final UUID KEY_ROW_ID = UUID.fromString("6b657968-6f75-4365-8000-000000000001");

    private static final Logger LOG = Logger.getLogger(SecretFingerprints.class);

    private final CredentialCipher cipher;
    private final EntityManager em;
    private volatile Fingerprints fingerprints;

    public SecretFingerprints(CredentialCipher cipher, EntityManager em) {
        this.cipher = cipher;
        this.em = em;
    }

    /**
     * Loads the key before anything is served, in a transaction of its own and outside any other (the start-up
     * observers that run later, such as the provider bootstrap, find it loaded).
     */
    void load(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent started) {
        fingerprints();
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
                    // Own transaction: the key must be committed before any fingerprint made with it is kept. Only
                    // reached at start-up (see load), when no request holds a connection.
                    loaded = QuarkusTransaction.requiringNew().call(this::loadOrCreate);
                    fingerprints = loaded;
                }
            }
        }
        return loaded;
    }

    /**
     * Uses the newest fingerprint key this ring can read. When none can be read (the key it was sealed under is
     * gone for good), a new generation is created beside the old row, which is never overwritten: the app stays
     * usable, and supplying the old key later makes nothing worse. Replicas converge because each generation's row
     * id is fixed and inserted with ON CONFLICT DO NOTHING.
     */
    Fingerprints loadOrCreate() {
        @SuppressWarnings("unchecked")
        java.util.List<SealedValue> rows = em.createQuery(
                "from SealedValue where purpose = :purpose order by id desc", SealedValue.class)
                .setParameter("purpose", PURPOSE).getResultList();
        for (SealedValue row : rows) {
            Opened opened = cipher.open(row.id, row.purpose, row.ciphertext);
            if (opened instanceof Opened.Plaintext plaintext) {
                return new Fingerprints(Base64.getDecoder().decode(plaintext.value()));
            }
            Opened.Unreadable unreadable = (Opened.Unreadable) opened;
            LOG.warnf("the fingerprint key in sealed value %s cannot be read: %s%s", row.id, unreadable.message(),
                    hint(unreadable.reason()));
        }
        UUID next = generation(rows.isEmpty() ? 1 : generationOf(rows.get(0).id) + 1);
        Ciphertext candidate = cipher.seal(next, PURPOSE, Base64.getEncoder().encodeToString(Fingerprints.newKey()));
        int inserted = em.createNativeQuery("INSERT INTO sealed_values (id, purpose, key_id, ciphertext)"
                        + " VALUES (:id, :purpose, :keyId, :ciphertext) ON CONFLICT (id) DO NOTHING")
                .setParameter("id", next)
                .setParameter("purpose", PURPOSE)
                .setParameter("keyId", candidate.keyId())
                .setParameter("ciphertext", candidate.bytes())
                .executeUpdate();
        if (inserted == 1 && !rows.isEmpty()) {
            LOG.warnf("created a new fingerprint key in sealed value %s: fingerprints made from now on differ from"
                    + " earlier ones (audit entries keep theirs)", next);
        } else if (inserted == 1) {
            LOG.infof("fingerprint key created in sealed value %s", next);
        }
        em.clear();
        SealedValue row = em.find(SealedValue.class, next);
        Opened opened = cipher.open(row.id, row.purpose, row.ciphertext);
        if (opened instanceof Opened.Plaintext plaintext) {
            return new Fingerprints(Base64.getDecoder().decode(plaintext.value()));
        }
        throw new IllegalStateException("the fingerprint key another replica just created in sealed value " + next
                + " cannot be read: " + ((Opened.Unreadable) opened).message()
                + "; every replica must run with the same CREDENTIAL_ENCRYPTION_KEY");
    }

    /** Row id of a generation of the fingerprint key: {@link #KEY_ROW_ID} with the generation in its last bits. */
    static UUID generation(long number) {
        return new UUID(KEY_ROW_ID.getMostSignificantBits(), (KEY_ROW_ID.getLeastSignificantBits() & ~0xFFFFFFFFL) | number);
    }

    private static long generationOf(UUID id) {
        return id.getLeastSignificantBits() & 0xFFFFFFFFL;
    }

    private static String hint(Opened.Reason reason) {
        return reason == Opened.Reason.KEY_NOT_CONFIGURED
                ? "; add that key to " + CREDENTIAL_ENCRYPTION_KEY_PREVIOUS
                : "; restore the row from a backup";
    }
}
