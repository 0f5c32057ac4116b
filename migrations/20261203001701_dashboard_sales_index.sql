-- The merchant dashboard (issue 17) reads a shop's paid orders by payment time: thirty days of
-- sales per day and the latest payments received. One index serves both, holding paid orders only.
CREATE INDEX orders_shop_paid ON orders (shop_id, paid_at DESC, id DESC) WHERE paid_at IS NOT NULL;
