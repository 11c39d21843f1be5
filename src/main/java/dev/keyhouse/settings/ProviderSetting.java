package dev.keyhouse.settings;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** The active setting of one kind. Version 0 means never configured; the row exists from the migration on. */
@Entity
@Table(name = "provider_settings")
public class ProviderSetting extends PanacheEntityBase {

    @Id
    public String kind;

    @Embedded
    public SettingValues values;

    /** Checked on every write (If-Match); saves hold a row lock while they compare and bump it. */
    public long version;

    @Column(name = "updated_by")
    public String updatedBy;

    @Column(name = "updated_at")
    public Instant updatedAt;

    /**
     * The fields: empty ones for a kind never configured (Hibernate loads an embeddable whose columns are all null as
     * null). Never assigns the field: turning that null into an empty object would make the row dirty, and a read
     * (a key check before a save) would then write the row back at its commit with the version it read, over a save
     * that committed meanwhile (a lost update; issue 17's breaker run found two concurrent first saves answering 500).
     */
    public SettingValues values() {
        return values == null ? new SettingValues() : values;
    }

    @Override
    public String toString() {
        return "ProviderSetting[" + kind + ", version " + version + "]";
    }
}
