-- Settlement, payouts and statements (issue 20).
--
-- Balances are never stored: a shop's pending, available, reserved, in-transit and paid-out
-- money are the sums of the postings on its ledger accounts of those kinds.

-- ---- The platform's clock -------------------------------------------------------------------
-- A test clock (sandbox provider, never in production): staff move the platform's time forward
-- so that deadlines, settlement and payouts can be walked through in seconds. Every business
-- time of this feature (a settlement, a payout, a ledger booking) is taken from platform_now().
CREATE TABLE platform_clock (
    only_row     BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    offset_secs  BIGINT  NOT NULL DEFAULT 0 CHECK (offset_secs >= 0)
);
INSERT INTO platform_clock DEFAULT VALUES;
CREATE FUNCTION platform_now() RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
    SELECT now() + make_interval(secs => (SELECT offset_secs FROM platform_clock))
$$;

-- When a ledger transaction counts, on the platform's clock (statements are per day of it).
ALTER TABLE ledger_transactions ADD COLUMN booked_at TIMESTAMPTZ NOT NULL DEFAULT platform_now();
CREATE INDEX ledger_transactions_booked ON ledger_transactions (booked_at);

-- ---- A shop's terms -------------------------------------------------------------------------
-- Commission and reserve in basis points (200 = 2 %), rounded half up to the currency's minor
-- unit; the reserve is held for reserve_days after settlement.
ALTER TABLE shops
    ADD COLUMN commission_bp  INTEGER NOT NULL DEFAULT 200 CHECK (commission_bp BETWEEN 0 AND 5000),
    ADD COLUMN reserve_bp     INTEGER NOT NULL DEFAULT 0   CHECK (reserve_bp BETWEEN 0 AND 5000),
    ADD COLUMN reserve_days   INTEGER NOT NULL DEFAULT 30  CHECK (reserve_days BETWEEN 1 AND 365),
    ADD COLUMN payout_schedule TEXT   NOT NULL DEFAULT 'manual' CHECK (payout_schedule IN ('manual', 'daily', 'weekly'));

-- ---- Settlements ----------------------------------------------------------------------------
CREATE TABLE payouts (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id             BIGINT      NOT NULL REFERENCES shops (id),
    amount_minor        BIGINT      NOT NULL CHECK (amount_minor > 0),
    currency            CHAR(3)     NOT NULL,
    status              TEXT        NOT NULL CHECK (status IN ('pending', 'in_transit', 'paid', 'failed')),
    automatic           BOOLEAN     NOT NULL,
    -- The merchant's key for a payout by hand; the schedule's day for an automatic one.
    client_key          UUID,
    schedule_day        DATE,
    destination         TEXT        NOT NULL,   -- masked, as shown: "DBS •••• 6789"
    provider_reference  TEXT,
    failure_reason      TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT platform_now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    arrived_at          TIMESTAMPTZ,
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
    CHECK ((status = 'paid') = (arrived_at IS NOT NULL)),
    CHECK (automatic = (schedule_day IS NOT NULL) AND automatic <> (client_key IS NOT NULL))
);
CREATE UNIQUE INDEX payouts_client_key ON payouts (shop_id, client_key) WHERE client_key IS NOT NULL;
CREATE UNIQUE INDEX payouts_schedule_day ON payouts (shop_id, currency, schedule_day) WHERE schedule_day IS NOT NULL;
CREATE INDEX payouts_shop ON payouts (shop_id, created_at DESC, id DESC);
CREATE INDEX payouts_open ON payouts (updated_at) WHERE status IN ('pending', 'in_transit');
CREATE UNIQUE INDEX payouts_reference ON payouts (provider_reference) WHERE provider_reference IS NOT NULL;

-- One per order, ever (two workers settling the same day settle each order once).
CREATE TABLE settlements (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             BIGINT      NOT NULL UNIQUE REFERENCES orders (id),
    shop_id              BIGINT      NOT NULL REFERENCES shops (id),
    currency             CHAR(3)     NOT NULL,
    cash                 BOOLEAN     NOT NULL,
    gross_minor          BIGINT      NOT NULL CHECK (gross_minor > 0),
    refunded_minor       BIGINT      NOT NULL CHECK (refunded_minor BETWEEN 0 AND gross_minor),
    commission_minor     BIGINT      NOT NULL CHECK (commission_minor >= 0),
    reserve_minor        BIGINT      NOT NULL CHECK (reserve_minor >= 0),
    net_minor            BIGINT      NOT NULL,
    settled_at           TIMESTAMPTZ NOT NULL,
    reserve_release_at   TIMESTAMPTZ,
    reserve_released_at  TIMESTAMPTZ,
    payout_id            BIGINT      REFERENCES payouts (id),
    -- What the merchant gets: for an online payment what was paid less refunds, commission and
    -- reserve; for cash on delivery (the cash is with the shop already) minus the commission.
    CHECK (net_minor = CASE WHEN cash THEN -commission_minor
                            ELSE gross_minor - refunded_minor - commission_minor - reserve_minor END),
    CHECK (NOT cash OR reserve_minor = 0),
    CHECK ((reserve_minor > 0) = (reserve_release_at IS NOT NULL)),
    CHECK (reserve_released_at IS NULL OR reserve_minor > 0)
);
CREATE INDEX settlements_shop ON settlements (shop_id, currency, settled_at);
CREATE INDEX settlements_reserve_due ON settlements (reserve_release_at) WHERE reserve_minor > 0 AND reserve_released_at IS NULL;
CREATE INDEX settlements_unpaid ON settlements (shop_id, currency) WHERE payout_id IS NULL;
CREATE INDEX settlements_payout ON settlements (payout_id) WHERE payout_id IS NOT NULL;

