-- An order event's detail becomes parameters (the deadline, the carrier and tracking number,
-- an amount) instead of English prose, so each reader's page words it in their own language.
-- Details written before this are kept as notes, shown as they were written.
ALTER TABLE order_events
    ALTER COLUMN detail TYPE JSONB
    USING CASE WHEN detail IS NULL THEN NULL ELSE jsonb_build_object('kind', 'note', 'text', detail) END;

ALTER TABLE order_events
    ADD CONSTRAINT order_events_detail_has_kind CHECK (detail IS NULL OR jsonb_typeof(detail -> 'kind') = 'string');
