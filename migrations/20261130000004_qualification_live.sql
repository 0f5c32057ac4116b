-- A staff decision on a qualification reaches the merchant's open pages live, and a
-- (re)submission reaches every staff member's review queue (issue 14).
ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check CHECK (kind IN ('order', 'notification', 'ticket', 'qualification'));

CREATE FUNCTION live_qualification_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.actor_id = NEW.merchant_id THEN
        INSERT INTO live_events (user_id, kind, order_number, detail)
        SELECT u.id, 'qualification', '', jsonb_build_object('event', NEW.to_status) FROM users u WHERE u.role = 'staff';
    ELSE
        INSERT INTO live_events (user_id, kind, order_number, detail)
        VALUES (NEW.merchant_id, 'qualification', '', jsonb_build_object('event', NEW.to_status));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER qualification_events_live AFTER INSERT ON qualification_events
    FOR EACH ROW EXECUTE FUNCTION live_qualification_event();
