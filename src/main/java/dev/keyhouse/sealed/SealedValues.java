package dev.keyhouse.sealed;

import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.Opened;
import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Stores secrets as {@link SealedValue} rows, sealed under the current key, and opens them again. */
@ApplicationScoped
public class SealedValues {

    /** Length of the {@code purpose} column. */
    public static final int MAX_PURPOSE_LENGTH = 200;

    private final CredentialCipher cipher;

    public SealedValues(CredentialCipher cipher) {
        this.cipher = cipher;
    }

    /** Seals a secret into a new row. */
    @Transactional
    public SealedValue seal(String purpose, String plaintext) {
        checkPurpose(purpose);
        SealedValue value = new SealedValue();
        value.id = UUID.randomUUID();
        value.purpose = purpose;
        write(value, plaintext);
        value.createdAt = value.updatedAt;
        value.persist();
        return value;
    }

    /**
     * Replaces a row's secret (or re-encrypts it, for rotation): same row and purpose, new ciphertext under the
     * current key. The version goes up; a stale {@code value} fails with an optimistic-lock exception.
     */
    @Transactional
    public SealedValue reseal(SealedValue value, String plaintext) {
        EntityManager em = Panache.getEntityManager(SealedValue.class);
        SealedValue managed = em.contains(value) ? value : em.merge(value);
        write(managed, plaintext);
        em.flush();
        return managed;
    }

    /** Opens a row's secret; an unreadable one is a result, not an exception. */
    public Opened open(SealedValue value) {
        return cipher.open(value.id, value.purpose, value.ciphertext);
    }

    public Optional<SealedValue> find(UUID id) {
        return SealedValue.findByIdOptional(id);
    }

    @Transactional
    public void delete(SealedValue value) {
        SealedValue.deleteById(value.id);
    }

    private void write(SealedValue value, String plaintext) {
        Ciphertext sealed = cipher.seal(value.id, value.purpose, plaintext);
        value.keyId = sealed.keyId();
        value.ciphertext = sealed.bytes();
        value.updatedAt = Instant.now();
    }

    private static void checkPurpose(String purpose) {
        if (purpose == null || purpose.isBlank() || purpose.length() > MAX_PURPOSE_LENGTH) {
            throw new IllegalArgumentException("a purpose has 1 to " + MAX_PURPOSE_LENGTH + " characters");
        }
    }
}
