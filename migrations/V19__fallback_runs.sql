-- A fallback entry's change that runtimes receive (issue 19) plans its own kind of run: cause 'fallback', with what
-- changed in words (e.g. "stt fallback 12 (soniox) changed (disabled)"). It was stored as 'save', and the run page
-- said "stt settings version 4 were saved" of a version nobody saved. Runs planned before keep 'save'.
ALTER TABLE restart_runs DROP CONSTRAINT restart_runs_cause_check;
ALTER TABLE restart_runs ADD CONSTRAINT restart_runs_cause_check
    CHECK (cause IN ('save', 'manual', 'shared_secret', 'rollback', 'fallback'));
ALTER TABLE restart_runs ADD COLUMN change_summary text;
ALTER TABLE restart_runs ADD CONSTRAINT restart_runs_change_summary_length CHECK (length(change_summary) <= 500);
