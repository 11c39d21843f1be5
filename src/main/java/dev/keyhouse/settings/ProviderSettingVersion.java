package dev.keyhouse.settings;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/** One saved version of a setting (the current one included), kept so a kind can be rolled back. */
@Entity
@Table(name = "provider_setting_versions")
public class ProviderSettingVersion extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String kind;

    public long version;

    /** {@code save}, {@code rollback} or {@code bootstrap}. */
    public String action;

    @Embedded
    public SettingValues values;

    @Column(name = "saved_by")
    public String savedBy;

    @Column(name = "saved_at")
    public Instant savedAt;

    public SettingValues values() {
        return values == null ? new SettingValues() : values;
    }

    static Optional<ProviderSettingVersion> of(ProviderKind kind, long version) {
        return find("kind = ?1 and version = ?2", kind.id(), version).firstResultOptional();
    }

    @Override
    public String toString() {
        return "ProviderSettingVersion[" + kind + ", version " + version + ", " + action + "]";
    }
}
