-- Shops sell in one currency, set from the merchant's country when the shop opens.
ALTER TABLE shops ADD COLUMN currency CHAR(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');

CREATE TABLE products (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id      BIGINT      NOT NULL REFERENCES shops (id),
    title        TEXT        NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    description  TEXT        NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    price_minor  BIGINT      NOT NULL CHECK (price_minor > 0),
    currency     CHAR(3)     NOT NULL,
    stock        INTEGER     NOT NULL CHECK (stock >= 0),
    active       BOOLEAN     NOT NULL DEFAULT true,
    image_type   TEXT        CHECK (image_type IN ('image/png', 'image/jpeg', 'image/webp')),
    image        BYTEA       CHECK (octet_length(image) <= 2 * 1024 * 1024),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX products_shop ON products (shop_id, id DESC);

-- Signed-in shoppers' carts, kept on the server.
CREATE TABLE cart_items (
    shopper_id  BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id  BIGINT      NOT NULL REFERENCES products (id),
    quantity    INTEGER     NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (shopper_id, product_id)
);

CREATE TABLE orders (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number           TEXT        NOT NULL UNIQUE,
    shopper_id       BIGINT      NOT NULL REFERENCES users (id),
    shop_id          BIGINT      NOT NULL REFERENCES shops (id),
    status           TEXT        NOT NULL CHECK (status IN ('awaiting_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled')),
    currency         CHAR(3)     NOT NULL,
    total_minor      BIGINT      NOT NULL CHECK (total_minor > 0),
    ship_name        TEXT        NOT NULL,
    ship_phone       TEXT        NOT NULL,
    ship_line1       TEXT        NOT NULL,
    ship_line2       TEXT        NOT NULL DEFAULT '',
    ship_city        TEXT        NOT NULL,
    ship_postcode    TEXT        NOT NULL,
    ship_country     CHAR(2)     NOT NULL,
    payment_due_at   TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX orders_shopper ON orders (shopper_id, created_at DESC, id DESC);
CREATE INDEX orders_shop ON orders (shop_id, created_at DESC, id DESC);

CREATE TABLE order_lines (
    order_id          BIGINT  NOT NULL REFERENCES orders (id),
    product_id        BIGINT  NOT NULL REFERENCES products (id),
    title             TEXT    NOT NULL,
    unit_price_minor  BIGINT  NOT NULL CHECK (unit_price_minor > 0),
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    line_total_minor  BIGINT  NOT NULL CHECK (line_total_minor = unit_price_minor * quantity),
    PRIMARY KEY (order_id, product_id)
);

-- Every change of an order: who (kind and account), when, from what to what.
CREATE TABLE order_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     BIGINT      NOT NULL REFERENCES orders (id),
    actor        TEXT        NOT NULL CHECK (actor IN ('shopper', 'merchant', 'system', 'staff')),
    actor_id     BIGINT      REFERENCES users (id),
    event        TEXT        NOT NULL,
    from_status  TEXT,
    to_status    TEXT        NOT NULL,
    at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Idempotency keys, one per user action: the first result is kept and replayed.
CREATE TABLE idempotency_keys (
    user_id      BIGINT      NOT NULL REFERENCES users (id),
    scope        TEXT        NOT NULL,
    key          UUID        NOT NULL,
    fingerprint  TEXT        NOT NULL,
    order_id     BIGINT      REFERENCES orders (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);
