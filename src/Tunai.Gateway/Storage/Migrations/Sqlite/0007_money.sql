-- Money: fees, settlement accounts, and the append-only double-entry ledger. Amounts are whole rupiah.
-- A percentage is kept in hundredths of a percent (0.50 % = 50), so nothing fractional is stored.
CREATE TABLE merchant_fees (
    merchant_id        INTEGER PRIMARY KEY REFERENCES merchants (id),
    fixed              INTEGER NOT NULL CHECK (fixed >= 0),
    percent_hundredths INTEGER NOT NULL CHECK (percent_hundredths BETWEEN 0 AND 10000),
    min                INTEGER NOT NULL CHECK (min >= 0),
    max                INTEGER CHECK (max >= min),
    updated_at         INTEGER NOT NULL
);

CREATE TABLE acquirer_costs (
    acquirer_id        INTEGER PRIMARY KEY REFERENCES acquirers (id),
    fixed              INTEGER NOT NULL CHECK (fixed >= 0),
    percent_hundredths INTEGER NOT NULL CHECK (percent_hundredths BETWEEN 0 AND 10000),
    min                INTEGER NOT NULL CHECK (min >= 0),
    max                INTEGER CHECK (max >= min),
    updated_at         INTEGER NOT NULL
);

-- The merchant's schedule in force when the code was created, copied with it: a later price change does not
-- change what an existing code was sold at. No row: the merchant had no fee.
CREATE TABLE code_fees (
    payment_code_id    INTEGER PRIMARY KEY REFERENCES payment_codes (id),
    fixed              INTEGER NOT NULL,
    percent_hundredths INTEGER NOT NULL,
    min                INTEGER NOT NULL,
    max                INTEGER
);

CREATE TABLE settlement_accounts (
    id             INTEGER PRIMARY KEY,
    merchant_id    INTEGER NOT NULL REFERENCES merchants (id),
    account_id     TEXT    NOT NULL,
    bank_code      TEXT    NOT NULL,
    account_number TEXT    NOT NULL,
    account_name   TEXT    NOT NULL,
    active         INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    deactivated_at INTEGER,
    UNIQUE (merchant_id, account_id)
);

CREATE TABLE sub_accounts (
    id             INTEGER PRIMARY KEY,
    merchant_id    INTEGER NOT NULL REFERENCES merchants (id),
    account_id     TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    active         INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    deactivated_at INTEGER,
    UNIQUE (merchant_id, account_id)
);

-- One journal transaction per payment and at most one reversal of it (the unique key makes a second one fail).
CREATE TABLE journal_transactions (
    id            INTEGER PRIMARY KEY,
    payment_id    INTEGER NOT NULL REFERENCES payments (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('PAYMENT', 'REVERSAL')),
    merchant_id   INTEGER NOT NULL REFERENCES merchants (id),
    acquirer_id   INTEGER NOT NULL REFERENCES acquirers (id),
    gross         INTEGER NOT NULL,
    fee           INTEGER NOT NULL,
    acquirer_cost INTEGER NOT NULL,
    net           INTEGER NOT NULL,
    business_date TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (payment_id, kind)
);
CREATE INDEX journal_by_merchant_day ON journal_transactions (merchant_id, business_date);

-- Balances are derived: the sum of an account's postings (indexed). No running balance row, so concurrent
-- payments never queue on one hot row (the operator's fee revenue is in every transaction).
CREATE TABLE postings (
    id            INTEGER PRIMARY KEY,
    journal_id    INTEGER NOT NULL REFERENCES journal_transactions (id),
    merchant_id   INTEGER NOT NULL REFERENCES merchants (id),
    account       TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('ACQUIRER_RECEIVABLE', 'ACQUIRER_COST', 'FEE_REVENUE', 'PAYABLE')),
    split_type    TEXT    CHECK (split_type IN ('FIX', 'PERCENTAGE', 'REMAINDER')),
    payee         TEXT,
    amount        INTEGER NOT NULL,
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
    id             INTEGER PRIMARY KEY,
    batch_id       TEXT    NOT NULL UNIQUE,
    merchant_id    INTEGER NOT NULL REFERENCES merchants (id),
    business_date  TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('CLOSED', 'PAID')),
    total          INTEGER NOT NULL,
    closed_at      INTEGER NOT NULL,
    paid_at        INTEGER,
    paid_reference TEXT,
    UNIQUE (merchant_id, business_date)
);

CREATE TABLE settlement_lines (
    id              INTEGER PRIMARY KEY,
    batch_id        INTEGER NOT NULL REFERENCES settlement_batches (id),
    line            INTEGER NOT NULL,
    account         TEXT    NOT NULL,
    payee_type      TEXT    NOT NULL,
    payee           TEXT    NOT NULL,
    amount          INTEGER NOT NULL,
    carried_forward INTEGER NOT NULL,
    UNIQUE (batch_id, line)
);

CREATE TABLE settled_postings (
    posting_id INTEGER PRIMARY KEY REFERENCES postings (id),
    batch_id   INTEGER NOT NULL REFERENCES settlement_batches (id)
);
CREATE INDEX settled_postings_by_batch ON settled_postings (batch_id);
CREATE INDEX postings_payable_by_merchant ON postings (merchant_id, role, business_date);

-- Reconciliation with an acquirer's daily file. The same file (by its SHA-256) is imported once: importing it
-- again returns the first result. Every file row and every Tunai payment of the day missing from the file is a row.
CREATE TABLE reconciliations (
    id                INTEGER PRIMARY KEY,
    reconciliation_id TEXT    NOT NULL UNIQUE,
    acquirer_id       INTEGER NOT NULL REFERENCES acquirers (id),
    business_date     TEXT    NOT NULL,
    file_hash         TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (acquirer_id, file_hash)
);

CREATE TABLE reconciliation_rows (
    id                  INTEGER PRIMARY KEY,
    reconciliation_id   INTEGER NOT NULL REFERENCES reconciliations (id),
    line                INTEGER NOT NULL,
    class               TEXT    NOT NULL CHECK (class IN ('MATCHED', 'AMOUNT_MISMATCH', 'STATUS_MISMATCH', 'UNKNOWN_TO_TUNAI', 'MISSING_FROM_FILE')),
    trx_id              TEXT    NOT NULL,
    payment_code        TEXT    NOT NULL,
    file_amount         INTEGER,
    file_status         TEXT,
    file_paid_at        INTEGER,
    store_id            TEXT,
    terminal_id         TEXT,
    tunai_amount        INTEGER,
    tunai_status        TEXT,
    payment_id          TEXT,
    detail              TEXT,
    resolved_payment_id TEXT,
    resolved_at         INTEGER,
    UNIQUE (reconciliation_id, line)
);

-- Append-only, enforced by the database rather than by remembering.
CREATE TRIGGER journal_transactions_append_only_update BEFORE UPDATE ON journal_transactions
BEGIN SELECT RAISE(ABORT, 'journal_transactions is append-only'); END;
CREATE TRIGGER journal_transactions_append_only_delete BEFORE DELETE ON journal_transactions
BEGIN SELECT RAISE(ABORT, 'journal_transactions is append-only'); END;
CREATE TRIGGER postings_append_only_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'postings is append-only'); END;
CREATE TRIGGER postings_append_only_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'postings is append-only'); END;
