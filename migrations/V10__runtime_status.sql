-- Each runtime's last status report (POST /api/v1/internal/runtime-status): one row per runtime name, upserted.
-- detail is a short reason code ([A-Za-z0-9_.:-]{1,64}), never free text, so a report cannot carry a secret in.
CREATE TABLE runtime_status (
    runtime          VARCHAR(200) PRIMARY KEY,
    settings_version BIGINT       NOT NULL CHECK (settings_version >= 1),
    status           VARCHAR(16)  NOT NULL CHECK (status IN ('ok', 'failing')),
    detail           VARCHAR(64),
    reported_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    reported_from    VARCHAR(64)
);
