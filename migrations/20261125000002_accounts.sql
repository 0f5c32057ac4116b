-- Accounts: one model for shoppers, merchants and staff, told apart by role.
CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          TEXT        NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    password_hash  TEXT        NOT NULL,  -- argon2id PHC string
    role           TEXT        NOT NULL CHECK (role IN ('shopper', 'merchant', 'staff')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 is stored, so a
-- leaked table does not yield usable cookies.
CREATE TABLE sessions (
    token_hash    BYTEA       PRIMARY KEY,
    user_id       BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,           -- the absolute limit
    ip            TEXT        NOT NULL,
    user_agent    TEXT        NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every sign-in attempt, for throttling per account and per address.
CREATE TABLE sign_in_attempts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      TEXT        NOT NULL,
    ip         TEXT        NOT NULL,
    succeeded  BOOLEAN     NOT NULL,
    at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_email ON sign_in_attempts (email, at);
CREATE INDEX sign_in_attempts_ip ON sign_in_attempts (ip, at);

-- What the owner of an account sees on their account page: sign-ins and security changes.
CREATE TABLE account_activity (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT        NOT NULL,
    ip          TEXT        NOT NULL,
    user_agent  TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX account_activity_user ON account_activity (user_id, at DESC);
