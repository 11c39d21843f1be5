-- Runtime targets and restart runs (issue 7). A target's non-secret driver settings are JSON; each secret setting
-- is a reference to a sealed_values row, like provider settings. A restart run and its planned results are the
-- outbox of a settings save: written in the save's transaction, executed afterwards by whichever replica claims
-- them (FOR UPDATE SKIP LOCKED, with a lease so work a dead replica claimed is taken over).
CREATE TABLE runtime_targets (
    id          BIGSERIAL    PRIMARY KEY,
    name        VARCHAR(100) NOT NULL UNIQUE,
    driver      VARCHAR(30)  NOT NULL,
    -- provider kinds whose secret change restarts this target, comma-separated
    depends_on  VARCHAR(100) NOT NULL DEFAULT 'llm,stt,tts,telephony',
    enabled     BOOLEAN      NOT NULL DEFAULT TRUE,
    config      JSONB        NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_by  VARCHAR(300)
);

CREATE TABLE runtime_target_secrets (
    target_id       BIGINT      NOT NULL REFERENCES runtime_targets (id) ON DELETE CASCADE,
    field           VARCHAR(50) NOT NULL,
    sealed_value_id UUID        NOT NULL REFERENCES sealed_values (id),
    PRIMARY KEY (target_id, field)
);

CREATE TABLE restart_runs (
    id               BIGSERIAL    PRIMARY KEY,
    state            VARCHAR(20)  NOT NULL CHECK (state IN ('running', 'succeeded', 'partial', 'failed')),
    -- 'save' (a setting's secret changed) or 'manual' (restart now)
    cause            VARCHAR(20)  NOT NULL CHECK (cause IN ('save', 'manual')),
    -- the kind whose save created the run; null for a manual run
    kind             VARCHAR(20),
    settings_version BIGINT,
    created_by       VARCHAR(300) NOT NULL,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    finished_at      TIMESTAMPTZ
);
CREATE INDEX restart_runs_unfinished ON restart_runs (id) WHERE state = 'running';

-- One planned row per target (runtime NULL) until its driver discovers the runtimes; that row then becomes the
-- first runtime's result and one more row is added per further runtime.
CREATE TABLE restart_results (
    id              BIGSERIAL     PRIMARY KEY,
    run_id          BIGINT        NOT NULL REFERENCES restart_runs (id) ON DELETE CASCADE,
    target_id       BIGINT        REFERENCES runtime_targets (id) ON DELETE SET NULL,
    target_name     VARCHAR(100)  NOT NULL,
    driver          VARCHAR(30)   NOT NULL,
    runtime         VARCHAR(300),
    state           VARCHAR(20)   NOT NULL CHECK (state IN ('pending', 'running', 'restarted', 'failed', 'timed_out')),
    attempts        INTEGER       NOT NULL DEFAULT 0,
    -- why it failed, for an operator; never a secret value
    error           VARCHAR(2000),
    claimed_by      VARCHAR(100),
    lease_until     TIMESTAMPTZ,
    next_attempt_at TIMESTAMPTZ,
    created_at      TIMESTAMPTZ   NOT NULL DEFAULT now(),
    started_at      TIMESTAMPTZ,
    finished_at     TIMESTAMPTZ
);
CREATE INDEX restart_results_run ON restart_results (run_id);
CREATE INDEX restart_results_open ON restart_results (id) WHERE state IN ('pending', 'running');

-- The last runtime-config fetch of each runtime (X-Keyhouse-Runtime): which settings and which LLM key it got.
CREATE TABLE runtime_acks (
    runtime          VARCHAR(200) PRIMARY KEY,
    settings_version BIGINT       NOT NULL,
    llm_fingerprint  VARCHAR(64),
    acked_at         TIMESTAMPTZ  NOT NULL DEFAULT now()
);
