-- The back office: operator accounts (and merchant users, bound to one merchant), their sessions, and the
-- audit trail of every change made through the back office or the admin API.
CREATE TABLE operators (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE,
    password_hash   TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('Viewer', 'Operator', 'Admin', 'Merchant')),
    merchant_id     INTEGER REFERENCES merchants (id),
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- A merchant user belongs to exactly one merchant; staff belong to none.
    CHECK ((role = 'Merchant') = (merchant_id IS NOT NULL))
);

-- The cookie holds a random token; only its SHA-256 is kept, so a copy of the database signs nobody in.
CREATE TABLE operator_sessions (
    token_hash  TEXT    PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES operators (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    merchant_id INTEGER,
    action      TEXT    NOT NULL,
    target      TEXT,
    before      TEXT,
    after       TEXT,
    address     TEXT
);
CREATE INDEX audit_log_by_at ON audit_log (at);

-- Append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The keys that protect antiforgery tokens, shared by every instance on this database (a form served by one
-- instance may be posted to another).
CREATE TABLE data_protection_keys (
    name TEXT PRIMARY KEY,
    xml  TEXT NOT NULL
);
