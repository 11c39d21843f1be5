package dev.keyhouse.settings;

import java.time.Instant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One version of a fallback entry (the current one included, and a {@code delete} row when it is deleted): its
 * history, which outlives it. The runtime-config version counts these rows.
 */
@Entity
@Table(name = "provider_entry_versions")
public class ProviderEntryVersion extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "entry_id")
    public long entryId;

    public String kind;

    public long version;

    /** {@code create}, {@code save}, {@code move}, {@code enable}, {@code disable}, {@code primary} or {@code delete}. */
    public String action;

    public int position;

    public boolean enabled;

    @Embedded
    public SettingValues values;

    @Column(name = "saved_by")
    public String savedBy;

    @Column(name = "saved_at")
    public Instant savedAt;

    @Override
    public String toString() {
        return "ProviderEntryVersion[" + kind + " " + entryId + ", version " + version + ", " + action + "]";
    }
}
