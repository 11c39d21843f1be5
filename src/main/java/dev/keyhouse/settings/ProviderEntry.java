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
 * A fallback provider entry of a kind (issue 19): its fields as {@link ProviderSetting} holds the primary's, its
 * place among the kind's fallbacks (1 = first) and whether it is served. The primary is the kind's
 * {@link ProviderSetting}; {@link ProviderEntries} swaps the two on make-primary.
 */
@Entity
@Table(name = "provider_entries")
public class ProviderEntry extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    /** {@code llm}, {@code stt} or {@code tts}. */
    public String kind;

    /** 1 for the first fallback; the primary has none. */
    public int position;

    /** A disabled entry is kept but serves nothing. */
    public boolean enabled;

    @Embedded
    public SettingValues values;

    /** 1 at creation; every change adds 1 (If-Match). */
    public long version;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_by")
    public String updatedBy;

    @Column(name = "updated_at")
    public Instant updatedAt;

    /** The fields; never null (see {@link ProviderSetting#values()}). */
    public SettingValues values() {
        return values == null ? new SettingValues() : values;
    }

    @Override
    public String toString() {
        return "ProviderEntry[" + kind + " " + id + ", position " + position + ", version " + version + "]";
    }
}
