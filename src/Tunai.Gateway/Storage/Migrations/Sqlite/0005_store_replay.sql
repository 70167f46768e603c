-- The first answer is kept per kind of store request: a reversal retried with its trx_id gets its first answer
-- back, as a payment does. A reversal carries the trx_id of the payment it reverses, hence the kind in the key.
-- SQLite cannot change a primary key in place: the table is rebuilt, its rows kept as payment answers.
CREATE TABLE store_transactions_new (
    acquirer_id     INTEGER NOT NULL REFERENCES acquirers (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('PAYMENT', 'REVERSAL')),
    trx_id          TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    response_status INTEGER NOT NULL,
    response_body   BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (acquirer_id, kind, trx_id)
);
INSERT INTO store_transactions_new (acquirer_id, kind, trx_id, request_hash, response_status, response_body, created_at)
SELECT acquirer_id, 'PAYMENT', trx_id, request_hash, response_status, response_body, created_at FROM store_transactions;
DROP TABLE store_transactions;
ALTER TABLE store_transactions_new RENAME TO store_transactions;
