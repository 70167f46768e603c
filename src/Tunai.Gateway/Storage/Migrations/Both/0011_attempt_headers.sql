-- The request headers each notification attempt sent (Content-Type, Client-Id, Request-Id, Request-Timestamp,
-- Signature...; never a key), one "Name: value" per line, so an attempt's page shows exactly what went out.
ALTER TABLE notification_attempts ADD COLUMN request_headers TEXT;
