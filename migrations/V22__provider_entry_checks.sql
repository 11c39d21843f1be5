-- The last live key check of each fallback provider entry (issue 19: every entry has its own checks): the columns,
-- defaults and CHECKs of provider_checks (V9 says what each means), keyed by the entry instead of the kind. A row is
-- made by the first check of the entry (a checked add or save, or a background check) and goes with the entry.
CREATE TABLE provider_entry_checks (
    entry_id BIGINT PRIMARY KEY REFERENCES provider_entries (id) ON DELETE CASCADE,
    LIKE provider_checks INCLUDING DEFAULTS INCLUDING CONSTRAINTS
);
ALTER TABLE provider_entry_checks DROP COLUMN kind;
