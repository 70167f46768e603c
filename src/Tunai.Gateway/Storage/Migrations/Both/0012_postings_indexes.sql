-- Two indexes of postings that nothing reads, each one more b-tree write per posting in every payment's
-- transaction: by merchant and day, which settlement reads through postings_payable_by_merchant and the reports
-- through the journal's own index; and by (account, amount), whose keys land at random places (amounts differ),
-- so each posting dirtied a page of its own. A balance is still the sum of an account's postings.
DROP INDEX postings_by_merchant_day;
DROP INDEX postings_by_account;
