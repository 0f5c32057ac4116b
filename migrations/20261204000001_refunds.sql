-- Refunds and after-sales (issue 18). A refund request is the shopper's case; a refund is money
-- going back. The limits are kept by the code under the order's row lock and again here, so no
-- interleaving and no future bug can refund more than was paid.

-- ---- The shopper's case --------------------------------------------------------------------------
CREATE TABLE refund_requests (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id         BIGINT      NOT NULL REFERENCES orders (id),
    shopper_id       BIGINT      NOT NULL REFERENCES users (id),
    kind             TEXT        NOT NULL CHECK (kind IN ('refund_only', 'return_and_refund')),
    reason           TEXT        NOT NULL CHECK (reason IN ('changed_mind', 'ordered_by_mistake', 'damaged', 'wrong_item',
                                                            'not_as_described', 'missing_parts', 'other')),
    note             TEXT        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    photo_type       TEXT        CHECK (photo_type IN ('image/png', 'image/jpeg', 'image/webp')),
    photo            BYTEA       CHECK (octet_length(photo) <= 2 * 1024 * 1024),
    status           TEXT        NOT NULL CHECK (status IN ('awaiting_answer', 'refused', 'escalated', 'awaiting_return',
                                                            'return_in_transit', 'refunding', 'refunded', 'closed')),
    requested_minor  BIGINT      NOT NULL CHECK (requested_minor > 0),
    -- Set when staff approve less than was asked (the refund, now or after the return, is this).
    approved_minor   BIGINT      CHECK (approved_minor > 0 AND approved_minor <= requested_minor),
    currency         CHAR(3)     NOT NULL,
    -- While someone must act by a time: the merchant's answer, the merchant's receipt.
    deadline         TIMESTAMPTZ,
    refusal          TEXT        CHECK (length(refusal) <= 500),
    return_carrier   TEXT,
    return_tracking  TEXT,
    ticket_id        BIGINT      REFERENCES tickets (id),
    client_key       UUID        NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (shopper_id, client_key),
    CHECK ((photo IS NULL) = (photo_type IS NULL)),
    CHECK ((status IN ('awaiting_answer', 'return_in_transit')) = (deadline IS NOT NULL))
);
-- One open case per order: a second request waits for the first to end.
CREATE UNIQUE INDEX refund_requests_one_open ON refund_requests (order_id) WHERE status NOT IN ('refunded', 'closed');
CREATE INDEX refund_requests_due ON refund_requests (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX refund_requests_order ON refund_requests (order_id, id);

CREATE TABLE refund_request_lines (
    request_id  BIGINT  NOT NULL REFERENCES refund_requests (id),
    order_id    BIGINT  NOT NULL,
    product_id  BIGINT  NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (request_id, product_id),
    FOREIGN KEY (order_id, product_id) REFERENCES order_lines (order_id, product_id)
);

-- ---- The money -----------------------------------------------------------------------------------
CREATE TABLE refunds (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id            BIGINT      NOT NULL REFERENCES orders (id),
    request_id          BIGINT      UNIQUE REFERENCES refund_requests (id),
    amount_minor        BIGINT      NOT NULL CHECK (amount_minor > 0),
    currency            CHAR(3)     NOT NULL,
    -- Through the provider, or (cash on delivery) by the merchant outside it.
    method              TEXT        NOT NULL CHECK (method IN ('provider', 'cash', 'bank_transfer')),
    transfer_reference  TEXT        CHECK (length(transfer_reference) <= 60),
    status              TEXT        NOT NULL CHECK (status IN ('pending', 'failed', 'succeeded', 'canceled')),
    reason              TEXT        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    initiated_by        TEXT        NOT NULL CHECK (initiated_by IN ('shopper', 'merchant', 'system', 'staff')),
    initiated_by_id     BIGINT      REFERENCES users (id),
    -- The key of the click that asked for it: the same key is the same refund.
    client_key          UUID,
    provider_reference  TEXT,
    failures            INTEGER     NOT NULL DEFAULT 0,
    last_error          TEXT,
    -- Stock comes back when this refund succeeds (items never shipped, or returned and received).
    restock             BOOLEAN     NOT NULL DEFAULT false,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    succeeded_at        TIMESTAMPTZ,
    UNIQUE (initiated_by_id, client_key),
    CHECK ((method = 'bank_transfer') = (transfer_reference IS NOT NULL)),
    CHECK ((status = 'succeeded') = (succeeded_at IS NOT NULL)),
    -- Cash goes back by hand: recorded as done, never pending at a provider.
    CHECK (method = 'provider' OR status = 'succeeded')
);
CREATE INDEX refunds_order ON refunds (order_id, id);
-- Money that arrived for an order that could no longer take it (issue 10's unexpected charge)
-- goes back through the same refunds: one per attempt, for that charge's amount.
ALTER TABLE refunds ADD COLUMN attempt_id BIGINT UNIQUE REFERENCES payment_attempts (id);
CREATE INDEX refunds_unfinished ON refunds (updated_at) WHERE status IN ('pending', 'failed');
CREATE UNIQUE INDEX refunds_provider_reference ON refunds (provider_reference) WHERE provider_reference IS NOT NULL;

CREATE TABLE refund_lines (
    refund_id   BIGINT  NOT NULL REFERENCES refunds (id),
    order_id    BIGINT  NOT NULL,
    product_id  BIGINT  NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (refund_id, product_id),
    FOREIGN KEY (order_id, product_id) REFERENCES order_lines (order_id, product_id)
);

-- What was paid for an order, from its postings: the shop's side of its payment (online) or of
-- the cash collected on delivery.
CREATE FUNCTION order_paid_minor(p_order BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(e.amount_minor), 0)::BIGINT
    FROM ledger_transactions t
    JOIN ledger_entries e ON e.transaction_id = t.id
    JOIN ledger_accounts a ON a.id = e.account_id
    WHERE t.order_id = p_order AND t.kind IN ('payment', 'cash_on_delivery') AND a.kind IN ('merchant_pending', 'merchant_cash')
$$;

-- The refunds of an order that count (not cancelled) never exceed what was paid for it; the
-- refund of an unexpected charge is that charge's amount exactly. The order's row is locked
-- first, so two transactions adding refunds to one order are checked one after the other, each
-- seeing the other's committed refunds.
CREATE FUNCTION refunds_fit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    paid BIGINT;
    taken BIGINT;
BEGIN
    PERFORM 1 FROM orders WHERE id = NEW.order_id AND currency = NEW.currency FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'refund % is not in its order''s currency', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.attempt_id IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM unexpected_charges
                       WHERE attempt_id = NEW.attempt_id AND order_id = NEW.order_id AND amount_minor = NEW.amount_minor) THEN
            RAISE EXCEPTION 'refund % is not for an unexpected charge of its order', NEW.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END IF;
    paid := order_paid_minor(NEW.order_id);
    SELECT coalesce(sum(amount_minor), 0) INTO taken FROM refunds
    WHERE order_id = NEW.order_id AND status <> 'canceled' AND attempt_id IS NULL;
    IF taken > paid THEN
        RAISE EXCEPTION 'refunds of order % (%) exceed what was paid (%)', NEW.order_id, taken, paid USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER refunds_fit AFTER INSERT OR UPDATE OF status, amount_minor ON refunds
    FOR EACH ROW EXECUTE FUNCTION refunds_fit();

-- Per line: never more units than were bought.
CREATE FUNCTION refund_lines_fit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bought INTEGER;
    taken BIGINT;
BEGIN
    PERFORM 1 FROM orders WHERE id = NEW.order_id FOR UPDATE;
    SELECT quantity INTO bought FROM order_lines WHERE order_id = NEW.order_id AND product_id = NEW.product_id;
    SELECT coalesce(sum(l.quantity), 0) INTO taken
    FROM refund_lines l JOIN refunds r ON r.id = l.refund_id
    WHERE l.order_id = NEW.order_id AND l.product_id = NEW.product_id AND r.status <> 'canceled';
    IF taken > bought THEN
        RAISE EXCEPTION 'refunds of order % take % of product %, bought %', NEW.order_id, taken, NEW.product_id, bought
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER refund_lines_fit AFTER INSERT ON refund_lines FOR EACH ROW EXECUTE FUNCTION refund_lines_fit();

-- A refund's life only goes forward: a succeeded or cancelled refund never changes again, so it
-- can never be executed twice.
CREATE FUNCTION refunds_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('succeeded', 'canceled') AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'refund % is % and cannot change', OLD.id, OLD.status USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.amount_minor <> OLD.amount_minor OR NEW.order_id <> OLD.order_id THEN
        RAISE EXCEPTION 'a refund''s amount and order never change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refunds_forward_only BEFORE UPDATE ON refunds FOR EACH ROW EXECUTE FUNCTION refunds_forward_only();

-- ---- The ledger ----------------------------------------------------------------------------------
ALTER TABLE ledger_transactions ADD COLUMN refund_id BIGINT REFERENCES refunds (id);
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
    CHECK (kind IN ('payment', 'cash_on_delivery', 'unexpected_charge', 'unexpected_charge_refund', 'refund', 'cash_refund'));
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_refund_has_refund
    CHECK (kind NOT IN ('refund', 'cash_refund') OR refund_id IS NOT NULL);
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_refund_kinds
    CHECK (refund_id IS NULL OR kind IN ('refund', 'cash_refund', 'unexpected_charge_refund'));
-- A refund is booked once.
CREATE UNIQUE INDEX ledger_transactions_refund_once ON ledger_transactions (refund_id) WHERE refund_id IS NOT NULL;

-- succeeded refunds = refund postings, both ways, checked at commit.
CREATE FUNCTION refund_succeeded_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT status FROM refunds WHERE id = NEW.id) = 'succeeded'
       AND NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE refund_id = NEW.id) THEN
        RAISE EXCEPTION 'refund % succeeded without its posting', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER refunds_succeeded AFTER INSERT OR UPDATE OF status ON refunds
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'succeeded')
    EXECUTE FUNCTION refund_succeeded_check();

