-- Live status: every order event and every notification becomes a live event for each user who
-- may see it, written by triggers in the same transaction as the change, and published with
-- NOTIFY when that transaction commits. The table is the outbox that a reconnecting browser
-- resumes from (by event id); the worker prunes it after a day.
CREATE TABLE live_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT      NOT NULL REFERENCES users (id),
    kind          TEXT        NOT NULL CHECK (kind IN ('order', 'notification')),
    order_number  TEXT        NOT NULL,
    detail        JSONB       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX live_events_user ON live_events (user_id, id);
CREATE INDEX live_events_created ON live_events (created_at);

-- An order event is seen by the order's shopper and by the shop's merchant.
CREATE FUNCTION live_order_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO live_events (user_id, kind, order_number, detail)
    SELECT u.id, 'order', o.number,
           jsonb_build_object('event', NEW.event, 'status', NEW.to_status, 'actor', NEW.actor)
    FROM orders o JOIN shops s ON s.id = o.shop_id
    CROSS JOIN LATERAL (VALUES (o.shopper_id), (s.merchant_id)) AS u (id)
    WHERE o.id = NEW.order_id;
    RETURN NULL;
END $$;
CREATE TRIGGER order_events_live AFTER INSERT ON order_events FOR EACH ROW EXECUTE FUNCTION live_order_event();

-- A notification is seen by its addressee.
CREATE FUNCTION live_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO live_events (user_id, kind, order_number, detail)
    SELECT NEW.user_id, 'notification', o.number,
           jsonb_build_object('notification', NEW.kind, 'amount_minor', NEW.amount_minor, 'currency', NEW.currency)
    FROM orders o WHERE o.id = NEW.order_id;
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_live AFTER INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION live_notification();

-- Published on commit (NOTIFY is transactional): one small JSON message per live event.
CREATE FUNCTION live_publish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('paydesk_live', jsonb_build_object(
        'id', NEW.id, 'user_id', NEW.user_id, 'kind', NEW.kind, 'order_number', NEW.order_number, 'detail', NEW.detail)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER live_events_publish AFTER INSERT ON live_events FOR EACH ROW EXECUTE FUNCTION live_publish();
