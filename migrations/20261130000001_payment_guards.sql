-- Money and live status stay correct under every interleaving (issue 13).

-- ---- Verification steps time out, and their codes cannot be guessed ----------------------------
ALTER TABLE payment_attempts
    -- Set when the attempt starts waiting for its one-time code: the worker fails it after this.
    ADD COLUMN verification_expires_at TIMESTAMPTZ,
    -- Codes tried on this attempt (a try is counted before the provider sees the code).
    ADD COLUMN code_tries INT NOT NULL DEFAULT 0 CHECK (code_tries BETWEEN 0 AND 5);
CREATE INDEX payment_attempts_verification_due ON payment_attempts (verification_expires_at)
    WHERE status = 'requires_verification';

-- Wrong codes per shopper, across attempts (throttle).
CREATE TABLE verification_failures (
    shopper_id  BIGINT      NOT NULL REFERENCES users (id),
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX verification_failures_shopper ON verification_failures (shopper_id, at);

-- ---- Money that arrived for an order that could no longer take it -----------------------------
-- Never booked as a payment: held in the platform's suspense account and sent back.
CREATE TABLE unexpected_charges (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempt_id          BIGINT      NOT NULL UNIQUE REFERENCES payment_attempts (id),
    order_id            BIGINT      NOT NULL REFERENCES orders (id),
    amount_minor        BIGINT      NOT NULL CHECK (amount_minor > 0),
    currency            CHAR(3)     NOT NULL,
    provider_reference  TEXT        NOT NULL,
    status              TEXT        NOT NULL DEFAULT 'refund_pending' CHECK (status IN ('refund_pending', 'refunded')),
    refund_reference    TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    refunded_at         TIMESTAMPTZ,
    CHECK ((status = 'refunded') = (refund_reference IS NOT NULL AND refunded_at IS NOT NULL))
);
CREATE INDEX unexpected_charges_pending ON unexpected_charges (id) WHERE status = 'refund_pending';

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
    CHECK (kind IN ('shopper_funding', 'platform_clearing', 'merchant_pending', 'merchant_cash', 'platform_suspense'));
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
    CHECK (kind IN ('payment', 'cash_on_delivery', 'unexpected_charge', 'unexpected_charge_refund'));
CREATE UNIQUE INDEX ledger_transactions_unexpected_once ON ledger_transactions (attempt_id, kind)
    WHERE kind IN ('unexpected_charge', 'unexpected_charge_refund');
-- The attempt id was unique over all kinds; a payment is still booked once per attempt.
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_attempt_id_key;
CREATE UNIQUE INDEX ledger_transactions_payment_once ON ledger_transactions (attempt_id) WHERE kind = 'payment';

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'payment_received', 'payment_requested', 'payment_request_withdrawn', 'order_expired', 'order_shipped', 'new_device_sign_in',
    'unexpected_charge_refunded'));

-- Tickets the platform files itself for staff (an unexpected charge, a payment it cannot finish):
-- the message has no human author.
ALTER TABLE tickets DROP CONSTRAINT tickets_category_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_category_check CHECK (category IN (
    'unrecognised_payment', 'wrong_amount', 'order_not_received', 'account_accessed', 'other',
    'unexpected_charge', 'payment_stuck'));
ALTER TABLE ticket_messages ALTER COLUMN author_id DROP NOT NULL;

-- ---- Background jobs: one failing item never holds up the others ------------------------------
CREATE TABLE job_failures (
    job          TEXT        NOT NULL,
    item_id      BIGINT      NOT NULL,
    failures     INT         NOT NULL,
    last_error   TEXT        NOT NULL,
    -- Not tried again before this (exponential back-off).
    next_at      TIMESTAMPTZ NOT NULL,
    -- When staff were told (after the fifth failure).
    reported_at  TIMESTAMPTZ,
    PRIMARY KEY (job, item_id)
);