CREATE FUNCTION ledger_refund_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM refunds WHERE id = NEW.refund_id AND status = 'succeeded' AND order_id = NEW.order_id) THEN
        RAISE EXCEPTION 'refund posting % is not for a succeeded refund of its order', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transactions_refund AFTER INSERT ON ledger_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.refund_id IS NOT NULL)
    EXECUTE FUNCTION ledger_refund_check();

-- ---- Who is told, and where staff decide ----------------------------------------------------------
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'payment_received', 'payment_requested', 'payment_request_withdrawn', 'order_expired', 'order_shipped', 'new_device_sign_in',
    'unexpected_charge_refunded', 'refund_requested', 'refund_refused', 'return_approved', 'return_shipped', 'refund_escalated',
    'refund_succeeded', 'refund_failed'));

ALTER TABLE tickets DROP CONSTRAINT tickets_category_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_category_check CHECK (category IN (
    'unrecognised_payment', 'wrong_amount', 'order_not_received', 'account_accessed', 'other',
    'unexpected_charge', 'payment_stuck', 'refund_dispute'));

-- The sandbox provider's own refunds (it plays the provider in development and tests).
CREATE TABLE sandbox_refunds (
    reference        TEXT        PRIMARY KEY,
    charge_reference TEXT        NOT NULL,
    idempotency_key  TEXT        NOT NULL UNIQUE,
    amount_minor     BIGINT      NOT NULL CHECK (amount_minor > 0),
    status           TEXT        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    tries            INTEGER     NOT NULL DEFAULT 1,
    settle_at        TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_refunds_charge ON sandbox_refunds (charge_reference);

-- Staff decisions on a dispute join the ticket's action log.
ALTER TABLE staff_actions DROP CONSTRAINT staff_actions_action_check;
ALTER TABLE staff_actions ADD CONSTRAINT staff_actions_action_check
    CHECK (action IN ('replied', 'closed', 'froze_account', 'unfroze_account', 'approved_refund', 'upheld_refusal'));

-- Unexpected charges still waiting to go back are refunds from now on.
INSERT INTO refunds (order_id, amount_minor, currency, method, status, reason, initiated_by, attempt_id)
SELECT order_id, amount_minor, currency, 'provider', 'pending', 'order_closed', 'system', attempt_id
FROM unexpected_charges WHERE status = 'refund_pending';
