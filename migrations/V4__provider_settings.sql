-- The platform's global provider settings: one row per kind. Non-secret routing fields are plain columns;
-- every secret is a reference to a sealed_values row, never a value. A new secret is always a new sealed row,
-- so the rows an older version points at stay intact for rollback.
CREATE TABLE provider_settings (
    kind          VARCHAR(20)  PRIMARY KEY CHECK (kind IN ('llm', 'stt', 'tts', 'telephony')),
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
    api_key_id    UUID REFERENCES sealed_values (id),
    auth_token_id UUID REFERENCES sealed_values (id),
    -- 0 = never configured; every save or rollback adds 1. Saves lock the row and compare it (If-Match).
    version       BIGINT       NOT NULL DEFAULT 0,
    updated_by    VARCHAR(300),
    updated_at    TIMESTAMPTZ
);

-- Every kind exists from the start, so a first save locks a row like any other and two replicas that
-- bootstrap at once serialise on it instead of racing on an insert.
INSERT INTO provider_settings (kind) VALUES ('llm'), ('stt'), ('tts'), ('telephony');

-- Each saved version, the current one included; rollback copies an earlier row forward as a new version.
CREATE TABLE provider_setting_versions (
    id            BIGSERIAL    PRIMARY KEY,
    kind          VARCHAR(20)  NOT NULL REFERENCES provider_settings (kind),
    version       BIGINT       NOT NULL,
    action        VARCHAR(20)  NOT NULL CHECK (action IN ('save', 'rollback', 'bootstrap')),
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
    api_key_id    UUID REFERENCES sealed_values (id),
    auth_token_id UUID REFERENCES sealed_values (id),
    saved_by      VARCHAR(300) NOT NULL,
    saved_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (kind, version)
);
