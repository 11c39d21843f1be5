package dev.keyhouse.sharedsecrets;

import java.time.Instant;
import java.util.UUID;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A shared secret (table {@code shared_secrets}, migration V16): a named secret served as one variable to the
 * runtimes of the targets linked to it ({@code shared_secret_targets}), and to no other. The value is a reference to a
 * sealed row, never the value.
 */
@Entity
@Table(name = "shared_secrets")
public class SharedSecret extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    /** {@code [a-z0-9][a-z0-9-]{0,62}}, unique, e.g. {@code voxcore}. */
    public String name;

    /** {@code [A-Z][A-Z0-9_]{0,127}}, unique, e.g. {@code VOXCORE_SECRET}. */
    public String variable;

    /** The sealed value (purpose {@code shared_secret/<name>/value}); every new value is a new row. */
    @Column(name = "value_id")
    public UUID valueId;

    /** 1 at creation; every save or generate adds 1 (If-Match compares it). */
    public long version;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_by")
    public String updatedBy;

    @Column(name = "updated_at")
    public Instant updatedAt;
}
