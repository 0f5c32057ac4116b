-- Guest carts (issue 17): a signed-out browser's cart, kept on the server under a random token
-- sent in an HttpOnly cookie. Only the token's SHA-256 is stored, as for sessions. Merged into
-- the shopper's cart at sign-in or sign-up (and deleted then); pruned after 30 days untouched.
CREATE TABLE guest_carts (
    id          BIGSERIAL   PRIMARY KEY,
    token_hash  BYTEA       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    touched_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Where it was made from: new guest carts are limited per address (a script must not fill
    -- the table with carts).
    created_ip  TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX guest_carts_created_ip ON guest_carts (created_ip, created_at);
-- The worker's pruning walks the oldest first.
CREATE INDEX guest_carts_touched ON guest_carts (touched_at);

-- The same bounds as a shopper's cart line (`cart_items`).
CREATE TABLE guest_cart_items (
    cart_id     BIGINT      NOT NULL REFERENCES guest_carts (id) ON DELETE CASCADE,
    product_id  BIGINT      NOT NULL REFERENCES products (id),
    quantity    INTEGER     NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, product_id)
);
