-- The merchant collects: payment requests with deadlines, cash on delivery, fulfilment,
-- notifications, and what the order console needs to stay fast with millions of orders.

-- Cash on delivery adds two unpaid statuses: to ship, and shipped with the cash still due.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN (
    'awaiting_payment', 'cod_to_ship', 'cod_shipped', 'paid', 'shipped', 'delivered', 'completed', 'cancelled'));
ALTER TABLE orders
    ADD COLUMN collection_method TEXT NOT NULL DEFAULT 'online' CHECK (collection_method IN ('online', 'cash_on_delivery')),
    ADD COLUMN paid_at           TIMESTAMPTZ,
    ADD COLUMN delivered_at      TIMESTAMPTZ,
    ADD COLUMN carrier           TEXT CHECK (length(carrier) <= 60),
    ADD COLUMN tracking_number   TEXT CHECK (length(tracking_number) <= 60);
UPDATE orders SET paid_at = updated_at WHERE status IN ('paid', 'shipped', 'delivered', 'completed');

-- What an event says beyond its status change ("deadline …", "DHL 1234", "cash 12.34 USD").
ALTER TABLE order_events ADD COLUMN detail TEXT;

-- The order console: one index per way of listing a shop's orders, newest first, so that any
-- page (first or ten-thousandth) is an index range scan from the cursor.
CREATE INDEX orders_shop_status ON orders (shop_id, status, created_at DESC, id DESC);
CREATE INDEX orders_shop_method ON orders (shop_id, collection_method, created_at DESC, id DESC);
CREATE INDEX orders_shop_shopper ON orders (shop_id, shopper_id, created_at DESC, id DESC);
-- The worker's queues: unpaid orders by deadline, delivered orders by delivery time.
CREATE INDEX orders_due ON orders (payment_due_at) WHERE status = 'awaiting_payment';
CREATE INDEX orders_delivered ON orders (delivered_at) WHERE status = 'delivered';

-- Orders per shop and status, kept by a trigger: the console's tabs never count a million rows.
CREATE TABLE shop_order_counts (
    shop_id  BIGINT NOT NULL REFERENCES shops (id),
    status   TEXT   NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (shop_id, status)
);
INSERT INTO shop_order_counts (shop_id, status, count) SELECT shop_id, status, count(*) FROM orders GROUP BY 1, 2;

CREATE FUNCTION orders_count_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO shop_order_counts (shop_id, status, count) VALUES (NEW.shop_id, NEW.status, 1)
        ON CONFLICT (shop_id, status) DO UPDATE SET count = shop_order_counts.count + 1;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        -- Both rows in one statement, in status order: concurrent changes lock them alike.
        INSERT INTO shop_order_counts (shop_id, status, count)
        SELECT NEW.shop_id, s, d FROM (VALUES (OLD.status, -1), (NEW.status, 1)) AS c (s, d) ORDER BY s
        ON CONFLICT (shop_id, status) DO UPDATE SET count = shop_order_counts.count + EXCLUDED.count;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER orders_count_statuses AFTER INSERT OR UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_count_statuses();

-- A merchant's request that the shopper pay by a deadline. At most one is open per order; a
-- re-send replaces it, a withdrawal closes it, payment or expiry ends it.
CREATE TABLE payment_requests (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     BIGINT      NOT NULL REFERENCES orders (id),
    merchant_id  BIGINT      NOT NULL REFERENCES users (id),
    deadline     TIMESTAMPTZ NOT NULL,
    status       TEXT        NOT NULL CHECK (status IN ('open', 'replaced', 'withdrawn', 'paid', 'expired', 'cancelled')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX payment_requests_one_open ON payment_requests (order_id) WHERE status = 'open';
CREATE INDEX payment_requests_order ON payment_requests (order_id, id DESC);

-- What a user is told: stored, listed newest first, unread until marked read.
CREATE TABLE notifications (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT      NOT NULL REFERENCES users (id),
    kind          TEXT        NOT NULL CHECK (kind IN ('payment_received', 'payment_requested', 'payment_request_withdrawn',
                                                       'order_expired', 'order_shipped')),
    order_id      BIGINT      NOT NULL REFERENCES orders (id),
    amount_minor  BIGINT      NOT NULL,
    currency      CHAR(3)     NOT NULL,
    deadline      TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at       TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Cash collected by the merchant on delivery: a ledger account of its own, and a ledger
-- transaction tied to the order (once) instead of to a payment attempt.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
    CHECK (kind IN ('shopper_funding', 'platform_clearing', 'merchant_pending', 'merchant_cash'));
ALTER TABLE ledger_transactions ADD COLUMN order_id BIGINT REFERENCES orders (id);
CREATE UNIQUE INDEX ledger_transactions_cod_once ON ledger_transactions (order_id) WHERE kind = 'cash_on_delivery';
