-- Re-encryption jobs (issue 6). Counters are updated in the same transaction as the rows a batch rewrites, so a
-- killed job's numbers match what it committed. Failures name a value's purpose and why it could not be read,
-- never its content.
CREATE TABLE rotation_jobs (
    id              BIGSERIAL    PRIMARY KEY,
    state           VARCHAR(20)  NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'interrupted')),
    started_by      VARCHAR(300) NOT NULL,
    started_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ,
    -- last committed batch: when a job is found interrupted, this is when it stopped
    heartbeat_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    -- the current key when the job started (unsigned 32-bit key id)
    target_key_id   BIGINT       NOT NULL,
    total           BIGINT       NOT NULL DEFAULT 0,
    scanned         BIGINT       NOT NULL DEFAULT 0,
    rewritten       BIGINT       NOT NULL DEFAULT 0,
    already_current BIGINT       NOT NULL DEFAULT 0,
    failed          BIGINT       NOT NULL DEFAULT 0,
    retry_of        BIGINT       REFERENCES rotation_jobs (id),
    -- why a job stopped early (a database error, a shutdown); never a value
    error           VARCHAR(500)
);
CREATE INDEX rotation_jobs_started_at ON rotation_jobs (started_at DESC);
-- Belt and braces under the advisory lock: at most one job is running at any time.
CREATE UNIQUE INDEX rotation_jobs_one_running ON rotation_jobs ((state)) WHERE state = 'running';

CREATE TABLE rotation_failures (
    id              BIGSERIAL    PRIMARY KEY,
    job_id          BIGINT       NOT NULL REFERENCES rotation_jobs (id) ON DELETE CASCADE,
    -- no foreign key: the value may be deleted later, the record of the failure stays
    sealed_value_id UUID         NOT NULL,
    purpose         VARCHAR(200) NOT NULL,
    key_id          BIGINT       NOT NULL,
    reason          VARCHAR(500) NOT NULL,
    UNIQUE (job_id, sealed_value_id)
);

-- Every rotation rewrite changes key_id, so an index on it made each rewrite a non-HOT update inserting into every
-- index of the table: the benchmark (RotationBenchmark) ran at 0.45 of the database's floor with it, 0.72 without.
-- Nothing needs it: per-key counts are one GROUP BY over the table, and the job's sweep asks for key_id <> current.
DROP INDEX sealed_values_key_id;
