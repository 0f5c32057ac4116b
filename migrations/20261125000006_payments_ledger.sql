-- One payment per order (the intent); each try to pay is an attempt under it.
CREATE TABLE payments (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           BIGINT      NOT NULL UNIQUE REFERENCES orders (id),
    amount_minor       BIGINT      NOT NULL CHECK (amount_minor > 0),
    currency           CHAR(3)     NOT NULL,
    collection_method  TEXT        NOT NULL DEFAULT 'online' CHECK (collection_method IN ('online', 'cash_on_delivery')),
    deadline           TIMESTAMPTZ NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE payment_attempts (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id          BIGINT      NOT NULL REFERENCES payments (id),
    shopper_id          BIGINT      NOT NULL REFERENCES users (id),
    method_id           BIGINT      NOT NULL REFERENCES payment_methods (id),
    idempotency_key     UUID        NOT NULL,
    provider            TEXT        NOT NULL,
    provider_reference  TEXT,
    status              TEXT        NOT NULL CHECK (status IN ('processing', 'requires_verification', 'succeeded', 'failed')),
    failure_reason      TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (shopper_id, idempotency_key)
);
-- At most one attempt per payment may be live or succeeded: a second "Pay" while one runs, or
-- after one succeeded, cannot even be recorded — so it can never reach the provider.
CREATE UNIQUE INDEX payment_attempts_one_live ON payment_attempts (payment_id)
    WHERE status IN ('processing', 'requires_verification', 'succeeded');
CREATE INDEX payment_attempts_pending ON payment_attempts (updated_at) WHERE status IN ('processing', 'requires_verification');
CREATE UNIQUE INDEX payment_attempts_reference ON payment_attempts (provider, provider_reference);

-- Double-entry ledger. Entries are never updated or deleted; a correction is a new transaction.
CREATE TABLE ledger_accounts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('shopper_funding', 'platform_clearing', 'merchant_pending')),
    owner_id   BIGINT,            -- the shopper (user) or the shop; NULL for the platform
    currency   CHAR(3) NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, owner_id, currency)
);

CREATE TABLE ledger_transactions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT        NOT NULL,
    attempt_id  BIGINT      UNIQUE REFERENCES payment_attempts (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  BIGINT  NOT NULL REFERENCES ledger_transactions (id),
    account_id      BIGINT  NOT NULL REFERENCES ledger_accounts (id),
    amount_minor    BIGINT  NOT NULL CHECK (amount_minor <> 0),   -- debit > 0, credit < 0
    currency        CHAR(3) NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Every transaction balances per currency, checked when the database transaction commits.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM ledger_entries WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING sum(amount_minor) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
