-- Several providers per kind (issue 19): the kind's provider_settings row stays its primary entry (so
-- /api/v1/settings/{kind}, its history, rollback, rollouts and rotation are unchanged), and each fallback is a row
-- here, ordered by position. Only llm, stt and tts have fallbacks. The fields are the columns provider_settings has
-- (one embeddable maps both); each secret is a reference to a sealed_values row whose purpose names the kind and the
-- entry (provider_entry/<kind>/<id>/api_key), so the AEAD's associated data binds the value to its entry: a
-- reference copied to another entry or kind does not open. A new secret is always a new sealed row.
-- A database upgraded to this migration has no fallback, and runtime-config answers byte for byte as before.
CREATE TABLE provider_entries (
    id            BIGSERIAL    PRIMARY KEY,
    kind          VARCHAR(20)  NOT NULL REFERENCES provider_settings (kind) CHECK (kind IN ('llm', 'stt', 'tts')),
    -- 1 for the first fallback, 2 for the next, ... (the primary is the kind's provider_settings row)
    position      INT          NOT NULL CHECK (position >= 1),
    -- a disabled entry is kept but serves nothing
    enabled       BOOLEAN      NOT NULL DEFAULT true,
    provider      VARCHAR(50),
    model         VARCHAR(200),
    base_url      VARCHAR(2000),
    organization  VARCHAR(200),
    api_version   VARCHAR(50),
    language      VARCHAR(35),
    voice         VARCHAR(200),
    account_sid   VARCHAR(34),
    from_number   VARCHAR(16),
    whatsapp_from VARCHAR(25),
    api_key_sid   VARCHAR(34),
    url           VARCHAR(2000),
    endpoint      VARCHAR(2000),
    region        VARCHAR(50),
    bucket        VARCHAR(63),
    protocol      VARCHAR(20),
    api_key_id    UUID REFERENCES sealed_values (id),
    auth_token_id UUID REFERENCES sealed_values (id),
    api_secret_id UUID REFERENCES sealed_values (id),
    access_key_id UUID REFERENCES sealed_values (id),
    secret_key_id UUID REFERENCES sealed_values (id),
    headers_id    UUID REFERENCES sealed_values (id),
    -- 1 at creation; every change of the entry adds 1. Writes lock the row and compare it with If-Match.
    version       BIGINT       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by    VARCHAR(300) NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_by    VARCHAR(300) NOT NULL,
    updated_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (kind, position) DEFERRABLE INITIALLY DEFERRED
);

-- Every version of every entry, the current one included, never overwritten. No foreign key to provider_entries:
-- the history (and its delete row) outlives a deleted entry, so the runtime-config version, which counts these
-- rows, only grows.
CREATE TABLE provider_entry_versions (
    id            BIGSERIAL    PRIMARY KEY,
    entry_id      BIGINT       NOT NULL,
    kind          VARCHAR(20)  NOT NULL,
    version       BIGINT       NOT NULL,
    action        VARCHAR(20)  NOT NULL
                  CHECK (action IN ('create', 'save', 'move', 'enable', 'disable', 'primary', 'delete')),
    position      INT          NOT NULL,
    enabled       BOOLEAN      NOT NULL,
    provider      VARCHAR(50),
    model         VARCHAR(200),
    base_url      VARCHAR(2000),
    organization  VARCHAR(200),
    api_version   VARCHAR(50),
    language      VARCHAR(35),
    voice         VARCHAR(200),
    account_sid   VARCHAR(34),
    from_number   VARCHAR(16),
    whatsapp_from VARCHAR(25),
    api_key_sid   VARCHAR(34),
    url           VARCHAR(2000),
    endpoint      VARCHAR(2000),
    region        VARCHAR(50),
    bucket        VARCHAR(63),
    protocol      VARCHAR(20),
    api_key_id    UUID REFERENCES sealed_values (id),
    auth_token_id UUID REFERENCES sealed_values (id),
    api_secret_id UUID REFERENCES sealed_values (id),
    access_key_id UUID REFERENCES sealed_values (id),
    secret_key_id UUID REFERENCES sealed_values (id),
    headers_id    UUID REFERENCES sealed_values (id),
    saved_by      VARCHAR(300) NOT NULL,
    saved_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (entry_id, version)
);
CREATE INDEX provider_entry_versions_kind ON provider_entry_versions (kind);

-- Make-primary swaps an entry with the primary: a provider_setting_versions row of its own action.
ALTER TABLE provider_setting_versions DROP CONSTRAINT provider_setting_versions_action_check;
ALTER TABLE provider_setting_versions ADD CONSTRAINT provider_setting_versions_action_check
    CHECK (action IN ('save', 'rollback', 'bootstrap', 'primary'));

-- What runtime-config serves changes with these: the same notification as provider settings (V12).
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['provider_entries', 'provider_entry_versions'] LOOP
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
