-- The fleet's other secrets as kinds of their own (issue 19, part A): livekit (URL, API key, API secret), storage
-- (S3 or MinIO: endpoint, region, bucket, access key, secret key) and tracing (OTLP: endpoint, protocol, headers).
-- Their non-secret fields are plain columns; each secret is a reference to a sealed_values row, like api_secret_id.
-- LiveKit's API key and secret use the existing api_key_id and api_secret_id columns.
ALTER TABLE provider_settings DROP CONSTRAINT provider_settings_kind_check;
ALTER TABLE provider_settings ADD CONSTRAINT provider_settings_kind_check
    CHECK (kind IN ('llm', 'stt', 'tts', 'telephony', 'livekit', 'storage', 'tracing'));

ALTER TABLE provider_settings
    ADD COLUMN url           VARCHAR(2000),
    ADD COLUMN endpoint      VARCHAR(2000),
    ADD COLUMN region        VARCHAR(50),
    ADD COLUMN bucket        VARCHAR(63),
    ADD COLUMN protocol      VARCHAR(20),
    ADD COLUMN access_key_id UUID REFERENCES sealed_values (id),
    ADD COLUMN secret_key_id UUID REFERENCES sealed_values (id),
    ADD COLUMN headers_id    UUID REFERENCES sealed_values (id);
ALTER TABLE provider_setting_versions
    ADD COLUMN url           VARCHAR(2000),
    ADD COLUMN endpoint      VARCHAR(2000),
    ADD COLUMN region        VARCHAR(50),
    ADD COLUMN bucket        VARCHAR(63),
    ADD COLUMN protocol      VARCHAR(20),
    ADD COLUMN access_key_id UUID REFERENCES sealed_values (id),
    ADD COLUMN secret_key_id UUID REFERENCES sealed_values (id),
    ADD COLUMN headers_id    UUID REFERENCES sealed_values (id);

-- Version 0 = never configured: runtime-config serves nothing of these kinds and its version (the sum of the kinds'
-- versions) stays what it was, so a database upgraded to this migration answers byte for byte as before.
INSERT INTO provider_settings (kind) VALUES ('livekit'), ('storage'), ('tracing');
-- One row per kind, as V9 made them; no live check exists for these kinds, so their rows are never claimed.
INSERT INTO provider_checks (kind) VALUES ('livekit'), ('storage'), ('tracing');

-- A target made without a dependsOn depends on every kind, as RuntimeTargets#create makes it; existing targets keep
-- exactly the kinds they have.
ALTER TABLE runtime_targets ALTER COLUMN depends_on SET DEFAULT 'llm,stt,tts,telephony,livekit,storage,tracing';
