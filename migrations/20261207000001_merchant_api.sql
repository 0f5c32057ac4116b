-- The merchant API (issue 21, first part): API keys, their requests, their rate windows, and
-- the answers kept for Idempotency-Key.

-- A key is stored as the SHA-256 of the whole key (keys are long and random: no slow hash is
-- needed) beside its visible prefix; the secret is shown once, at creation.
CREATE TABLE api_keys (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id       BIGINT      NOT NULL REFERENCES shops (id),
    name          TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    prefix        TEXT        NOT NULL UNIQUE CHECK (prefix ~ '^pdk_[a-z0-9]{8}$'),
    secret_hash   BYTEA       NOT NULL CHECK (octet_length(secret_hash) = 32),
    scope         TEXT        NOT NULL CHECK (scope IN ('read', 'read_write')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_keys_shop ON api_keys (shop_id, created_at DESC);

CREATE TABLE api_requests (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id  BIGINT      NOT NULL REFERENCES api_keys (id),
    method  TEXT        NOT NULL,
    route   TEXT        NOT NULL,
    status  SMALLINT    NOT NULL,
    at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX api_requests_key ON api_requests (key_id, at DESC);

-- Requests per key per minute (one row per key and minute, counted in one statement).
CREATE TABLE api_rate (
    key_id        BIGINT      NOT NULL REFERENCES api_keys (id),
    window_start  TIMESTAMPTZ NOT NULL,
    count         INTEGER     NOT NULL,
    PRIMARY KEY (key_id, window_start)
);

-- Idempotency-Key, per shop: the first request's answer, replayed for 24 hours (at least); a
-- row without a status is a request still running.
CREATE TABLE api_idempotency (
    shop_id          BIGINT      NOT NULL REFERENCES shops (id),
    idempotency_key  TEXT        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    fingerprint      BYTEA       NOT NULL,
    status           SMALLINT,
    response         JSONB,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
