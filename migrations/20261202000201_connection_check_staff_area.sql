-- The connection check moved from the shopper's home page to the staff's status page: checks
-- made there are counted on their own, as area 'staff'.
ALTER TABLE connection_checks DROP CONSTRAINT connection_checks_area_check;
ALTER TABLE connection_checks ADD CONSTRAINT connection_checks_area_check CHECK (area IN ('shop', 'merchant', 'staff'));
