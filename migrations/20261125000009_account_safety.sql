-- Account safety: a sign-in from a new device is told to the account's owner as a
-- notification that concerns no order.
ALTER TABLE notifications ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN amount_minor DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN currency DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN detail TEXT CHECK (length(detail) <= 400);
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'payment_received', 'payment_requested', 'payment_request_withdrawn', 'order_expired', 'order_shipped', 'new_device_sign_in'));
ALTER TABLE notifications ADD CONSTRAINT notifications_order_or_account
    CHECK ((kind = 'new_device_sign_in') = (order_id IS NULL));

CREATE OR REPLACE FUNCTION live_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO live_events (user_id, kind, order_number, detail)
    SELECT NEW.user_id, 'notification', coalesce(o.number, ''),
           jsonb_build_object('notification', NEW.kind, 'amount_minor', NEW.amount_minor, 'currency', NEW.currency)
    FROM (SELECT 1) one LEFT JOIN orders o ON o.id = NEW.order_id;
    RETURN NULL;
END $$;

-- Sessions are listed to their owner newest first.
CREATE INDEX sessions_user_seen ON sessions (user_id, last_seen_at DESC);
