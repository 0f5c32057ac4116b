-- Webhooks and the API's event list (issue 21, second part).
--
-- One event source: the live outbox (`live_events`, written by triggers in the same
-- transaction as each change, numbered in commit order by the dispatcher). A single fan-out
-- step reads the shop owners' events from it by sequence number — gap-free, in order — and
-- turns each into an API event of its shop (`api_events`, id = the outbox's sequence number,
-- kept 30 days for `GET /api/v1/events`) and one delivery per endpoint that wants its type.
-- The cursor moves in the same transaction as those inserts, so every event is fanned out
-- exactly once, however many instances run it and whenever one of them crashes.

CREATE TABLE api_events (
    id          BIGINT      PRIMARY KEY,
    shop_id     BIGINT      NOT NULL REFERENCES shops (id),
    type        TEXT        NOT NULL,
    -- What the event is about ("order:PD-…"): deliveries of one object go out in order.
    object_key  TEXT        NOT NULL,
    data        JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_events_shop ON api_events (shop_id, id);
CREATE INDEX api_events_created ON api_events (created_at);

CREATE TABLE webhook_fanout (
    singleton  BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq   BIGINT  NOT NULL
);
-- Events from before webhooks existed are not fanned out.
INSERT INTO webhook_fanout (last_seq) SELECT last_seq FROM live_dispatch;

CREATE TABLE webhook_endpoints (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id                BIGINT      NOT NULL REFERENCES shops (id),
    url                    TEXT        NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    -- Empty: every type.
    event_types            TEXT[]      NOT NULL,
    secret                 TEXT        NOT NULL CHECK (secret ~ '^whsec_[a-z0-9]{32}$'),
    -- After a rotation the old secret signs too, until `previous_secret_until`.
    previous_secret        TEXT        CHECK (previous_secret ~ '^whsec_[a-z0-9]{32}$'),
    previous_secret_until  TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The first failure since the last success: failing for days disables the endpoint.
    failing_since          TIMESTAMPTZ,
    -- The latest failed try: a failure long after the one before starts a new failing spell.
    last_failure_at        TIMESTAMPTZ,
    disabled_at            TIMESTAMPTZ,
    disabled_reason        TEXT        CHECK (disabled_reason IN ('by_merchant', 'failing')),
    CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL)),
    CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL))
);
CREATE INDEX webhook_endpoints_shop ON webhook_endpoints (shop_id);

-- One event (or a test event) to one endpoint. Only the oldest pending delivery of an object
-- per endpoint may be tried, so an endpoint sees each object's events in order.
CREATE TABLE webhook_deliveries (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id   BIGINT      NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id      BIGINT      REFERENCES api_events (id) ON DELETE CASCADE,
    -- A test event ("send test event") carries its own body and belongs to no object chain.
    test_body     JSONB,
    object_key    TEXT        NOT NULL,
    manual        BOOLEAN     NOT NULL DEFAULT false,
    state         TEXT        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts      INTEGER     NOT NULL DEFAULT 0,
    next_try_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    leased_until  TIMESTAMPTZ,
    -- Who holds the lease: a sender whose lease ran out (and was taken over) records nothing.
    lease_token   UUID,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ,
    CHECK ((event_id IS NULL) <> (test_body IS NULL)),
    CHECK ((state = 'pending') = (finished_at IS NULL))
);
-- Fan-out gives each event to an endpoint once; a redelivery by hand is a delivery of its own.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (endpoint_id, event_id) WHERE NOT manual;
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, object_key, event_id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_try_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC);

CREATE TABLE webhook_attempts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id     BIGINT      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The receiver's answer, or what went wrong before one came.
    response_status SMALLINT,
    response_start  TEXT        NOT NULL DEFAULT '',
    error           TEXT        CHECK (error IN ('timeout', 'connect', 'resolve', 'private_address', 'tls', 'bad_address', 'other')),
    duration_ms     INTEGER     NOT NULL CHECK (duration_ms >= 0),
    CHECK ((response_status IS NULL) <> (error IS NULL))
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- A console action (test event, redelivery) wakes the senders at once.
CREATE FUNCTION webhook_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('paydesk_webhooks', '');
    RETURN NULL;
END $$;
CREATE TRIGGER webhook_deliveries_wake AFTER INSERT ON webhook_deliveries
    FOR EACH ROW WHEN (NEW.manual OR NEW.test_body IS NOT NULL) EXECUTE FUNCTION webhook_wake();

-- The merchant is told when an endpoint is disabled for failing.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'payment_received', 'payment_requested', 'payment_request_withdrawn', 'order_expired', 'order_shipped', 'new_device_sign_in',
    'unexpected_charge_refunded', 'refund_requested', 'refund_refused', 'return_approved', 'return_shipped', 'refund_escalated',
    'refund_succeeded', 'refund_failed', 'payout_paid', 'payout_failed', 'webhook_disabled'));
ALTER TABLE notifications DROP CONSTRAINT notifications_order_or_account;
ALTER TABLE notifications ADD CONSTRAINT notifications_order_or_account
    CHECK ((kind IN ('new_device_sign_in', 'payout_paid', 'payout_failed', 'webhook_disabled')) = (order_id IS NULL));
