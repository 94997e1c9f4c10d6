-- Lotse schema, version 5: the optional TOTP second factor of staff accounts (RFC 6238).
--
-- The secret must be readable to compute codes, so it cannot be hashed like a password; it is
-- stored as base32 text. `totp_pending` holds a secret that was shown for set-up but not yet
-- confirmed with a first code (only `totp_secret` is asked for at sign-in). `totp_last_step`
-- is the newest 30-second time step whose code was accepted: a code is used once only.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- The step between a right password and the code: a short-lived random token (only its
-- SHA-256 is stored) in a cookie of the sign-in page.
CREATE TABLE login_challenges (
    token_hash  TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    email       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    FOREIGN KEY (tenant_id, email) REFERENCES users(tenant_id, email) ON DELETE CASCADE
);
CREATE INDEX login_challenges_by_user ON login_challenges (tenant_id, email);
