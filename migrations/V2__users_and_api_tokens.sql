-- People who sign in, and the API tokens automation uses. Passwords and tokens are stored only as hashes.
CREATE TABLE users (
    id              BIGSERIAL    PRIMARY KEY,
    email           VARCHAR(254) NOT NULL,
    password_hash   VARCHAR(100) NOT NULL,
    role            VARCHAR(20)  NOT NULL CHECK (role IN ('admin', 'viewer')),
    disabled        BOOLEAN      NOT NULL DEFAULT FALSE,
    bootstrap       BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_sign_in_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE api_tokens (
    id           BIGSERIAL    PRIMARY KEY,
    name         VARCHAR(100) NOT NULL,
    role         VARCHAR(20)  NOT NULL CHECK (role IN ('admin', 'viewer')),
    -- SHA-256 of the token: tokens are 256 random bits, so a fast hash is enough and lookups stay O(1)
    token_hash   VARCHAR(64)  NOT NULL UNIQUE,
    -- the token's first characters, so an operator can tell tokens apart without the secret
    hint         VARCHAR(16)  NOT NULL,
    created_by   BIGINT       REFERENCES users (id),
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
