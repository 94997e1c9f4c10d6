-- Lotse schema, version 2: the staff workspace (accounts, sessions, audit log) and the
-- separation of the live (published) version of an answer from its current working version.

-- The version citizens get. A draft or review version saved on top of a published answer
-- does not take it offline; publishing moves this pointer, archiving clears it.
ALTER TABLE answers ADD COLUMN published_version INTEGER;
UPDATE answers SET published_version = version WHERE status = 'published';

-- Staff accounts. An e-mail address signs in to exactly one tenant, so the sign-in form
-- needs no tenant field (hence the global unique index).
CREATE TABLE users (
    tenant_id            TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email                TEXT NOT NULL,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, email)
);
CREATE UNIQUE INDEX users_by_email ON users (email);

-- Sign-in sessions. Only a SHA-256 hash of the session token is stored.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    email       TEXT NOT NULL,
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, email) REFERENCES users(tenant_id, email) ON DELETE CASCADE
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, email);

-- Every staff action: who, what, when, and the state before and after (JSON).
CREATE TABLE audit_log (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_by_time ON audit_log (tenant_id, at);
