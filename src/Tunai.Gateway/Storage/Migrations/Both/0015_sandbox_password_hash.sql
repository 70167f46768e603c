-- The sandbox Admin's password was kept here in clear so every start could print it. The account's own hash is
-- all the database keeps now; the clear text lives only in data/sandbox.env (mode 600), which every earlier
-- version wrote too and from which a start reads it back.
DELETE FROM gateway_settings WHERE key = 'sandbox_operator_password';
