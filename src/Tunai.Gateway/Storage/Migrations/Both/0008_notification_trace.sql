-- The W3C traceparent of the request whose payment or reversal wrote the notification: each delivery attempt's span
-- links to it, so a trace viewer leads from a delivery back to the store's payment (and on).
ALTER TABLE notifications ADD COLUMN trace_parent TEXT;
