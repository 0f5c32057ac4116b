-- A code guess is counted before the provider sees it and taken back when it proves right, so
-- each needs its own id.
ALTER TABLE verification_failures ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
