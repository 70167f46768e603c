-- SNAP (Bank Indonesia's open-API standard): the merchant's RSA public key that verifies its B2B token requests,
-- and the B2B access tokens. Only a token's SHA-256 is kept, so a copy of the database authorises nobody. Tokens
-- expire 900 s after their last use (expires_at moves on each use); issuing one never revokes another.
ALTER TABLE merchants ADD COLUMN snap_public_key TEXT;

CREATE TABLE snap_tokens (
    token_hash  TEXT    PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX snap_tokens_expiry ON snap_tokens (expires_at);
