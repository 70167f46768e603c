-- PostgreSQL twin of the SQLite script of the same number.
-- A merchant-generated code is registered again once its life is over (paid and not reusable, cancelled or expired):
-- each registration is a row of its own, numbered by life, so history stays. A code's text is no longer unique; what
-- is unique is a code and its life, and at most one life of a code is ACTIVE (the one a store can pay). A drawn
-- code is always life 1, so it can never be one any code ever had.
ALTER TABLE payment_codes ADD COLUMN life BIGINT NOT NULL DEFAULT 1 CHECK (life >= 1);
CREATE UNIQUE INDEX payment_codes_code_life ON payment_codes (code, life);
CREATE UNIQUE INDEX payment_codes_live_code ON payment_codes (code) WHERE status = 'ACTIVE';
ALTER TABLE payment_codes DROP CONSTRAINT payment_codes_code_key;

-- The origins (scheme://host:port, one a line) a code's override_notification_url may name; NULL: the origin of the
-- merchant's notification URL.
ALTER TABLE merchants ADD COLUMN notification_origins TEXT;
