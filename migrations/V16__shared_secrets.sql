-- Shared secrets (issue 19, part B): one named secret served to runtimes as one variable, used by several runtime
-- targets that must change together (e.g. VOXCORE_SECRET, presented by the dialler and verified by the fleet). The
-- value is a reference to a sealed_values row, never the value; a new value is always a new sealed row, so the rows
-- the history points at stay intact (as provider settings keep theirs).
CREATE TABLE shared_secrets (
    id          BIGSERIAL    PRIMARY KEY,
    name        VARCHAR(63)  NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    variable    VARCHAR(128) NOT NULL UNIQUE CHECK (variable ~ '^[A-Z][A-Z0-9_]{0,127}$'),
    value_id    UUID         NOT NULL REFERENCES sealed_values (id),
    -- 1 at creation; every save (value or targets), generate or rollback adds 1. Writes lock the row and compare it
    -- with If-Match.
    version     BIGINT       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by  VARCHAR(300) NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_by  VARCHAR(300) NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Every version, the current one included, never overwritten. No foreign key to shared_secrets: the history (and
-- its delete row) outlives a deleted secret, so the runtime-config version, which counts these rows, only grows and
-- the variables a deleted secret used to write are still known (and removed from env files by the drivers).
CREATE TABLE shared_secret_versions (
    id               BIGSERIAL    PRIMARY KEY,
    shared_secret_id BIGINT       NOT NULL,
    name             VARCHAR(63)  NOT NULL,
    variable         VARCHAR(128) NOT NULL,
    version          BIGINT       NOT NULL,
    action           VARCHAR(20)  NOT NULL CHECK (action IN ('create', 'save', 'generate', 'rollback', 'delete')),
    -- null only for the delete row
    value_id         UUID         REFERENCES sealed_values (id),
    saved_by         VARCHAR(300) NOT NULL,
    saved_at         TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (shared_secret_id, version)
);

-- The runtime targets that use a shared secret: a change restarts exactly these, in one run.
CREATE TABLE shared_secret_targets (
    shared_secret_id BIGINT NOT NULL REFERENCES shared_secrets (id) ON DELETE CASCADE,
    target_id        BIGINT NOT NULL REFERENCES runtime_targets (id) ON DELETE CASCADE,
    PRIMARY KEY (shared_secret_id, target_id)
);
CREATE INDEX shared_secret_targets_target ON shared_secret_targets (target_id);

-- A run a shared secret's change planned: cause shared_secret, not a rollout, the secret's name and variable copied
-- (history survives its deletion) and its version in settings_version.
ALTER TABLE restart_runs DROP CONSTRAINT restart_runs_cause_check;
ALTER TABLE restart_runs ADD CONSTRAINT restart_runs_cause_check CHECK (cause IN ('save', 'manual', 'shared_secret'));
ALTER TABLE restart_runs
    ADD COLUMN shared_secret   VARCHAR(63),
    ADD COLUMN shared_variable VARCHAR(128);

-- What runtime-config serves changes with these: the same notification as provider settings (V12).
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['shared_secrets', 'shared_secret_versions'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS keyhouse_changed_rows'
            ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_written()', t || '_insert_notify', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS keyhouse_changed_rows'
            ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_written()', t || '_update_notify', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS keyhouse_changed_rows'
            ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_written()', t || '_delete_notify', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I'
            ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_truncated()', t || '_truncate_notify', t);
    END LOOP;
END;
$$;
