-- Every live check of a provider key, by the key (issue 19): a key's last check follows the key wherever it moves (a
-- rollback, an automatic restore of a held configuration, a make-primary, a fallback re-created), with the check's
-- real time and measured duration. provider_checks and provider_entry_checks stay the last check of each PLACE (a
-- kind's primary, a fallback entry) and its background-check lease; this table answers "what did the last check of
-- this key find". A key is its kind and its keyed fingerprint (dev.keyhouse.sealed.SecretFingerprints), never the
-- key. Bounded by dev.keyhouse.checks.LastChecks: each record keeps the newest KEPT_PER_KEY rows of its key and
-- deletes the rest in its transaction, so background checks of one key never grow it.
CREATE TABLE provider_check_history (
    id               BIGSERIAL    PRIMARY KEY,
    kind             VARCHAR(20)  NOT NULL REFERENCES provider_settings (kind),
    -- the checked key's keyed fingerprint, as provider_checks.fingerprint
    fingerprint      VARCHAR(64)  NOT NULL,
    -- the provider the check was for, e.g. openai
    provider         VARCHAR(50),
    result           VARCHAR(20)  NOT NULL CHECK (result IN ('ok', 'invalid_key', 'no_credit', 'forbidden',
                                                            'rate_limited', 'unreachable', 'unverifiable',
                                                            'unexpected')),
    http_status      INTEGER,
    code             VARCHAR(64),
    -- when the check started, and how long the calls with the real key took (measured, never invented)
    checked_at       TIMESTAMPTZ  NOT NULL,
    duration_ms      BIGINT       NOT NULL CHECK (duration_ms >= 0),
    negative_control VARCHAR(10)  NOT NULL CHECK (negative_control IN ('rejected', 'accepted', 'not_run')),
    -- when this key's current result began: the first of its checks in a row that gave it
    result_since     TIMESTAMPTZ  NOT NULL
);
CREATE INDEX provider_check_history_key ON provider_check_history (kind, fingerprint, checked_at DESC, id DESC);

-- Keys checked before V24: the last check each place holds is the only real check the database has (the audit log
-- has no check's start or duration). A key found in no row stays "not checked yet" until its next check.
INSERT INTO provider_check_history (kind, fingerprint, provider, result, http_status, code, checked_at, duration_ms,
                                    negative_control, result_since)
SELECT kind, fingerprint, provider, result, http_status, code, checked_at, duration_ms, negative_control, result_since
  FROM provider_checks
 WHERE fingerprint IS NOT NULL AND result IS NOT NULL AND checked_at IS NOT NULL AND duration_ms IS NOT NULL
   AND negative_control IS NOT NULL AND result_since IS NOT NULL
UNION
SELECT e.kind, c.fingerprint, c.provider, c.result, c.http_status, c.code, c.checked_at, c.duration_ms,
       c.negative_control, c.result_since
  FROM provider_entry_checks c JOIN provider_entries e ON e.id = c.entry_id
 WHERE c.fingerprint IS NOT NULL AND c.result IS NOT NULL AND c.checked_at IS NOT NULL AND c.duration_ms IS NOT NULL
   AND c.negative_control IS NOT NULL AND c.result_since IS NOT NULL
 ORDER BY checked_at;
