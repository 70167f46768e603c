-- The store side: acquirers (the Alfa POS systems), payments, and the record of every store request.
CREATE TABLE acquirers (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    client_id  TEXT    NOT NULL UNIQUE,
    secret_key TEXT    NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE payments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id      TEXT    NOT NULL UNIQUE,
    payment_code_id BIGINT NOT NULL REFERENCES payment_codes (id),
    merchant_id     BIGINT NOT NULL REFERENCES merchants (id),
    acquirer_id     BIGINT NOT NULL REFERENCES acquirers (id),
    trx_id          TEXT    NOT NULL,
    code            TEXT    NOT NULL,
    invoice_number  TEXT    NOT NULL,
    amount          BIGINT NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('SUCCESS', 'REVERSED')),
    agent_id        TEXT    NOT NULL,
    store_id        TEXT    NOT NULL,
    terminal_id     TEXT,
    store_date      TEXT    NOT NULL,
    additional_info TEXT,
    paid_at         BIGINT NOT NULL,
    reversed_at     BIGINT,
    UNIQUE (acquirer_id, trx_id)
);
CREATE INDEX payments_by_code ON payments (payment_code_id);

-- The first answer to a payment request, per acquirer and trx_id: the same trx_id again gets it back.
CREATE TABLE store_transactions (
    acquirer_id     BIGINT NOT NULL REFERENCES acquirers (id),
    trx_id          TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    response_status BIGINT NOT NULL,
    response_body   BYTEA    NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (acquirer_id, trx_id)
);

-- Append-only record of every inquiry, payment, refusal and reversal, with what the store sent.
CREATE TABLE store_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    acquirer_id  BIGINT NOT NULL REFERENCES acquirers (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('INQUIRY', 'PAYMENT', 'REVERSAL')),
    code         TEXT,
    trx_id       TEXT,
    agent_id     TEXT,
    store_id     TEXT,
    terminal_id  TEXT,
    outcome      TEXT    NOT NULL,
    reason       TEXT,
    payment_id   TEXT,
    request_body TEXT    NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX store_events_by_code ON store_events (code);