-- Orders waiting to settle, by delivery time.
CREATE INDEX orders_to_settle ON orders (delivered_at) WHERE status IN ('delivered', 'completed');

-- ---- Payout bank accounts -------------------------------------------------------------------
CREATE TABLE payout_accounts (
    shop_id        BIGINT      PRIMARY KEY REFERENCES shops (id),
    country        CHAR(2)     NOT NULL CHECK (country IN ('SG', 'US', 'JP')),
    holder         TEXT        NOT NULL CHECK (length(holder) BETWEEN 1 AND 100),
    bank_code      TEXT        NOT NULL,
    branch_code    TEXT        NOT NULL DEFAULT '',
    account_number TEXT        NOT NULL,
    bound_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- ---- The ledger -----------------------------------------------------------------------------
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
    CHECK (kind IN ('shopper_funding', 'platform_clearing', 'merchant_pending', 'merchant_cash', 'platform_suspense',
                    'merchant_available', 'merchant_reserve', 'merchant_payouts_in_transit', 'merchant_bank', 'platform_revenue'));
ALTER TABLE ledger_transactions ADD COLUMN settlement_id BIGINT REFERENCES settlements (id);
ALTER TABLE ledger_transactions ADD COLUMN payout_id BIGINT REFERENCES payouts (id);
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
    CHECK (kind IN ('payment', 'cash_on_delivery', 'unexpected_charge', 'unexpected_charge_refund', 'refund', 'cash_refund',
                    'settlement', 'reserve_release', 'payout', 'payout_paid', 'payout_failed'));
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_settlement_kinds
    CHECK ((kind IN ('settlement', 'reserve_release')) = (settlement_id IS NOT NULL));
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_payout_kinds
    CHECK ((kind IN ('payout', 'payout_paid', 'payout_failed')) = (payout_id IS NOT NULL));
-- Each is booked once.
CREATE UNIQUE INDEX ledger_transactions_settlement_once ON ledger_transactions (settlement_id, kind) WHERE settlement_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_transactions_payout_once ON ledger_transactions (payout_id, kind) WHERE payout_id IS NOT NULL;
CREATE INDEX ledger_transactions_order ON ledger_transactions (order_id) WHERE order_id IS NOT NULL;

-- A payout never takes more than the shop has available: checked when it is booked, with the
-- shop's payout account row locked by the caller so that two payouts are checked in turn.
CREATE FUNCTION payout_fits() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_over BIGINT;
BEGIN
    SELECT coalesce(sum(e.amount_minor), 0) INTO left_over
    FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
    JOIN payouts p ON p.id = NEW.payout_id
    WHERE a.kind = 'merchant_available' AND a.owner_id = p.shop_id AND a.currency = p.currency;
    IF left_over < 0 THEN
        RAISE EXCEPTION 'payout % takes more than is available', NEW.payout_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transactions_payout_fits AFTER INSERT ON ledger_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'payout')
    EXECUTE FUNCTION payout_fits();

-- ---- Reconciliation -------------------------------------------------------------------------
CREATE TABLE reconciliation_runs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day          DATE        NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    checked      BIGINT      NOT NULL DEFAULT 0,
    differences  JSONB       NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX reconciliation_runs_day ON reconciliation_runs (day);

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'payment_received', 'payment_requested', 'payment_request_withdrawn', 'order_expired', 'order_shipped', 'new_device_sign_in',
    'unexpected_charge_refunded', 'refund_requested', 'refund_refused', 'return_approved', 'return_shipped', 'refund_escalated',
    'refund_succeeded', 'refund_failed', 'payout_paid', 'payout_failed'));

-- ---- The sandbox provider's payouts --------------------------------------------------------------
CREATE TABLE sandbox_payouts (
    reference        TEXT        PRIMARY KEY,
    idempotency_key  TEXT        NOT NULL UNIQUE,
    amount_minor     BIGINT      NOT NULL CHECK (amount_minor > 0),
    currency         CHAR(3)     NOT NULL,
    account_number   TEXT        NOT NULL,
    status           TEXT        NOT NULL CHECK (status IN ('in_transit', 'paid', 'failed')),
    failure_reason   TEXT,
    settle_at        TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE notifications DROP CONSTRAINT notifications_order_or_account;
ALTER TABLE notifications ADD CONSTRAINT notifications_order_or_account
    CHECK ((kind IN ('new_device_sign_in', 'payout_paid', 'payout_failed')) = (order_id IS NULL));
