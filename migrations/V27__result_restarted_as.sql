-- The name a restarted runtime was given at its restart (issue 19, breaker b19 C): a command, systemd or http
-- target's runtime is the target, and it learns its name (KEYHOUSE_TARGET, the webhook's "target") when it is
-- restarted, then reports and fetches under it until its next restart, whatever the target is renamed to meanwhile.
-- restart_results.runtime is the name the target had when it was discovered, which a rename before the restart
-- makes stale. A rollout's gate counts a runtime's signals under this name as well as the target's current name
-- (never a name another target has now), and runtime-config counts it among the target's runtimes the same way.
ALTER TABLE restart_results
    -- the target's name the driver restarted the runtime under (command, systemd, http only); null for other drivers
    -- and for results restarted before V27
    ADD COLUMN restarted_as VARCHAR(100);
