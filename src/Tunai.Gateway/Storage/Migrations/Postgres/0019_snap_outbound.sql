-- SNAP towards the merchant: which protocol its notifications and direct inquiries speak, where its SNAP token,
-- notification and inquiry URLs are, and which token its notification signatures are made with (ACCESS_TOKEN, the
-- standard: the merchant's own token; ISSUED_TOKEN: the last B2B token Tunai issued to it, kept sealed, which the
-- provider's Node SDK's validateSymmetricSignature expects). Tunai's own SNAP RSA key pairs, the private key sealed
-- like every secret; the newest signs, the older ones are kept for the record of a rotation.
ALTER TABLE merchants ADD COLUMN notification_protocol TEXT NOT NULL DEFAULT 'ALFA_O2O';
ALTER TABLE merchants ADD COLUMN snap_token_url TEXT;
ALTER TABLE merchants ADD COLUMN snap_notification_url TEXT;
ALTER TABLE merchants ADD COLUMN snap_inquiry_url TEXT;
ALTER TABLE merchants ADD COLUMN snap_signature_token TEXT NOT NULL DEFAULT 'ACCESS_TOKEN';
ALTER TABLE merchants ADD COLUMN snap_issued_token TEXT;

CREATE TABLE snap_gateway_keys (
    created_at  BIGINT  PRIMARY KEY,
    private_key TEXT    NOT NULL,
    public_key  TEXT    NOT NULL
);
