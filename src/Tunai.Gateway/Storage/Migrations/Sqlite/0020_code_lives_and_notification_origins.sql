-- tunai: foreign keys off
-- A merchant-generated code is registered again once its life is over (paid and not reusable, cancelled or expired):
-- each registration is a row of its own, numbered by life, so history stays. A code's text is no longer unique; what
-- is unique is a code and its life, and at most one life of a code is ACTIVE (the one a store can pay). A drawn
-- code is always life 1, so it can never be one any code ever had.
-- SQLite cannot drop a column's UNIQUE: the table is made anew, its rows and ids copied, with foreign keys off while
-- it is (the migrator checks every key before it commits).
CREATE TABLE payment_codes_lives (
    id                        INTEGER PRIMARY KEY,
    merchant_id               INTEGER NOT NULL REFERENCES merchants (id),
    code                      TEXT    NOT NULL,
    life                      INTEGER NOT NULL DEFAULT 1 CHECK (life >= 1),
    kind                      TEXT    NOT NULL CHECK (kind IN ('DGPC', 'MGPC', 'DIPC')),
    invoice_number            TEXT    NOT NULL,
    amount                    INTEGER NOT NULL CHECK (amount > 0),
    status                    TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'PAID', 'CANCELLED', 'EXPIRED')),
    reusable                  INTEGER NOT NULL,
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
    created_at                INTEGER NOT NULL,
    expires_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL,
    paid_at                   INTEGER,
    cancelled_at              INTEGER
);
INSERT INTO payment_codes_lives (id, merchant_id, code, life, kind, invoice_number, amount, status, reusable, info, info2, info3,
    customer_name, customer_email, footer_message, insurance_info, account_id, settlement, override_notification_url,
    additional_info, request_id, how_to_pay_token, created_at, expires_at, updated_at, paid_at, cancelled_at)
SELECT id, merchant_id, code, 1, kind, invoice_number, amount, status, reusable, info, info2, info3,
    customer_name, customer_email, footer_message, insurance_info, account_id, settlement, override_notification_url,
    additional_info, request_id, how_to_pay_token, created_at, expires_at, updated_at, paid_at, cancelled_at
FROM payment_codes;
DROP TABLE payment_codes;
ALTER TABLE payment_codes_lives RENAME TO payment_codes;

CREATE UNIQUE INDEX payment_codes_code_life ON payment_codes (code, life);
CREATE UNIQUE INDEX payment_codes_live_code ON payment_codes (code) WHERE status = 'ACTIVE';
-- As migration 0001 made them.
CREATE UNIQUE INDEX payment_codes_live_invoice
    ON payment_codes (merchant_id, invoice_number) WHERE status IN ('ACTIVE', 'PAID');
CREATE INDEX payment_codes_by_merchant ON payment_codes (merchant_id, id);
CREATE INDEX payment_codes_by_invoice ON payment_codes (merchant_id, invoice_number);

-- The origins (scheme://host:port, one a line) a code's override_notification_url may name; NULL: the origin of the
-- merchant's notification URL.
ALTER TABLE merchants ADD COLUMN notification_origins TEXT;
