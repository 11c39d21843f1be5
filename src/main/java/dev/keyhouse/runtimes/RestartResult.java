package dev.keyhouse.runtimes;

import java.time.Instant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One runtime's restart within a run. Planned per target, with {@code runtime} null, because the runtimes a target
 * selects (containers, workloads) are known only when its driver's {@code discover} runs; the executor then turns
 * that row into the first runtime's result and adds one row per further runtime.
 */
@Entity
@Table(name = "restart_results")
public class RestartResult extends PanacheEntityBase {

    /** In a rollout: its wave has not come (or waves are not assigned yet). */
    public static final String WAITING = "waiting";
    /** Its target is on hold: left out of the rollout. */
    public static final String HELD = "held";
    /** Its wave never came: the rollout was rolled back, halted, aborted or superseded first. */
    public static final String CANCELLED = "cancelled";
    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String RESTARTED = "restarted";
    public static final String FAILED = "failed";
    public static final String TIMED_OUT = "timed_out";
    /**
     * Its {@link #confirmState} when its confirmation is none: not waited for, its restart is its end, neither
     * confirmed nor unconfirmed.
     */
    public static final String NOT_ASKED = "not_asked";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "run_id")
    public long runId;

    /** Null once the target is deleted; {@link #targetName} stays. */
    @Column(name = "target_id")
    public Long targetId;

    @Column(name = "target_name")
    public String targetName;

    public String driver;

    /** Null while planned (not yet discovered). */
    public String runtime;

    public String state;

    public int attempts;

    public String error;

    @Column(name = "claimed_by")
    public String claimedBy;

    @Column(name = "lease_until")
    public Instant leaseUntil;

    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    /** The rollout wave it belongs to; null until waves are assigned (and in manual runs). */
    public Integer wave;

    /** The runtime-config version it was restarted onto. */
    @Column(name = "env_version")
    public Long envVersion;

    /** The confirmation that applied: report, fetch, health or none. */
    public String confirmation;

    /** Why that confirmation applied (auto's choice, in plain words). */
    @Column(name = "confirmation_reason")
    public String confirmationReason;

    /** Null while unknown; confirmed, failing, unconfirmed (not confirmed in time) or not_asked (confirmation none). */
    @Column(name = "confirm_state")
    public String confirmState;

    /** What confirmed it or why it failed, e.g. "reported ok on version 7", "reported failing: invalid_key". */
    @Column(name = "confirm_detail")
    public String confirmDetail;

    @Column(name = "confirmed_at")
    public Instant confirmedAt;

    /**
     * When this runtime's next restart began (in this run or a later one) or its target was deleted, V25; null while
     * this is its newest restart.
     * Set by {@link RestartQueue#settleEarlier} or {@link RestartQueue#settleDeleted}, which keep the runtime's last fetch before it in {@link #ackVersion},
     * {@link #ackFingerprint} and {@link #ackedAt} (all null when it did not fetch in between): from then on this
     * result's report reads that fetch, never a later one.
     */
    @Column(name = "next_started_at")
    public Instant nextStartedAt;

    /** The configuration version of the runtime's last fetch before its next restart (V25); see {@link #nextStartedAt}. */
    @Column(name = "ack_version")
    public Long ackVersion;

    /** The LLM key's keyed fingerprint in that fetch, never the key (V25). */
    @Column(name = "ack_fingerprint")
    public String ackFingerprint;

    /** When that fetch was served (V25). */
    @Column(name = "acked_at")
    public Instant ackedAt;

    /**
     * The target's name the driver restarted this runtime under (V27; command, systemd, http only, whose runtime is
     * the target and learns its name at its restart): the name it reports and fetches under until its next restart,
     * whatever the target is renamed to meanwhile ({@link #runtime} is the name at discovery). Null for other drivers,
     * before the restart, and for results restarted before V27.
     */
    @Column(name = "restarted_as")
    public String restartedAs;

    public boolean finished() {
        return RESTARTED.equals(state) || FAILED.equals(state) || TIMED_OUT.equals(state);
    }
}
