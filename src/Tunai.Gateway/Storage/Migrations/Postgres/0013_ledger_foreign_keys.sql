-- The ledger's copies of a payment's merchant and acquirer are derived, not entered: a journal transaction takes
-- them from its payment row (which references both) and a posting from its journal transaction, in the statement
-- that writes it, and neither table is ever updated (migration 0007's triggers). A foreign key on a copy checked
-- nothing the payment's own keys had not, yet on PostgreSQL each one ran a trigger per row that locked the one
-- merchant or acquirer row every concurrent payment shares (FOR KEY SHARE): three per payment plus one per posting.
-- The keys that say something stay: a journal transaction's payment, a posting's journal transaction.
ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_merchant_id_fkey;
ALTER TABLE journal_transactions DROP CONSTRAINT journal_transactions_acquirer_id_fkey;
ALTER TABLE postings DROP CONSTRAINT postings_merchant_id_fkey;
