-- Product images are served resized (240, 480 and 960 pixels wide, never upscaled), re-encoded
-- without their metadata. The original upload stays in products.image as the source.
-- image_version grows with every upload: it is part of the image URLs, so they can be cached
-- for good. image_width/height are the largest variant's size; NULL while an image uploaded
-- before this migration has not been resized yet (the server does that at start-up or on the
-- first request for it).
ALTER TABLE products
    ADD COLUMN image_version INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN image_width   INTEGER CHECK (image_width > 0),
    ADD COLUMN image_height  INTEGER CHECK (image_height > 0);

CREATE TABLE product_image_variants (
    product_id    BIGINT  NOT NULL REFERENCES products (id),
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes         BYTEA   NOT NULL,
    PRIMARY KEY (product_id, width)
);
