package dev.keyhouse.audit;

import java.time.Instant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One audited action. Carries fingerprints of old and new secret values, never the values. */
@Entity
@Table(name = "audit_events")
public class AuditEvent extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public Instant at = Instant.now();

    /** An e-mail, {@code token:<name>}, {@code system} or the address of an anonymous caller. */
    public String actor;

    /** What happened, e.g. {@code sign-in}, {@code user.add}, {@code setting.save}. */
    public String action;

    /** What area it touched, e.g. {@code auth}, {@code user}, {@code token}, {@code llm}. */
    public String kind;

    public String target;

    public String detail;

    @Column(name = "old_fingerprint")
    public String oldFingerprint;

    @Column(name = "new_fingerprint")
    public String newFingerprint;
}
