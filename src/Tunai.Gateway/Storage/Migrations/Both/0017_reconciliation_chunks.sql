-- A reconciliation file is written in chunks, each its own unit of work, so that a large file does not hold the
-- writer (SQLite) or a long transaction (PostgreSQL) while stores pay. An import is listed only once it is complete
-- (completed_at set in its last unit); import_token names the import writing it, so that an import a crash left
-- half-written is taken over by the next import of the same file, and two imports never write the same rows.
ALTER TABLE reconciliations ADD COLUMN completed_at BIGINT;
ALTER TABLE reconciliations ADD COLUMN import_token TEXT;
UPDATE reconciliations SET completed_at = created_at;
