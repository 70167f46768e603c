-- Rotation without downtime: a merchant or an acquirer connection holds a second, previous secret key (sealed
-- like the first) that still verifies until previous_key_expires_at. A merchant's outbound messages
-- (notifications, direct inquiries) are signed with the previous key until it says it is ready for the new
-- one (signs_with_new_key) or the previous key expires. A disabled party's requests are refused.
ALTER TABLE merchants ADD COLUMN previous_secret_key TEXT;
ALTER TABLE merchants ADD COLUMN previous_key_expires_at BIGINT;
ALTER TABLE merchants ADD COLUMN signs_with_new_key BIGINT NOT NULL DEFAULT 1;
ALTER TABLE merchants ADD COLUMN disabled_at BIGINT;
ALTER TABLE acquirers ADD COLUMN previous_secret_key TEXT;
ALTER TABLE acquirers ADD COLUMN previous_key_expires_at BIGINT;
ALTER TABLE acquirers ADD COLUMN disabled_at BIGINT;
