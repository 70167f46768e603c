-- Settlement reads postings only by (merchant, day) among the payables (role = 'PAYABLE', spelled so in its queries).
-- Indexing every posting by (merchant, role, day) wrote an entry for the acquirer's receivable, its cost and the
-- operator's fee too: three of a payment's five postings when all are priced, each one more b-tree write in the
-- payment's transaction that no query reads. Only payables are indexed now.
DROP INDEX postings_payable_by_merchant;
CREATE INDEX postings_payable_by_merchant ON postings (merchant_id, business_date) WHERE role = 'PAYABLE';
