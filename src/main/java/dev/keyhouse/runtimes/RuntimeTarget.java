package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.MapKeyColumn;
import jakarta.persistence.Table;

/**
 * A registered set of runtimes one driver restarts. Non-secret driver settings are JSON; every secret setting is a
 * reference to a {@link dev.keyhouse.sealed.SealedValue}, never a value.
 */
@Entity
@Table(name = "runtime_targets")
public class RuntimeTarget extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;

    public String driver;

    /** Provider kinds, comma-separated, whose secret change restarts this target. */
    @Column(name = "depends_on")
    public String dependsOn;

    public boolean enabled;

    /** Its runtimes form a rollout's first wave (the canary). */
    public boolean canary;

    /** What confirms its runtimes took a new key: auto (default), report, fetch, health or none. */
    public String confirmation = "auto";

    /** On hold: left out of rollouts until released. */
    public boolean held;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public Map<String, String> config = new HashMap<>();

    /** Sealed value ids by driver field name. */
    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "runtime_target_secrets", joinColumns = @JoinColumn(name = "target_id"))
    @MapKeyColumn(name = "field")
    @Column(name = "sealed_value_id")
    public Map<String, UUID> secrets = new HashMap<>();

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "updated_by")
    public String updatedBy;

    public List<String> dependsOnKinds() {
        return dependsOn == null || dependsOn.isBlank() ? List.of()
                : Arrays.stream(dependsOn.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    public boolean dependsOn(String kind) {
        return dependsOnKinds().contains(kind);
    }

    @Override
    public String toString() {
        return "RuntimeTarget[" + id + ", " + name + ", " + driver + "]";
    }
}
