//! Staff accounts, sign-in sessions, the audit log and the editor's view of answer states.
//!
//! Three look-ups cannot take a tenant id because the tenant is what they find out: the sign-in
//! by e-mail address ([`Db::user_by_email`]), the session by token hash ([`Db::session`]) and
//! the pending second sign-in step by token hash ([`Db::login_challenge`]). They return the
//! tenant id, and every later call is scoped by it.

use serde::Serialize;
use sqlx::Row;

use crate::{Db, Result, StoreError, now_ms};

/// A staff account as stored.
#[derive(Debug, Clone, Serialize)]
pub struct UserRecord {
    pub tenant_id: String,
    pub email: String,
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: i64,
    /// Unix milliseconds; sign-in is refused before this time.
    pub locked_until: i64,
    pub created_at: i64,
    /// The active TOTP secret (base32); `Some` means sign-in asks for a code.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// A TOTP secret shown for set-up and not yet confirmed with a code.
    #[serde(skip)]
    pub totp_pending: Option<String>,
    /// The newest TOTP time step whose code was accepted (codes are used once).
    #[serde(skip)]
    pub totp_last_step: i64,
    /// The platform-admin right (tenants are created, suspended and deleted by such accounts).
    pub platform_admin: bool,
}

impl UserRecord {
    pub fn totp_enabled(&self) -> bool {
        self.totp_secret.is_some()
    }
}

/// A sign-in session as stored (the token itself is never stored, only its hash).
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub tenant_id: String,
    pub email: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The state of an answer for the editor: current version and the live (published) version.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerHead {
    pub id: String,
    pub version: i64,
    pub status: String,
    pub published_version: Option<i64>,
    pub updated_at: i64,
}

const USER_COLUMNS: &str = "tenant_id, email, role, password_hash, must_change_password, \
                            failed_logins, locked_until, created_at, totp_secret, totp_pending, \
                            totp_last_step, platform_admin";

/// SQL condition (tenant `$1`, account `$2`): changing this account away from `admin` still
/// leaves the tenant an admin.
const KEEPS_AN_ADMIN: &str = "(role <> 'admin' OR (SELECT COUNT(*) FROM users \
                              WHERE tenant_id = $1 AND role = 'admin' AND email <> $2) > 0)";

fn user_from_row(r: &sqlx::any::AnyRow) -> UserRecord {
    UserRecord {
        tenant_id: r.get(0),
        email: r.get(1),
        role: r.get(2),
        password_hash: r.get(3),
        must_change_password: crate::flag(r, 4),
        failed_logins: r.get(5),
        locked_until: r.get(6),
        created_at: r.get(7),
        totp_secret: r.get(8),
        totp_pending: r.get(9),
        totp_last_step: r.get(10),
        platform_admin: crate::flag(r, 11),
    }
}

