-- Rollouts (issue 16): a restart run caused by a save goes out in waves, canary first; each wave must be confirmed
-- by its runtimes before the next starts, and a failed wave rolls the setting back automatically.

-- Per target: marked canary (its runtimes form the first wave), what counts as confirmation, and on hold (left out
-- of rollouts until released).
ALTER TABLE runtime_targets
    ADD COLUMN canary       BOOLEAN     NOT NULL DEFAULT FALSE,
    ADD COLUMN confirmation VARCHAR(10) NOT NULL DEFAULT 'auto'
        CHECK (confirmation IN ('auto', 'report', 'fetch', 'health', 'none')),
    ADD COLUMN held         BOOLEAN     NOT NULL DEFAULT FALSE;

-- A run's state: running (discovering, a wave restarting or confirming, baking), waiting_approval (after the canary
-- with ROLLOUT_APPROVAL=manual), rolling_back, and the final ones. partial and failed are kept for manual runs
-- ("restart now"), which are not rollouts.
ALTER TABLE restart_runs DROP CONSTRAINT restart_runs_state_check;
ALTER TABLE restart_runs ADD CONSTRAINT restart_runs_state_check CHECK (state IN ('running', 'waiting_approval',
    'rolling_back', 'succeeded', 'partial', 'failed', 'rolled_back', 'halted', 'aborted', 'superseded'));
ALTER TABLE restart_runs
    -- true for runs a save created: waves, confirmation gate, automatic rollback
    ADD COLUMN rollout          BOOLEAN       NOT NULL DEFAULT FALSE,
    -- paused by an admin: no new restart is claimed and the rollout does not advance (restarts under way finish)
    ADD COLUMN paused           BOOLEAN       NOT NULL DEFAULT FALSE,
    -- 0 while the targets' runtimes are being discovered; then the wave being restarted or confirmed
    ADD COLUMN current_wave     INTEGER       NOT NULL DEFAULT 0,
    -- the last wave of the rollout proper (rollback waves come after it)
    ADD COLUMN wave_count       INTEGER       NOT NULL DEFAULT 0,
    -- end of the bake time after a confirmed wave: the next wave starts no earlier
    ADD COLUMN bake_until       TIMESTAMPTZ,
    -- the kind's version before the save: what an automatic rollback restores
    ADD COLUMN previous_version BIGINT,
    -- the version the automatic rollback saved
    ADD COLUMN rollback_version BIGINT,
    -- why the rollout stopped, in plain words ("wave 1: chat-1 reported failing: invalid_key"); never a secret
    ADD COLUMN reason           VARCHAR(1000),
    ADD COLUMN superseded_by    BIGINT        REFERENCES restart_runs (id) ON DELETE SET NULL,
    -- the short code of what failed the new key (a runtime's report detail, restart_failed, unconfirmed)
    ADD COLUMN fail_code        VARCHAR(64),
    -- who aborted it: its rollback then ends as aborted rather than rolled_back
    ADD COLUMN aborted_by       VARCHAR(300),
    -- when it was last resumed: a runtime's time to confirm starts again from here
    ADD COLUMN resumed_at       TIMESTAMPTZ;

-- One row per wave: 1 is the canary, then the waves, then (after a failure) the rollback wave.
CREATE TABLE restart_waves (
    run_id       BIGINT        NOT NULL REFERENCES restart_runs (id) ON DELETE CASCADE,
    wave         INTEGER       NOT NULL CHECK (wave >= 1),
    kind         VARCHAR(10)   NOT NULL CHECK (kind IN ('canary', 'wave', 'rollback')),
    state        VARCHAR(12)   NOT NULL CHECK (state IN ('waiting', 'restarting', 'confirming', 'baking',
                                                          'confirmed', 'failed', 'cancelled', 'done')),
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ,
    -- what the gate decided and why, in plain words
    decision     VARCHAR(1000),
    PRIMARY KEY (run_id, wave)
);

-- Each runtime's place in the rollout and what confirmed it.
ALTER TABLE restart_results DROP CONSTRAINT restart_results_state_check;
ALTER TABLE restart_results ADD CONSTRAINT restart_results_state_check CHECK (state IN ('waiting', 'held',
    'pending', 'running', 'restarted', 'failed', 'timed_out', 'cancelled'));
ALTER TABLE restart_results
    -- null until waves are assigned (after discovery)
    ADD COLUMN wave          INTEGER,
    -- the runtime-config version it was restarted onto (restart order's version)
    ADD COLUMN env_version   BIGINT,
    -- the confirmation that applied: report, fetch, health or none, and why (auto's choice)
    ADD COLUMN confirmation  VARCHAR(10),
    ADD COLUMN confirmation_reason VARCHAR(300),
    -- null while unknown; confirmed, failing (reported failing, unhealthy) or unconfirmed (timed out)
    ADD COLUMN confirm_state VARCHAR(12) CHECK (confirm_state IN ('confirmed', 'failing', 'unconfirmed')),
    ADD COLUMN confirm_detail VARCHAR(300),
    ADD COLUMN confirmed_at  TIMESTAMPTZ;
CREATE INDEX restart_results_waiting ON restart_results (runtime) WHERE state IN ('waiting', 'held');
