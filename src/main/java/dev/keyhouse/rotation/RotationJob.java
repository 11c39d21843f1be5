package dev.keyhouse.rotation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One run of the re-encryption job. Created and finished here; while it runs, {@link RotationWalker} adds to its
 * counters over JDBC in the same transactions as the rows it rewrites.
 */
@Entity
@Table(name = "rotation_jobs")
public class RotationJob extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Convert(converter = JobState.Column.class)
    public JobState state;

    @Column(name = "started_by")
    public String startedBy;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "heartbeat_at")
    public Instant heartbeatAt;

    /** The current key when the job started: what it rewrites values under. */
    @Column(name = "target_key_id")
    public long targetKeyId;

    public long total;
    public long scanned;
    public long rewritten;

    @Column(name = "already_current")
    public long alreadyCurrent;

    public long failed;

    /** The job whose failed values this one re-runs, or null for a full walk. */
    @Column(name = "retry_of")
    public Long retryOf;

    /** Why it stopped early; never a value. */
    public String error;

    public static Optional<RotationJob> running() {
        return find("state", JobState.RUNNING).firstResultOptional();
    }

    public static List<RotationJob> latest(int count) {
        return find("order by id desc").page(0, count).list();
    }

    @Override
    public String toString() {
        return "RotationJob[" + id + ", " + state + "]";
    }
}
