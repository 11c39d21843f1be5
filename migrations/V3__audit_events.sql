-- Who did what and when. Secret values never appear here: only their keyed fingerprints.
CREATE TABLE audit_events (
    id              BIGSERIAL    PRIMARY KEY,
    at              TIMESTAMPTZ  NOT NULL DEFAULT now(),
    actor           VARCHAR(300) NOT NULL,
    action          VARCHAR(100) NOT NULL,
    kind            VARCHAR(50)  NOT NULL,
    target          VARCHAR(300),
    detail          VARCHAR(2000),
    old_fingerprint VARCHAR(64),
    new_fingerprint VARCHAR(64)
);
CREATE INDEX audit_events_at ON audit_events (at DESC);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_kind ON audit_events (kind);
