-- Round trips made from the app shells' "Check connection" button: proof that the browser,
-- the server functions and Postgres work together.
CREATE TABLE connection_checks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area        TEXT        NOT NULL CHECK (area IN ('shop', 'merchant')),
    checked_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX connection_checks_area_id ON connection_checks (area, id DESC);
