-- A payment attempt that changes without its order changing — a slow card declined, a
-- verification step asked for or timed out — reaches the open pay page and the merchant's
-- order page live, so neither has to poll while the live channel is up (issue 15). A success
-- needs no event of its own: the order turning paid is one already.
ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check
    CHECK (kind IN ('order', 'notification', 'ticket', 'qualification', 'payment'));

CREATE FUNCTION live_payment_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO live_events (user_id, kind, order_number, detail)
    SELECT u.id, 'payment', o.number, jsonb_build_object('event', 'attempt_' || NEW.status)
    FROM payments p
    JOIN orders o ON o.id = p.order_id
    JOIN shops s ON s.id = o.shop_id
    CROSS JOIN LATERAL (VALUES (o.shopper_id), (s.merchant_id)) AS u (id)
    WHERE p.id = NEW.payment_id;
    RETURN NULL;
END $$;
CREATE TRIGGER payment_attempts_live AFTER UPDATE OF status ON payment_attempts
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('requires_verification', 'failed'))
    EXECUTE FUNCTION live_payment_attempt();
