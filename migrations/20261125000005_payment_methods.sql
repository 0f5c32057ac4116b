-- A shopper's bound payment methods. The provider's token stands for the instrument: the full
-- card number and the security code are never stored (they go to the provider and are dropped).
CREATE TABLE payment_methods (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shopper_id      BIGINT      NOT NULL REFERENCES users (id),
    kind            TEXT        NOT NULL CHECK (kind IN ('credit_card', 'debit_card', 'wallet')),
    provider        TEXT        NOT NULL,
    token           TEXT        NOT NULL,
    brand           TEXT,
    last4           CHAR(4)     CHECK (last4 ~ '^[0-9]{4}$'),
    exp_month       SMALLINT    CHECK (exp_month BETWEEN 1 AND 12),
    exp_year        SMALLINT,
    holder_name     TEXT,
    wallet          TEXT,
    wallet_display  TEXT,
    is_default      BOOLEAN     NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    removed_at      TIMESTAMPTZ,
    CHECK ((kind = 'wallet') = (wallet IS NOT NULL)),
    CHECK ((kind = 'wallet') = (last4 IS NULL))
);
CREATE INDEX payment_methods_shopper ON payment_methods (shopper_id) WHERE removed_at IS NULL;
-- At most one default per shopper.
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (shopper_id) WHERE is_default AND removed_at IS NULL;

-- The sandbox provider's own records (a real provider keeps these on its side).
CREATE TABLE sandbox_tokens (
    token       TEXT        PRIMARY KEY,
    behaviour   TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE sandbox_charges (
    reference          TEXT        PRIMARY KEY,
    token              TEXT        NOT NULL REFERENCES sandbox_tokens (token),
    amount_minor       BIGINT      NOT NULL,
    currency           CHAR(3)     NOT NULL,
    idempotency_key    TEXT        NOT NULL UNIQUE,
    status             TEXT        NOT NULL,
    decline_reason     TEXT,
    verification_code  TEXT,
    settle_at          TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Provider callbacks received, by event id: a repeated delivery is recognised and ignored.
CREATE TABLE provider_events (
    provider     TEXT        NOT NULL,
    event_id     TEXT        NOT NULL,
    body         JSONB       NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);
