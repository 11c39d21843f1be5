-- Start-up without a bcrypt (issue 17): the bootstrap administrator's row keeps a keyed check that its password_hash
-- is the hash of the SYSTEM_ADMIN_PASSWORD the last start saw, so a start whose password did not change compares one
-- HMAC instead of running bcrypt. hex HMAC-SHA256 under a key derived from CREDENTIAL_ENCRYPTION_KEY, over the e-mail,
-- the hash and the password: bound to the hash, so any other change of the password (the Users page) voids it, and
-- worthless without the host's key (it cannot be used to guess the password offline). NULL: check with bcrypt.
ALTER TABLE users ADD COLUMN IF NOT EXISTS bootstrap_password_check VARCHAR(64);
