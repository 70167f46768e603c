-- The back office: operator accounts (and merchant users, bound to one merchant), their sessions, and the
-- audit trail of every change made through the back office or the admin API.
CREATE TABLE operators (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           TEXT   NOT NULL UNIQUE,
    password_hash   TEXT   NOT NULL,
    role            TEXT   NOT NULL CHECK (role IN ('Viewer', 'Operator', 'Admin', 'Merchant')),
    merchant_id     BIGINT REFERENCES merchants (id),
    failed_sign_ins BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- A merchant user belongs to exactly one merchant; staff belong to none.
    CHECK ((role = 'Merchant') = (merchant_id IS NOT NULL))
);

-- The cookie holds a random token; only its SHA-256 is kept, so a copy of the database signs nobody in.
CREATE TABLE operator_sessions (
    token_hash  TEXT   PRIMARY KEY,
    operator_id BIGINT NOT NULL REFERENCES operators (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT   NOT NULL,
    role        TEXT   NOT NULL,
    merchant_id BIGINT,
    action      TEXT   NOT NULL,
    target      TEXT,
    before      TEXT,
    after       TEXT,
    address     TEXT
);
CREATE INDEX audit_log_by_at ON audit_log (at);

-- Append-only: the database itself refuses to change or remove an entry.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The keys that protect antiforgery tokens, shared by every instance on this database (a form served by one
-- instance may be posted to another).
CREATE TABLE data_protection_keys (
    name TEXT PRIMARY KEY,
    xml  TEXT NOT NULL
);
