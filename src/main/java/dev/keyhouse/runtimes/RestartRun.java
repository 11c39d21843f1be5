package dev.keyhouse.runtimes;

import java.time.Instant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One fan-out of restarts: created by a save whose secret changed, or by hand ("restart now"). */
@Entity
@Table(name = "restart_runs")
public class RestartRun extends PanacheEntityBase {

    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String PARTIAL = "partial";
    public static final String FAILED = "failed";
    public static final String CAUSE_SAVE = "save";
    public static final String CAUSE_MANUAL = "manual";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    /** running, succeeded (every runtime restarted), partial (some), failed (none). */
    public String state;

    public String cause;

    /** The provider kind whose save created the run; null for a manual run. */
    public String kind;

    @Column(name = "settings_version")
    public Long settingsVersion;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    public boolean finished() {
        return !RUNNING.equals(state);
    }
}
