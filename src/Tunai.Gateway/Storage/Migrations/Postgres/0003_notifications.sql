-- The outbox: one row per payment event, written in the same transaction as the payment or reversal.
-- The body is serialized once, here, and the same bytes and Request-Id go out on every attempt.
CREATE TABLE notifications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id TEXT    NOT NULL UNIQUE,
    merchant_id     BIGINT NOT NULL REFERENCES merchants (id),
    payment_id      BIGINT NOT NULL REFERENCES payments (id),
    event           TEXT    NOT NULL CHECK (event IN ('SUCCESS', 'FAILED')),
    request_id      TEXT    NOT NULL,
    override_url    TEXT,
    body            BYTEA    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    UNIQUE (payment_id, event)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_by_merchant ON notifications (merchant_id, id);

-- Every delivery attempt, for the merchant's support and for replays.
CREATE TABLE notification_attempts (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id  BIGINT NOT NULL REFERENCES notifications (id),
    attempt          BIGINT NOT NULL,
    attempted_at     BIGINT NOT NULL,
    url              TEXT,
    status_code      BIGINT,
    latency_ms       BIGINT NOT NULL,
    response_excerpt TEXT,
    error            TEXT
);
CREATE INDEX notification_attempts_by_notification ON notification_attempts (notification_id, attempt);
