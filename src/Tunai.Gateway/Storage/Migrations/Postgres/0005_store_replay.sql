-- The first answer is kept per kind of store request: a reversal retried with its trx_id gets its first answer
-- back, as a payment does. A reversal carries the trx_id of the payment it reverses, hence the kind in the key.
ALTER TABLE store_transactions ADD COLUMN kind TEXT NOT NULL DEFAULT 'PAYMENT' CHECK (kind IN ('PAYMENT', 'REVERSAL'));
ALTER TABLE store_transactions ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE store_transactions DROP CONSTRAINT store_transactions_pkey;
ALTER TABLE store_transactions ADD PRIMARY KEY (acquirer_id, kind, trx_id);