impl Db {
    /// Creates a staff account. `Conflict` when the e-mail address is taken (in any tenant).
    pub async fn insert_user(
        &self,
        tenant: &str,
        email: &str,
        role: &str,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<()> {
        self.tenant(tenant).await?;
        sqlx::query(
            "INSERT INTO users (tenant_id, email, role, password_hash, must_change_password, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(email)
        .bind(role)
        .bind(password_hash)
        .bind(must_change_password)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("user '{email}' exists already")),
            other => other,
        })?;
        Ok(())
    }

    pub async fn user(&self, tenant: &str, email: &str) -> Result<UserRecord> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND email = $2");
        sqlx::query(&sql)
            .bind(tenant)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| user_from_row(&r))
            .ok_or_else(|| StoreError::NotFound(format!("user '{email}'")))
    }

    /// The account an e-mail address signs in to (see the module docs for why this is global).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        Ok(sqlx::query(&sql)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| user_from_row(&r)))
    }

    pub async fn users(&self, tenant: &str) -> Result<Vec<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY email");
        let rows = sqlx::query(&sql).bind(tenant).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(user_from_row).collect())
    }

    /// Records the outcome of sign-in attempts: the failure count and the lock-out end.
    pub async fn set_login_state(
        &self,
        tenant: &str,
        email: &str,
        failed_logins: i64,
        locked_until: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE users SET failed_logins = $3, locked_until = $4 WHERE tenant_id = $1 AND email = $2",
        )
        .bind(tenant)
        .bind(email)
        .bind(failed_logins)
        .bind(locked_until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_password(
        &self,
        tenant: &str,
        email: &str,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $3, must_change_password = $4 WHERE tenant_id = $1 AND email = $2",
        )
        .bind(tenant)
        .bind(email)
        .bind(password_hash)
        .bind(must_change_password)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user '{email}'")));
        }
        Ok(())
    }

    /// Changes a staff member's role. `NotFound` when the tenant has no such account;
    /// `Conflict` when it would leave the tenant without an admin (checked in the same
    /// statement, so two admins demoting each other at once cannot both succeed).
    pub async fn set_user_role(&self, tenant: &str, email: &str, role: &str) -> Result<()> {
        let done = sqlx::query(&format!(
            "UPDATE users SET role = $3 WHERE tenant_id = $1 AND email = $2 \
             AND ($3 = 'admin' OR {KEEPS_AN_ADMIN})"
        ))
        .bind(tenant)
        .bind(email)
        .bind(role)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(self.why_untouched(tenant, email).await);
        }
        Ok(())
    }

    /// Deletes a staff account and its sessions. `NotFound` when the tenant has no such
    /// account; `Conflict` when it is the tenant's last admin.
    pub async fn delete_user(&self, tenant: &str, email: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(&format!(
            "DELETE FROM users WHERE tenant_id = $1 AND email = $2 AND {KEEPS_AN_ADMIN}"
        ))
        .bind(tenant)
        .bind(email)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            drop(tx);
            return Err(self.why_untouched(tenant, email).await);
        }
        for table in ["sessions", "login_challenges"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE tenant_id = $1 AND email = $2"
            ))
            .bind(tenant)
            .bind(email)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Why a guarded change of an account touched no row: no such account, or its last admin.
    async fn why_untouched(&self, tenant: &str, email: &str) -> StoreError {
        match self.user(tenant, email).await {
            Ok(_) => StoreError::Conflict(format!(
                "'{email}' is the tenant's last admin and must stay an admin"
            )),
            Err(e) => e,
        }
    }

    // ---- TOTP second factor ----

    /// Stores (or with `None` drops) a TOTP secret waiting for its first code.
    pub async fn set_totp_pending(
        &self,
        tenant: &str,
        email: &str,
        secret: Option<&str>,
    ) -> Result<()> {
        let done =
            sqlx::query("UPDATE users SET totp_pending = $3 WHERE tenant_id = $1 AND email = $2")
                .bind(tenant)
                .bind(email)
                .bind(secret)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user '{email}'")));
        }
        Ok(())
    }

    /// Makes the pending secret the active one, remembering the step of the confirming code.
    /// `Conflict` when the pending secret changed in between (set-up restarted elsewhere).
    pub async fn activate_totp(
        &self,
        tenant: &str,
        email: &str,
        secret: &str,
        step: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET totp_secret = $3, totp_pending = NULL, totp_last_step = $4 \
             WHERE tenant_id = $1 AND email = $2 AND totp_pending = $3",
        )
        .bind(tenant)
        .bind(email)
        .bind(secret)
        .bind(step)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "the TOTP set-up changed in between".into(),
            ));
        }
        Ok(())
    }

    /// Switches the second factor off (active and pending secret) and ends pending sign-ins.
    pub async fn clear_totp(&self, tenant: &str, email: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = 0 \
             WHERE tenant_id = $1 AND email = $2",
        )
        .bind(tenant)
        .bind(email)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user '{email}'")));
        }
        sqlx::query("DELETE FROM login_challenges WHERE tenant_id = $1 AND email = $2")
            .bind(tenant)
            .bind(email)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks the code of time step `step` as used. False when this or a later step was used
    /// already (a replayed code); checked and set in one statement, so two requests with the
    /// same code cannot both pass.
    pub async fn use_totp_step(&self, tenant: &str, email: &str, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $3 \
             WHERE tenant_id = $1 AND email = $2 AND totp_last_step < $3",
        )
        .bind(tenant)
        .bind(email)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a pending second sign-in step; expired ones of the tenant go on the way.
    pub async fn insert_login_challenge(
        &self,
        tenant: &str,
        email: &str,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM login_challenges WHERE tenant_id = $1 AND expires_at <= $2")
            .bind(tenant)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO login_challenges (token_hash, tenant_id, email, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(tenant)
        .bind(email)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account of an unexpired second sign-in step, as `(tenant, email)` (see the module
    /// docs for why this is global).
    pub async fn login_challenge(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT tenant_id, email FROM login_challenges WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    pub async fn delete_login_challenge(&self, tenant: &str, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_challenges WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- sessions ----

    /// Stores a new session; expired sessions of the tenant are deleted on the way.
    pub async fn insert_session(
        &self,
        tenant: &str,
        email: &str,
        token_hash: &str,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND expires_at <= $2")
            .bind(tenant)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, tenant_id, email, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(tenant)
        .bind(email)
        .bind(csrf_token)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The unexpired session with this token hash (see the module docs for why this is global).
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT tenant_id, email, csrf_token, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| SessionRecord {
            tenant_id: r.get(0),
            email: r.get(1),
            csrf_token: r.get(2),
            expires_at: r.get(3),
        }))
    }

    pub async fn delete_session(&self, tenant: &str, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user except `keep` (after a password change), and any sign-in
    /// waiting for its second-factor code (it was started with the old password).
    pub async fn delete_sessions_of(
        &self,
        tenant: &str,
        email: &str,
        keep: Option<&str>,
    ) -> Result<()> {
        sqlx::query("DELETE FROM login_challenges WHERE tenant_id = $1 AND email = $2")
            .bind(tenant)
            .bind(email)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE tenant_id = $1 AND email = $2 AND token_hash <> COALESCE($3, '')",
        )
        .bind(tenant)
        .bind(email)
        .bind(keep)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- audit log ----

    pub async fn insert_audit(&self, tenant: &str, entry: &AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, at, actor, action, target, before_json, after_json) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.target)
        .bind(entry.before.as_ref().map(ToString::to_string))
        .bind(entry.after.as_ref().map(ToString::to_string))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest `limit` audit entries of a tenant, newest first.
    pub async fn audit_log(&self, tenant: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, before_json, after_json FROM audit_log \
             WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                actor: r.get(1),
                action: r.get(2),
                target: r.get(3),
                before: json(r.get(4)),
                after: json(r.get(5)),
            })
            .collect())
    }

    // ---- answer states ----

    /// Current and live version of every answer of a tenant, ordered by id.
    pub async fn answer_heads(&self, tenant: &str) -> Result<Vec<AnswerHead>> {
        let rows = sqlx::query(
            "SELECT id, version, status, published_version, updated_at FROM answers \
             WHERE tenant_id = $1 ORDER BY id",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AnswerHead {
                id: r.get(0),
                version: r.get(1),
                status: r.get(2),
                published_version: r.get(3),
                updated_at: r.get(4),
            })
            .collect())
    }

    /// Current and live version of one answer.
    pub async fn answer_head(&self, tenant: &str, id: &str) -> Result<AnswerHead> {
        let r = sqlx::query(
            "SELECT id, version, status, published_version, updated_at FROM answers \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("answer '{id}'")))?;
        Ok(AnswerHead {
            id: r.get(0),
            version: r.get(1),
            status: r.get(2),
            published_version: r.get(3),
            updated_at: r.get(4),
        })
    }
}
