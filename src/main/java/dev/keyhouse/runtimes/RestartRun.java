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
 * One fan-out of restarts: created by a save whose secret changed, by a shared secret's change, or by hand ("restart
 * now").
 */
@Entity
@Table(name = "restart_runs")
public class RestartRun extends PanacheEntityBase {

    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String PARTIAL = "partial";
    public static final String FAILED = "failed";
    /** After the canary with {@code ROLLOUT_APPROVAL=manual}: waits for Continue or Abort. */
    public static final String WAITING_APPROVAL = "waiting_approval";
    /** A wave failed; the previous key was good and the moved runtimes are being restarted back onto it. */
    public static final String ROLLING_BACK = "rolling_back";
    /** Final: a wave failed and the moved runtimes were restarted back onto the previous key. */
    public static final String ROLLED_BACK = "rolled_back";
    /** Final: a wave failed and nothing could be rolled back (the previous key fails too, or there is none). */
    public static final String HALTED = "halted";
    /** Final: an admin aborted it; the moved runtimes were rolled back where the previous key was good. */
    public static final String ABORTED = "aborted";
    /** Final: a newer save of the same kind took over; its remaining waves were cancelled. */
    public static final String SUPERSEDED = "superseded";
    public static final String CAUSE_SAVE = "save";
    public static final String CAUSE_MANUAL = "manual";
    /** An admin rolled a kind back to its previous version: a rollout, as a save's. */
    public static final String CAUSE_ROLLBACK = "rollback";
    /**
     * A fallback entry changed in a way runtimes receive (issue 19): the rollout of its kind, its settings version
     * unchanged; {@link #changeSummary} says what changed (V19).
     */
    public static final String CAUSE_FALLBACK = "fallback";
    /** A shared secret was created or its value changed: one run over exactly its linked targets, not a rollout. */
    public static final String CAUSE_SHARED_SECRET = "shared_secret";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    /**
     * running, waiting_approval, rolling_back, or final: succeeded (every runtime restarted, and confirmed in a
     * rollout), rolled_back, halted, aborted, superseded; partial (some) and failed (none) for manual runs.
     */
    public String state;

    public String cause;

    /** The shared secret whose change created the run (its name, copied); null for other runs. */
    @Column(name = "shared_secret")
    public String sharedSecret;

    /** That shared secret's variable, copied: what its targets may disagree on until the run finishes. */
    @Column(name = "shared_variable")
    public String sharedVariable;

    /** For cause {@code fallback}: what changed, e.g. "stt fallback 12 (soniox) changed (disabled)"; null otherwise. */
    @Column(name = "change_summary")
    public String changeSummary;

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

    /** A save's run: waves, confirmation gate, automatic rollback. A manual run restarts everything at once. */
    public boolean rollout;

    /** Paused by an admin: nothing new is claimed and the rollout does not advance. */
    public boolean paused;

    /** 0 while discovering; then the wave being restarted or confirmed (the rollback wave after a failure). */
    @Column(name = "current_wave")
    public int currentWave;

    /** The rollout's last wave, rollback waves not counted; 0 until waves are assigned. */
    @Column(name = "wave_count")
    public int waveCount;

    /** The next wave starts no earlier than this (ROLLOUT_BAKE_SECONDS after the last one was confirmed). */
    @Column(name = "bake_until")
    public Instant bakeUntil;

    /** The kind's version before the save: what an automatic rollback restores. */
    @Column(name = "previous_version")
    public Long previousVersion;

    /**
     * The kind's settings version the runtimes this rollout has not moved yet are held at (V23): the save's previous
     * version, or for a fallback's change the kind's version (which that change leaves), or what the rollout it
     * superseded held them at. Null for runs planned before V23 ({@link #previousVersion} then) and non-rollouts.
     */
    @Column(name = "held_version")
    public Long heldVersion;

    /**
     * With {@link #heldVersion}: the kind's enabled fallbacks before the change, as {@code provider_entry_versions}
     * ids in served order separated by commas ({@link dev.keyhouse.settings.HeldFallbacks#rowsText}), so held
     * runtimes get the fallbacks as they were too, never a mix (V23).
     */
    @Column(name = "held_entries")
    public String heldEntries;

    /** With {@link #heldEntries}: the kind's newest {@code provider_entry_versions} id before the change (V23). */
    @Column(name = "held_entries_upto")
    public Long heldEntriesUpTo;

    /** The version the automatic rollback saved. */
    @Column(name = "rollback_version")
    public Long rollbackVersion;

    /** Why the rollout stopped or what it waits for, in plain words; never a secret. */
    public String reason;

    @Column(name = "superseded_by")
    public Long supersededBy;

    /** The short code of what failed the new key: a runtime's report detail, restart_failed or unconfirmed. */
    @Column(name = "fail_code")
    public String failCode;

    /** Who aborted it; its rollback then ends as aborted. */
    @Column(name = "aborted_by")
    public String abortedBy;

    /** When it was last resumed: a runtime's time to confirm starts again from here. */
    @Column(name = "resumed_at")
    public Instant resumedAt;

    public boolean finished() {
        return !RUNNING.equals(state) && !WAITING_APPROVAL.equals(state) && !ROLLING_BACK.equals(state);
    }
}
