-- Sign-ups and password changes are throttled like sign-ins (issue 14): attempts of each kind
-- are counted apart, so that one kind never locks out another.
ALTER TABLE sign_in_attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'sign_in'
    CHECK (kind IN ('sign_in', 'sign_up', 'password_change'));
DROP INDEX sign_in_attempts_email;
DROP INDEX sign_in_attempts_ip;
CREATE INDEX sign_in_attempts_email ON sign_in_attempts (kind, email, at);
CREATE INDEX sign_in_attempts_ip ON sign_in_attempts (kind, ip, at);
