package dev.keyhouse.rotation;

import java.util.List;
import java.util.UUID;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A value a job could not read, so it left it untouched: which value, its purpose and why. Never its content. */
@Entity
@Table(name = "rotation_failures")
public class RotationFailure extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "job_id")
    public long jobId;

    @Column(name = "sealed_value_id")
    public UUID sealedValueId;

    public String purpose;

    /** The key the row says it is under (unsigned 32-bit). */
    @Column(name = "key_id")
    public long keyId;

    public String reason;

    public static List<RotationFailure> ofJob(long jobId, int limit) {
        return find("jobId = ?1 order by purpose, sealedValueId", jobId).page(0, limit).list();
    }
}