-- ---- The invariant, in the schema ---------------------------------------------------------------
-- paid orders = succeeded attempts = payment ledger transactions. Checked when the transaction
-- commits, so the statements of one change may come in any order.
CREATE FUNCTION order_is_paid(order_status TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT order_status IN ('paid', 'shipped', 'delivered', 'completed')
$$;

-- A succeeded attempt belongs to a paid order and is booked as a payment.
CREATE FUNCTION payment_attempt_succeeded_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current_status TEXT;
BEGIN
    SELECT status INTO current_status FROM payment_attempts WHERE id = NEW.id;
    IF current_status IS DISTINCT FROM 'succeeded' THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM payments p JOIN orders o ON o.id = p.order_id
                   WHERE p.id = NEW.payment_id AND order_is_paid(o.status)) THEN
        RAISE EXCEPTION 'payment attempt % succeeded for an order that is not paid', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE attempt_id = NEW.id AND kind = 'payment') THEN
        RAISE EXCEPTION 'payment attempt % succeeded without a payment posting', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER payment_attempts_succeeded AFTER INSERT OR UPDATE OF status ON payment_attempts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'succeeded')
    EXECUTE FUNCTION payment_attempt_succeeded_check();

-- A payment posting belongs to a succeeded attempt of a paid order.
CREATE FUNCTION ledger_payment_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM payment_attempts a JOIN payments p ON p.id = a.payment_id JOIN orders o ON o.id = p.order_id
                   WHERE a.id = NEW.attempt_id AND a.status = 'succeeded' AND o.id = NEW.order_id AND order_is_paid(o.status)) THEN
        RAISE EXCEPTION 'payment posting % is not for a succeeded attempt of a paid order', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transactions_payment AFTER INSERT ON ledger_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'payment')
    EXECUTE FUNCTION ledger_payment_check();

-- An order paid online has its succeeded attempt (checked at every step of its life after
-- payment); an order that closes unpaid, or turns to cash on delivery, has no payment that
-- succeeded or is still in flight.
CREATE FUNCTION order_payment_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current_status TEXT;
BEGIN
    SELECT status INTO current_status FROM orders WHERE id = NEW.id;
    IF order_is_paid(current_status) AND NEW.collection_method = 'online' AND NOT EXISTS (
        SELECT 1 FROM payments p JOIN payment_attempts a ON a.payment_id = p.id WHERE p.order_id = NEW.id AND a.status = 'succeeded'
    ) THEN
        RAISE EXCEPTION 'order % is paid without a succeeded payment', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF current_status IN ('cancelled', 'cod_to_ship') AND EXISTS (
        SELECT 1 FROM payments p JOIN payment_attempts a ON a.payment_id = p.id
        WHERE p.order_id = NEW.id AND a.status IN ('succeeded', 'processing', 'requires_verification')
    ) THEN
        RAISE EXCEPTION 'order % cannot close while a payment of it succeeded or is in flight', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER orders_payment AFTER UPDATE OF status ON orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('paid', 'shipped', 'delivered', 'completed', 'cancelled', 'cod_to_ship'))
    EXECUTE FUNCTION order_payment_check();

-- ---- Live events: a delivery sequence given after commit ----------------------------------------
-- An event's id is taken at INSERT but becomes visible at COMMIT, so ids do not become visible in
-- order. The dispatcher gives committed events their `seq`, one dispatch transaction at a time
-- (serialised on the `live_dispatch` row), so sequence numbers become visible strictly in
-- order: a reader that has seen `seq = n` has seen every event numbered below n.
ALTER TABLE live_events ADD COLUMN seq BIGINT UNIQUE;
UPDATE live_events SET seq = id;
CREATE INDEX live_events_undispatched ON live_events (id) WHERE seq IS NULL;
CREATE INDEX live_events_user_seq ON live_events (user_id, seq);
DROP INDEX live_events_user;

CREATE TABLE live_dispatch (
    singleton  BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq   BIGINT  NOT NULL
);
INSERT INTO live_dispatch (last_seq) SELECT coalesce(max(id), 0) FROM live_events;

-- A new event wakes the dispatchers; the same payload within one transaction is sent once.
CREATE OR REPLACE FUNCTION live_publish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('paydesk_live_pending', '');
    RETURN NULL;
END $$;
