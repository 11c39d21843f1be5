-- One verdict per run, wave and runtime (issue 20, points 3 and 4, breaker):
-- a runtime whose confirmation is "none" is not waited for: its restart is its end, neither confirmed nor
-- unconfirmed. It was stored as confirmed ("the restart succeeded") and read as unconfirmed elsewhere.
ALTER TABLE restart_results DROP CONSTRAINT restart_results_confirm_state_check;
UPDATE restart_results SET confirm_state = 'not_asked' WHERE confirm_state = 'confirmed' AND confirmation = 'none';
ALTER TABLE restart_results ADD CONSTRAINT restart_results_confirm_state_check
    CHECK (confirm_state IN ('confirmed', 'failing', 'unconfirmed', 'not_asked'));
-- a wave all of whose runtimes were restarted with confirmation none passed without being confirmed: "restarted"
ALTER TABLE restart_waves DROP CONSTRAINT restart_waves_state_check;
UPDATE restart_waves w SET state = 'restarted' WHERE state = 'confirmed' AND NOT EXISTS (SELECT 1 FROM restart_results r
    WHERE r.run_id = w.run_id AND r.wave = w.wave AND r.confirm_state = 'confirmed') AND EXISTS (SELECT 1
    FROM restart_results r WHERE r.run_id = w.run_id AND r.wave = w.wave AND r.confirm_state = 'not_asked');
ALTER TABLE restart_waves ADD CONSTRAINT restart_waves_state_check CHECK (state IN ('waiting', 'restarting',
    'confirming', 'baking', 'confirmed', 'restarted', 'failed', 'cancelled', 'done'));
-- an admin's rollback to the previous settings version plans its run as cause rollback, not save
ALTER TABLE restart_runs DROP CONSTRAINT restart_runs_cause_check;
ALTER TABLE restart_runs ADD CONSTRAINT restart_runs_cause_check
    CHECK (cause IN ('save', 'manual', 'shared_secret', 'rollback'));
