-- Runtime-config from memory (issue 17): every replica keeps the served environment and the rollouts' pins in
-- memory and drops them when this channel says something they are built from changed. Statement-level triggers
-- (FOR EACH STATEMENT: the rotation job's batches and a rollout's many result rows pay once, not per row) that
-- notify only when the statement changed a row (its transition table is not empty): the restart executor's
-- polling UPDATEs that match nothing must not empty every replica's cache. NOTIFY is transactional, so it is
-- delivered at commit and dropped on rollback, and PostgreSQL folds identical notifications of one transaction into
-- one. The payload is the table's name, never a value. A trigger with a transition table has one event, hence three
-- per table (insert, update, delete) plus one for TRUNCATE.
CREATE FUNCTION keyhouse_environment_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM keyhouse_changed_rows) THEN
        PERFORM pg_notify('keyhouse_environment', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION keyhouse_environment_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('keyhouse_environment', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

-- provider_settings: saves, rollbacks, bootstrap; provider_setting_versions: what a pinned runtime is served;
-- sealed_values: the rotation job's rewrite, a re-entry, a value turning unreadable; restart_runs and
-- restart_results: the rollouts' pins (a run's state, a result leaving waiting or held).
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['provider_settings', 'provider_setting_versions', 'sealed_values', 'restart_runs',
                             'restart_results'] LOOP
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
