-- The Data Protection key ring that seals stored secrets moves into the database (the table 0009 made and no
-- version wrote to), so that instances on machines with no shared disk use one ring. Each key's secret part is
-- encrypted with the operator's master key (Tunai:Secrets:MasterKey, AES-256-GCM); master_key_id is that master
-- key's fingerprint, so a start with another master key is refused by name instead of failing to open secrets later.
-- Keys are never deleted: expired ones still open what they sealed.
ALTER TABLE data_protection_keys ADD COLUMN master_key_id TEXT;
ALTER TABLE data_protection_keys ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
