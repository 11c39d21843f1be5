-- What the Vault watcher (settings.VaultWatch, issue 18) did with each new KV version of a referenced secret, shared
-- by every replica: a replica claims (kind, secret, version) with an INSERT that only one can make, and only that one
-- checks, saves and audits it, so a version is checked against the provider once and audited once however many
-- replicas watch, and a refused or held version stays refused across restarts. A claim whose replica stopped before
-- it recorded an outcome may be taken over after claimed_at + 10 minutes.
CREATE TABLE vault_watch_versions (
    kind        VARCHAR(20)  NOT NULL,
    -- the secret's KV v2 API path, e.g. secret/data/llm
    data_path   VARCHAR(1000) NOT NULL,
    kv_version  INTEGER      NOT NULL,
    -- claimed: being handled; saved; refused (the check or the pin refused it); held (the kind was rolled back from
    -- it); a stale or busy save gives its claim back (the row is deleted) so the next poll tries again
    outcome     VARCHAR(10)  NOT NULL CHECK (outcome IN ('claimed', 'saved', 'refused', 'held')),
    replica     VARCHAR(200) NOT NULL,
    claimed_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    detail      VARCHAR(2000),
    PRIMARY KEY (kind, data_path, kv_version)
);
