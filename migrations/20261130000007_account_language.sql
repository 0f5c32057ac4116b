-- The language a signed-in user reads the product in, kept with their account so that it
-- follows them to another browser (the cookie only remembers it in one). NULL: not chosen,
-- the browser's languages decide.
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IN ('en', 'zh-CN'));
