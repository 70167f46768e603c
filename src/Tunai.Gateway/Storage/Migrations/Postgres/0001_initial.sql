-- PostgreSQL twin of the SQLite script of the same number: same tables, same names.
-- Times are unix milliseconds (UTC); amounts are whole rupiah; JSON is stored as text as received.
CREATE TABLE gateway_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE merchants (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id        TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    secret_key       TEXT    NOT NULL,
    code_prefix      TEXT    NOT NULL UNIQUE,
    notification_url TEXT,
    inquiry_url      TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- DIPC rows hold what a merchant's direct-inquiry answer said, so the payment that follows is checked against it.
CREATE TABLE payment_codes (
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id               BIGINT NOT NULL REFERENCES merchants (id),
    code                      TEXT    NOT NULL UNIQUE,
    kind                      TEXT    NOT NULL CHECK (kind IN ('DGPC', 'MGPC', 'DIPC')),
    invoice_number            TEXT    NOT NULL,
    amount                    BIGINT NOT NULL CHECK (amount > 0),
    status                    TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'PAID', 'CANCELLED', 'EXPIRED')),
    reusable                  BIGINT NOT NULL,
    info                      TEXT,
    info2                     TEXT,
    info3                     TEXT,
    customer_name             TEXT    NOT NULL,
    customer_email            TEXT,
    footer_message            TEXT,
    insurance_info            TEXT,
    account_id                TEXT,
    settlement                TEXT,
    override_notification_url TEXT,
    additional_info           TEXT,
    request_id                TEXT    NOT NULL,
    how_to_pay_token          TEXT    NOT NULL,
    created_at                BIGINT NOT NULL,
    expires_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL,
    paid_at                   BIGINT,
    cancelled_at              BIGINT
);

-- An invoice number is taken by at most one code that is active or paid. Codes past their expiry are
-- marked EXPIRED before a new code claims the invoice, in the same transaction.
CREATE UNIQUE INDEX payment_codes_live_invoice
    ON payment_codes (merchant_id, invoice_number) WHERE status IN ('ACTIVE', 'PAID');
CREATE INDEX payment_codes_by_merchant ON payment_codes (merchant_id, id);
CREATE INDEX payment_codes_by_invoice ON payment_codes (merchant_id, invoice_number);

-- Request-Id per merchant. A row is claimed (IN_FLIGHT) before the work and completed (DONE, with the
-- response) in the same transaction as the work; the primary key is what makes a duplicate lose.
CREATE TABLE idempotency_keys (
    merchant_id     BIGINT NOT NULL REFERENCES merchants (id),
    request_id      TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('IN_FLIGHT', 'DONE')),
    lock_token      TEXT,
    locked_at       BIGINT,
    response_status BIGINT,
    response_body   BYTEA,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, request_id)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
