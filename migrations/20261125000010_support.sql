-- Safe use: support tickets, staff actions on them, and frozen accounts.

-- A frozen account cannot sign in (staff froze it after a report that someone else used it).
ALTER TABLE users ADD COLUMN frozen_at TIMESTAMPTZ;

CREATE TABLE tickets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    category    TEXT        NOT NULL CHECK (category IN ('unrecognised_payment', 'wrong_amount', 'order_not_received',
                                                         'account_accessed', 'other')),
    order_id    BIGINT      REFERENCES orders (id),
    attempt_id  BIGINT      REFERENCES payment_attempts (id),
    status      TEXT        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- When the user last wrote: the queue shows the oldest unanswered first.
    waiting_since TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX tickets_queue ON tickets (status, waiting_since);
CREATE INDEX tickets_user ON tickets (user_id, id DESC);

CREATE TABLE ticket_messages (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   BIGINT      NOT NULL REFERENCES tickets (id),
    author_id   BIGINT      NOT NULL REFERENCES users (id),
    from_staff  BOOLEAN     NOT NULL,
    body        TEXT        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

-- Every staff action on a ticket: who, what, when.
CREATE TABLE staff_actions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   BIGINT      NOT NULL REFERENCES tickets (id),
    staff_id    BIGINT      NOT NULL REFERENCES users (id),
    action      TEXT        NOT NULL CHECK (action IN ('replied', 'closed', 'froze_account', 'unfroze_account')),
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX staff_actions_ticket ON staff_actions (ticket_id, id);

-- New tickets and replies reach the other side live: a user's message goes to every staff
-- member, a staff reply to the ticket's user.
ALTER TABLE live_events DROP CONSTRAINT live_events_kind_check;
ALTER TABLE live_events ADD CONSTRAINT live_events_kind_check CHECK (kind IN ('order', 'notification', 'ticket'));

CREATE FUNCTION live_ticket_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.from_staff THEN
        INSERT INTO live_events (user_id, kind, order_number, detail)
        SELECT t.user_id, 'ticket', '', jsonb_build_object('ticket_id', t.id) FROM tickets t WHERE t.id = NEW.ticket_id;
    ELSE
        INSERT INTO live_events (user_id, kind, order_number, detail)
        SELECT u.id, 'ticket', '', jsonb_build_object('ticket_id', NEW.ticket_id) FROM users u WHERE u.role = 'staff';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ticket_messages_live AFTER INSERT ON ticket_messages FOR EACH ROW EXECUTE FUNCTION live_ticket_message();
