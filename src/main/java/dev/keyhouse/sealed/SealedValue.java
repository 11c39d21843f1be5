package dev.keyhouse.sealed;

import dev.keyhouse.crypto.KeyRing;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/**
 * One encrypted value: the only kind of row that holds ciphertext. Other tables reference it by id.
 *
 * <p>The id is assigned in Java before sealing because it is part of the associated data.
 */
@Entity
@Table(name = "sealed_values")
public class SealedValue extends PanacheEntityBase {

    @Id
    public UUID id;

    /** Owner and field, e.g. {@code provider_setting/llm/api_key}; also part of the associated data. */
    @Column(nullable = false, length = 200)
    public String purpose;

    /** Unsigned 32-bit id of the key the value is sealed under, duplicated from the ciphertext prefix. */
    @Column(name = "key_id", nullable = false)
    public long keyId;

    @Column(nullable = false)
    public byte[] ciphertext;

    /** Optimistic lock, so a rotation rewrite and an admin's save cannot overwrite each other. */
    @Version
    public long version;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Override
    public String toString() {
        return "SealedValue[" + id + ", " + purpose + ", key " + KeyRing.hex(keyId) + ", version " + version + "]";
    }
}
