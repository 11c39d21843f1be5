-- Every ciphertext Keyhouse stores lives in this one table, so rotation, per-key counts and leak checks
-- walk one place. The AEAD associated data is id + purpose: a ciphertext copied elsewhere does not decrypt.
CREATE TABLE sealed_values (
    id          UUID PRIMARY KEY,
    purpose     VARCHAR(200) NOT NULL,
    key_id      BIGINT       NOT NULL,
    ciphertext  BYTEA        NOT NULL,
    version     BIGINT       NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE INDEX sealed_values_key_id ON sealed_values (key_id);
CREATE INDEX sealed_values_purpose ON sealed_values (purpose);
