-- Who receives a shared secret (issue 19): only the runtimes of the targets it lists. Runtime-config's memory
-- (V12) so also depends on the links and on which runtimes each target has (its name for command, systemd and
-- http targets; restart_results, notified since V12, for the others): a change of either drops every replica's
-- cache, as V12 and V16 do for what they cover.
--
-- keyhouse_environment_notify_on(table) creates V12's four statement-level triggers on a table, so a later table
-- runtime-config depends on is one call.
CREATE FUNCTION keyhouse_environment_notify_on(t TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS keyhouse_changed_rows'
        ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_written()', t || '_insert_notify', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS keyhouse_changed_rows'
        ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_written()', t || '_update_notify', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS keyhouse_changed_rows'
        ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_written()', t || '_delete_notify', t);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I'
        ' FOR EACH STATEMENT EXECUTE FUNCTION keyhouse_environment_truncated()', t || '_truncate_notify', t);
END;
$$;

SELECT keyhouse_environment_notify_on('shared_secret_targets');
SELECT keyhouse_environment_notify_on('runtime_targets');
