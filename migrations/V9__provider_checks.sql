-- The last live check of each kind's stored provider key (issue 15): one row per kind, what the check found and
-- for which key (its keyed fingerprint), never a response body or a key. The row is also the lease that lets only
-- one replica check a kind per interval: a replica claims a kind by moving next_due forward in one UPDATE that
-- matches only while the kind is due, so two replicas never check the same kind in the same interval.
CREATE TABLE provider_checks (
    kind                VARCHAR(20)  PRIMARY KEY REFERENCES provider_settings (kind),
    -- the provider the last check was for, e.g. openai
    provider            VARCHAR(50),
    -- keyed fingerprint (dev.keyhouse.sealed.SecretFingerprints) of the secret the last check used; a result
    -- stands only for this key: when the stored secret's fingerprint differs, the kind counts as not checked yet
    fingerprint         VARCHAR(64),
    -- ok, invalid_key, no_credit, forbidden, rate_limited, unreachable, unverifiable, unexpected; null: never checked
    result              VARCHAR(20)  CHECK (result IN ('ok', 'invalid_key', 'no_credit', 'forbidden', 'rate_limited',
                                                       'unreachable', 'unverifiable', 'unexpected')),
    -- the HTTP status of the answer that decided the result; null when there was none
    http_status         INTEGER,
    -- the provider's short error code (dev.keyhouse.checks.Verdict: [A-Za-z0-9_.:-], at most 64), or Keyhouse's own
    code                VARCHAR(64),
    checked_at          TIMESTAMPTZ,
    duration_ms         BIGINT,
    -- rejected, accepted or not_run: what the provider did with a decoy key of the same shape
    negative_control    VARCHAR(10)  CHECK (negative_control IN ('rejected', 'accepted', 'not_run')),
    -- when the current result began: the first check of this key with this result
    result_since        TIMESTAMPTZ,
    -- the lease: the kind is due for a background check when next_due has passed, or when the stored secret is not
    -- the one the last claim was for (claimed_fingerprint), i.e. a changed key is due at once
    next_due            TIMESTAMPTZ  NOT NULL DEFAULT '-infinity',
    claimed_fingerprint VARCHAR(64)
);

-- Every kind exists from the start, as in provider_settings: claims and records update a row, never race on an insert.
INSERT INTO provider_checks (kind) SELECT kind FROM provider_settings;
