-- A merchant's qualification: the business details the platform reviews before the merchant
-- may sell. One current submission per merchant; every decision is an event.
CREATE TABLE merchant_qualifications (
    merchant_id          BIGINT      PRIMARY KEY REFERENCES users (id),
    status               TEXT        NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
    legal_name           TEXT        NOT NULL,
    registration_number  TEXT        NOT NULL,
    country              TEXT        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    contact_phone        TEXT        NOT NULL,
    category             TEXT        NOT NULL,
    shop_name            TEXT        NOT NULL,
    rejection_reason     TEXT,
    submitted_at         TIMESTAMPTZ,
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL))
);
CREATE INDEX merchant_qualifications_queue ON merchant_qualifications (status, submitted_at);

CREATE TABLE qualification_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id  BIGINT      NOT NULL REFERENCES merchant_qualifications (merchant_id),
    actor_id     BIGINT      NOT NULL REFERENCES users (id),
    from_status  TEXT        NOT NULL,
    to_status    TEXT        NOT NULL,
    reason       TEXT,
    at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX qualification_events_merchant ON qualification_events (merchant_id, id);

-- A shop exists once its merchant is approved; only open shops appear to shoppers.
CREATE TABLE shops (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id  BIGINT      NOT NULL UNIQUE REFERENCES users (id),
    name         TEXT        NOT NULL,
    opened_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
