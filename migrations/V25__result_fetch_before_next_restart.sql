-- A run's verdict on a runtime stays what it was once that runtime is restarted again (issue 19): runtime_acks holds
-- only each runtime's newest fetch, so a later fetch (by the next run, or of a later version that undid the change)
-- used to confirm or re-describe the results of every earlier run. When a runtime's next restart begins
-- (dev.keyhouse.runtimes.RestartQueue#claim), each of its earlier results not yet settled keeps its last fetch before
-- that restart here, and its report reads this fetch, never a later one.
ALTER TABLE restart_results
    -- when the runtime's next restart (in this run or a later one) began; null while this is its newest restart
    ADD COLUMN next_started_at TIMESTAMPTZ,
    -- the runtime's newest fetch between this restart and the next: configuration version, LLM key fingerprint (never
    -- the key) and when it was served; all three null when it did not fetch in between
    ADD COLUMN ack_version BIGINT,
    ADD COLUMN ack_fingerprint VARCHAR(64),
    ADD COLUMN acked_at TIMESTAMPTZ;

-- the settling of a runtime's earlier results looks them up by target and runtime
CREATE INDEX restart_results_target_runtime ON restart_results (target_id, runtime) WHERE next_started_at IS NULL;
