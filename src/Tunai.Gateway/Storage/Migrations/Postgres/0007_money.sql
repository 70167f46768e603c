-- Money: fees, settlement accounts, and the append-only double-entry ledger. Amounts are whole rupiah.
-- A percentage is kept in hundredths of a percent (0.50 % = 50), so nothing fractional is stored.
CREATE TABLE merchant_fees (
    merchant_id        BIGINT PRIMARY KEY REFERENCES merchants (id),
    fixed              BIGINT NOT NULL CHECK (fixed >= 0),
    percent_hundredths BIGINT NOT NULL CHECK (percent_hundredths BETWEEN 0 AND 10000),
    min                BIGINT NOT NULL CHECK (min >= 0),
    max                BIGINT CHECK (max >= min),
    updated_at         BIGINT NOT NULL
);

CREATE TABLE acquirer_costs (
    acquirer_id        BIGINT PRIMARY KEY REFERENCES acquirers (id),
    fixed              BIGINT NOT NULL CHECK (fixed >= 0),
    percent_hundredths BIGINT NOT NULL CHECK (percent_hundredths BETWEEN 0 AND 10000),
    min                BIGINT NOT NULL CHECK (min >= 0),
    max                BIGINT CHECK (max >= min),
    updated_at         BIGINT NOT NULL
);

-- The merchant's schedule in force when the code was created, copied with it: a later price change does not
-- change what an existing code was sold at. No row: the merchant had no fee.
CREATE TABLE code_fees (
    payment_code_id    BIGINT PRIMARY KEY REFERENCES payment_codes (id),
    fixed              BIGINT NOT NULL,
    percent_hundredths BIGINT NOT NULL,
    min                BIGINT NOT NULL,
    max                BIGINT
);

CREATE TABLE settlement_accounts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id    BIGINT NOT NULL REFERENCES merchants (id),
    account_id     TEXT    NOT NULL,
    bank_code      TEXT    NOT NULL,
    account_number TEXT    NOT NULL,
    account_name   TEXT    NOT NULL,
    active         BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    deactivated_at BIGINT,
    UNIQUE (merchant_id, account_id)
);

CREATE TABLE sub_accounts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id    BIGINT NOT NULL REFERENCES merchants (id),
    account_id     TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    active         BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    deactivated_at BIGINT,
    UNIQUE (merchant_id, account_id)
);

-- One journal transaction per payment and at most one reversal of it (the unique key makes a second one fail).
CREATE TABLE journal_transactions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id    BIGINT NOT NULL REFERENCES payments (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('PAYMENT', 'REVERSAL')),
    merchant_id   BIGINT NOT NULL REFERENCES merchants (id),
    acquirer_id   BIGINT NOT NULL REFERENCES acquirers (id),
    gross         BIGINT NOT NULL,
    fee           BIGINT NOT NULL,
    acquirer_cost BIGINT NOT NULL,
    net           BIGINT NOT NULL,
    business_date TEXT    NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (payment_id, kind)
);
CREATE INDEX journal_by_merchant_day ON journal_transactions (merchant_id, business_date);

-- Balances are derived: the sum of an account's postings (indexed). No running balance row, so concurrent
-- payments never queue on one hot row (the operator's fee revenue is in every transaction).
CREATE TABLE postings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    journal_id    BIGINT NOT NULL REFERENCES journal_transactions (id),
    merchant_id   BIGINT NOT NULL REFERENCES merchants (id),
    account       TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('ACQUIRER_RECEIVABLE', 'ACQUIRER_COST', 'FEE_REVENUE', 'PAYABLE')),
    split_type    TEXT    CHECK (split_type IN ('FIX', 'PERCENTAGE', 'REMAINDER')),
    payee         TEXT,
    amount        BIGINT NOT NULL,
    business_date TEXT    NOT NULL
);
CREATE INDEX postings_by_journal ON postings (journal_id);
CREATE INDEX postings_by_account ON postings (account, amount);
CREATE INDEX postings_by_merchant_day ON postings (merchant_id, business_date);

-- Settlement: one batch per merchant and business day (WIB), enforced by the unique key. A batch's lines are
-- the sums, per payee, of the payable postings it claimed; a posting is claimed by at most one batch (primary
-- key of settled_postings). A negative line claims nothing and is carried forward: its postings stay unclaimed
-- and count in the next batch.
CREATE TABLE settlement_batches (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id       TEXT    NOT NULL UNIQUE,
    merchant_id    BIGINT NOT NULL REFERENCES merchants (id),
    business_date  TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('CLOSED', 'PAID')),
    total          BIGINT NOT NULL,
    closed_at      BIGINT NOT NULL,
    paid_at        BIGINT,
    paid_reference TEXT,
    UNIQUE (merchant_id, business_date)
);

CREATE TABLE settlement_lines (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id        BIGINT NOT NULL REFERENCES settlement_batches (id),
    line            BIGINT NOT NULL,
    account         TEXT    NOT NULL,
    payee_type      TEXT    NOT NULL,
    payee           TEXT    NOT NULL,
    amount          BIGINT NOT NULL,
    carried_forward BIGINT NOT NULL,
    UNIQUE (batch_id, line)
);

CREATE TABLE settled_postings (
    posting_id BIGINT PRIMARY KEY REFERENCES postings (id),
    batch_id   BIGINT NOT NULL REFERENCES settlement_batches (id)
);
CREATE INDEX settled_postings_by_batch ON settled_postings (batch_id);
CREATE INDEX postings_payable_by_merchant ON postings (merchant_id, role, business_date);

-- Reconciliation with an acquirer's daily file. The same file (by its SHA-256) is imported once: importing it
-- again returns the first result. Every file row and every Tunai payment of the day missing from the file is a row.
CREATE TABLE reconciliations (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reconciliation_id TEXT    NOT NULL UNIQUE,
    acquirer_id       BIGINT NOT NULL REFERENCES acquirers (id),
    business_date     TEXT    NOT NULL,
    file_hash         TEXT    NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (acquirer_id, file_hash)
);

CREATE TABLE reconciliation_rows (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reconciliation_id   BIGINT NOT NULL REFERENCES reconciliations (id),
    line                BIGINT NOT NULL,
    class               TEXT    NOT NULL CHECK (class IN ('MATCHED', 'AMOUNT_MISMATCH', 'STATUS_MISMATCH', 'UNKNOWN_TO_TUNAI', 'MISSING_FROM_FILE')),
    trx_id              TEXT    NOT NULL,
    payment_code        TEXT    NOT NULL,
    file_amount         BIGINT,
    file_status         TEXT,
    file_paid_at        BIGINT,
    store_id            TEXT,
    terminal_id         TEXT,
    tunai_amount        BIGINT,
    tunai_status        TEXT,
    payment_id          TEXT,
    detail              TEXT,
    resolved_payment_id TEXT,
    resolved_at         BIGINT,
    UNIQUE (reconciliation_id, line)
);

-- Append-only, enforced by the database rather than by remembering.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER journal_transactions_append_only BEFORE UPDATE OR DELETE ON journal_transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
