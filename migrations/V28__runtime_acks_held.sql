-- What a runtime was served when an open rollout held it back (issue 19, breaker b19 A): a rollout restarts a runtime
-- onto the current configuration, but runtime-config serves it by name the configuration another kind's open rollout
-- holds it at (e.g. new llm, stt still at its previous version: "112-h3fa9c2e1"). Its ok report or fetch there
-- confirms a rollout's row of a kind that held configuration carries (not among its pins), decided from these columns,
-- which Keyhouse writes as it serves, never from what the runtime claims (dev.keyhouse.runtimes.RuntimeAcks).
ALTER TABLE runtime_acks
    -- runtime-config's configuration name of the fetch: "<version>-h<8 hex>" for a held one; null for the current
    -- configuration (and for fetches recorded before V28)
    ADD COLUMN held_configuration VARCHAR(40),
    -- the kinds that held configuration serves at an earlier version, "kind:version" comma-separated in kind order
    -- ("stt:4"); null when nothing was held
    ADD COLUMN held_pins VARCHAR(200);
