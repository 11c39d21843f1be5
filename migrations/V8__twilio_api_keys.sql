-- Telephony may authenticate with a Twilio API key instead of the account's auth token: the key's SID (SK + 32 hex,
-- not secret) and its secret, sealed by reference like every other secret. Existing rows keep their auth token.
ALTER TABLE provider_settings
    ADD COLUMN api_key_sid   VARCHAR(34),
    ADD COLUMN api_secret_id UUID REFERENCES sealed_values (id);
ALTER TABLE provider_setting_versions
    ADD COLUMN api_key_sid   VARCHAR(34),
    ADD COLUMN api_secret_id UUID REFERENCES sealed_values (id);
