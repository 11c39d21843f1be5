-- Requests the internal runtime endpoints refused for a missing or wrong PROVISIONER_INTERNAL_TOKEN (breaker b20, M2):
-- kept in PostgreSQL so every replica, and one restarted, names the same refusals on the runtimes list, the Environment
-- page, a run page and a rollout's alert. Bounded: one row per minute, caller name and failed check, counted; a replica
-- writes its tallies every few seconds (never on the request path), folds names past the first 16 of a minute into
-- the unnamed row, and deletes rows older than 30 days (dev.keyhouse.settings.RuntimeTokenRefusals).
CREATE TABLE runtime_token_refusals (
    -- the minute the refusals fell in (UTC, truncated)
    minute TIMESTAMPTZ NOT NULL,
    -- the X-Keyhouse-Runtime name the caller gave when it was a valid name, '' when none or invalid (or folded)
    runtime VARCHAR(200) NOT NULL,
    -- which check failed: the token is not set on Keyhouse, no bearer token was sent, or a token that does not match
    why VARCHAR(16) NOT NULL CHECK (why IN ('unset', 'no_bearer', 'mismatch')),
    refused BIGINT NOT NULL CHECK (refused > 0),
    -- the first and the last of them
    first_at TIMESTAMPTZ NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (minute, runtime, why)
);

-- readers ask for the refusals since a time
CREATE INDEX runtime_token_refusals_last_at ON runtime_token_refusals (last_at);
