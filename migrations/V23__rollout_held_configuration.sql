-- What a rollout holds its runtimes not yet moved at (issue 19): the kind's WHOLE previous configuration, its primary
-- and its fallback entries, never the old primary with the new fallbacks.
--   held_version       the kind's settings version they run (a save's previous version; for a fallback's change,
--                      which leaves the kind's version as it is, that version; or what a superseded rollout held)
--   held_entries       the provider_entry_versions ids of the kind's enabled fallbacks then, in served order,
--                      separated by commas ('' when it had none)
--   held_entries_upto  the id of the kind's newest provider_entry_versions row then (0: none): the configuration
--                      version counts the kind's entry history up to it, as it did then
-- Runs planned before keep all three null: pinned at previous_version with the current fallbacks, as before.
ALTER TABLE restart_runs ADD COLUMN held_version bigint;
ALTER TABLE restart_runs ADD COLUMN held_entries text;
ALTER TABLE restart_runs ADD COLUMN held_entries_upto bigint;
ALTER TABLE restart_runs ADD CONSTRAINT restart_runs_held_entries_form
    CHECK (held_entries ~ '^([0-9]+(,[0-9]+)*)?$');
