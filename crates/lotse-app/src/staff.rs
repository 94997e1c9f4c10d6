//! Staff accounts: roles, Argon2id password hashes, sign-in with lock-out, sessions and the
//! audit log. Session tokens are 256 random bits; only their SHA-256 hash is stored, so a
//! copy of the database does not let anyone sign in.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use lotse_store::{AuditEntry, StoreError, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{App, AppError};

pub mod totp;
mod users;

/// Failed sign-ins in a row after which an account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// How long a session lasts (one working day, then sign in again).
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;
/// How long the second sign-in step (the TOTP code after the right password) stays open.
pub const CHALLENGE_MS: i64 = 5 * 60 * 1000;
/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What a staff member may do. Each role includes the rights of the roles before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads answers, history and the test console.
    Viewer,
    /// Writes answers (draft, review); publishes too unless the tenant has four-eyes on.
    Editor,
    /// Approves and publishes.
    Reviewer,
    /// Everything, plus users and tenant settings.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// The German name shown in the staff pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Lesen",
            Role::Editor => "Redaktion",
            Role::Reviewer => "Freigabe",
            Role::Admin => "Verwaltung",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Role, AppError> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "reviewer" => Ok(Role::Reviewer),
            "admin" => Ok(Role::Admin),
            _ => Err(AppError::Invalid {
                field: "role".into(),
                reason: format!("'{s}' is not one of admin, editor, reviewer, viewer"),
            }),
        }
    }
}

/// A signed-in staff member, as the HTTP edge sees them. `Debug` leaves out the secrets.
#[derive(Clone)]
pub struct Staff {
    pub tenant: String,
    pub email: String,
    pub role: Role,
    /// The per-session token that every form and admin API write must carry.
    pub csrf_token: String,
    pub must_change_password: bool,
    /// The hash of the session token (to end this session).
    pub session: String,
    /// The platform-admin right: manages tenants (`/admin/plattform`, `lotse tenant …`).
    pub platform_admin: bool,
}

impl fmt::Debug for Staff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Staff")
            .field("tenant", &self.tenant)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("must_change_password", &self.must_change_password)
            .field("platform_admin", &self.platform_admin)
            .finish_non_exhaustive()
    }
}

/// A new session: the token goes into the cookie, the staff member is who signed in.
/// `Debug` leaves out the token.
#[derive(Clone)]
pub struct NewSession {
    pub token: String,
    pub staff: Staff,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("staff", &self.staff)
            .finish_non_exhaustive()
    }
}

/// The token of a pending second sign-in step (goes into a cookie of the sign-in page).
/// `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge(pub String);

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Challenge(..)")
    }
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Deliberately does not say whether the address or the password was wrong.
    #[error("wrong e-mail address or password")]
    WrongCredentials,
    /// The password was right, but the account has a second factor: not signed in yet.
    /// Continue with [`App::login_second_factor`] and this challenge.
    #[error("the second factor is needed")]
    SecondFactorNeeded(Challenge),
    #[error("wrong second-factor code")]
    WrongCode,
    /// A code whose time step was used already.
    #[error("this second-factor code was used already")]
    CodeReused,
    /// The second step is unknown or expired (or the second factor was reset meanwhile).
    #[error("the sign-in expired; start again")]
    ChallengeExpired,
    #[error("account locked for {retry_after_secs} s after repeated failures")]
    Locked { retry_after_secs: u64 },
    #[error(transparent)]
    Other(#[from] AppError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::Other(e.into())
    }
}

/// 256 random bits as lower-case hex.
pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

/// The SHA-256 of a token as lower-case hex (what the database stores).
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with Argon2id (default parameters: 19 MiB, 2 passes) and a random salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored hash in constant time.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to verify against when the address is unknown, so that the answer takes as long as
/// for a known address and does not reveal which addresses exist.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("lotse-dummy-password").unwrap_or_default())
}

/// A fresh one-time password: 20 random hex characters (80 bits).
fn one_time_password() -> Result<String, AppError> {
    Ok(random_token()?[..20].to_owned())
}

fn check_new_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::Invalid {
            field: "password".into(),
            reason: format!("at least {MIN_PASSWORD_CHARS} characters"),
        });
    }
    Ok(())
}

/// E-mail addresses are compared trimmed and in lower case.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))
}

impl App {
    /// Creates a staff account. Without a password, a one-time password is generated and
    /// returned; it must be changed at the first sign-in.
    pub async fn add_user(
        &self,
        tenant: &str,
        email: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        self.insert_user(tenant, "system", email, role, password)
            .await
    }

    async fn insert_user(
        &self,
        tenant: &str,
        actor: &str,
        email: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        let email = normalize_email(email);
        if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_whitespace) {
            return Err(AppError::Invalid {
                field: "email".into(),
                reason: format!("'{email}' is not an e-mail address"),
            });
        }
        let (password, generated) = match password {
            Some(p) => {
                check_new_password(p)?;
                (p.to_owned(), false)
            }
            None => (one_time_password()?, true),
        };
        let to_hash = password.clone();
        let hash = blocking(move || hash_password(&to_hash)).await??;
        self.db()
            .insert_user(tenant, &email, role.as_str(), &hash, generated)
            .await?;
        self.audit(
            tenant,
            actor,
            "user.add",
            &email,
            None,
            Some(serde_json::json!({"role": role})),
        )
        .await?;
        Ok(generated.then_some(password))
    }

    /// Signs in. After [`MAX_FAILED_LOGINS`] failures in a row the account is locked for
    /// [`LOCKOUT_MS`]; while locked, even the right password is refused.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        now: i64,
    ) -> Result<NewSession, LoginError> {
        let email = normalize_email(email);
        let db = self.db();
        let Some(user) = db.user_by_email(&email).await? else {
            let password = password.to_owned();
            blocking(move || verify_password(&password, dummy_hash())).await?;
            return Err(LoginError::WrongCredentials);
        };
        if user.locked_until > now {
            let secs = (user.locked_until - now).div_euclid(1000) + 1;
            return Err(LoginError::Locked {
                retry_after_secs: u64::try_from(secs).unwrap_or(1),
            });
        }
        let (pw, hash) = (password.to_owned(), user.password_hash.clone());
        if !blocking(move || verify_password(&pw, &hash)).await? {
            return Err(self
                .record_failure(&user, now, LoginError::WrongCredentials)
                .await);
        }
        if user.totp_enabled() {
            // The right password alone does not reset the failure count: otherwise someone who
            // knows it could try codes without end, a few between each right password.
            let token = random_token()?;
            db.insert_login_challenge(
                &user.tenant_id,
                &email,
                &hash_token(&token),
                now + CHALLENGE_MS,
            )
            .await?;
            return Err(LoginError::SecondFactorNeeded(Challenge(token)));
        }
        self.open_session(&user, now, false).await
    }

    /// The second sign-in step: the TOTP code for a [`Challenge`] from [`App::login`]. Wrong
    /// and replayed codes count toward the lock-out like wrong passwords; a locked account
    /// ends the step.
    pub async fn login_second_factor(
        &self,
        challenge: &str,
        code: &str,
        now: i64,
    ) -> Result<NewSession, LoginError> {
        if challenge.is_empty() || challenge.len() > 128 {
            return Err(LoginError::ChallengeExpired);
        }
        let db = self.db();
        let challenge = hash_token(challenge);
        let Some((tenant, email)) = db.login_challenge(&challenge, now).await? else {
            return Err(LoginError::ChallengeExpired);
        };
        let user = db.user(&tenant, &email).await?;
        if user.locked_until > now {
            db.delete_login_challenge(&tenant, &challenge).await?;
            let secs = (user.locked_until - now).div_euclid(1000) + 1;
            return Err(LoginError::Locked {
                retry_after_secs: u64::try_from(secs).unwrap_or(1),
            });
        }
        let Some(secret) = user.totp_secret.as_deref() else {
            db.delete_login_challenge(&tenant, &challenge).await?;
            return Err(LoginError::ChallengeExpired);
        };
        let failure = match totp::check_code(secret, code, now, user.totp_last_step) {
            totp::CodeCheck::Valid(step) if db.use_totp_step(&tenant, &email, step).await? => None,
            totp::CodeCheck::Valid(_) | totp::CodeCheck::Reused => Some(LoginError::CodeReused),
            totp::CodeCheck::Wrong => Some(LoginError::WrongCode),
        };
        if let Some(failure) = failure {
            let e = self.record_failure(&user, now, failure).await;
            if matches!(e, LoginError::Locked { .. }) {
                db.delete_login_challenge(&tenant, &challenge).await?;
            }
            return Err(e);
        }
        db.delete_login_challenge(&tenant, &challenge).await?;
        self.open_session(&user, now, true).await
    }

    /// Counts a failed sign-in attempt (password or code); at [`MAX_FAILED_LOGINS`] the
    /// account is locked. Returns the error to report.
    async fn record_failure(
        &self,
        user: &lotse_store::UserRecord,
        now: i64,
        failure: LoginError,
    ) -> LoginError {
        let db = self.db();
        let (tenant, email) = (&user.tenant_id, &user.email);
        let failed = user.failed_logins + 1;
        let recorded = if failed >= MAX_FAILED_LOGINS {
            match db.set_login_state(tenant, email, 0, now + LOCKOUT_MS).await {
                Ok(()) => self
                    .audit(tenant, email, "login.locked", email, None, None)
                    .await
                    .map(|()| LoginError::Locked {
                        retry_after_secs: u64::try_from(LOCKOUT_MS / 1000).unwrap_or(900),
                    }),
                Err(e) => Err(e.into()),
            }
        } else {
            db.set_login_state(tenant, email, failed, 0)
                .await
                .map(|()| failure)
                .map_err(AppError::from)
        };
        recorded.unwrap_or_else(LoginError::Other)
    }

    /// A signed-in session for an account whose credentials were checked.
    async fn open_session(
        &self,
        user: &lotse_store::UserRecord,
        now: i64,
        second_factor: bool,
    ) -> Result<NewSession, LoginError> {
        let db = self.db();
        let (tenant, email) = (user.tenant_id.clone(), user.email.clone());
        if db.tenant(&tenant).await?.suspended_at.is_some() {
            return Err(LoginError::Other(AppError::Suspended { tenant }));
        }
        db.set_login_state(&tenant, &email, 0, 0).await?;
        let token = random_token()?;
        let csrf_token = random_token()?;
        let session = hash_token(&token);
        db.insert_session(&tenant, &email, &session, &csrf_token, now + SESSION_MS)
            .await?;
        let after = second_factor.then(|| serde_json::json!({ "second_factor": "totp" }));
        self.audit(&tenant, &email, "login", &email, None, after)
            .await?;
        Ok(NewSession {
            token,
            staff: Staff {
                tenant,
                email,
                role: user.role.parse()?,
                csrf_token,
                must_change_password: user.must_change_password,
                session,
                platform_admin: user.platform_admin,
            },
        })
    }

    /// The staff member behind a session token, if the session is valid.
    pub async fn staff_session(&self, token: &str, now: i64) -> Result<Option<Staff>, AppError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let session = hash_token(token);
        let Some(s) = self.db().session(&session, now).await? else {
            return Ok(None);
        };
        let user = self.db().user(&s.tenant_id, &s.email).await?;
        Ok(Some(Staff {
            tenant: s.tenant_id,
            email: s.email,
            role: user.role.parse()?,
            csrf_token: s.csrf_token,
            must_change_password: user.must_change_password,
            session,
            platform_admin: user.platform_admin,
        }))
    }

    pub async fn logout(&self, staff: &Staff) -> Result<(), AppError> {
        self.db()
            .delete_session(&staff.tenant, &staff.session)
            .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "logout",
            &staff.email,
            None,
            None,
        )
        .await
    }

    /// Changes the signed-in member's password and ends their other sessions.
    pub async fn change_password(
        &self,
        staff: &Staff,
        current: &str,
        new: &str,
    ) -> Result<(), AppError> {
        let user = self.db().user(&staff.tenant, &staff.email).await?;
        let (pw, hash) = (current.to_owned(), user.password_hash);
        if !blocking(move || verify_password(&pw, &hash)).await? {
            return Err(AppError::Invalid {
                field: "current_password".into(),
                reason: "the current password is wrong".into(),
            });
        }
        check_new_password(new)?;
        if new == current {
            return Err(AppError::Invalid {
                field: "new_password".into(),
                reason: "the new password must differ from the current one".into(),
            });
        }
        let new = new.to_owned();
        let hash = blocking(move || hash_password(&new)).await??;
        let db = self.db();
        db.set_password(&staff.tenant, &staff.email, &hash, false)
            .await?;
        db.delete_sessions_of(&staff.tenant, &staff.email, Some(&staff.session))
            .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "password.change",
            &staff.email,
            None,
            None,
        )
        .await
    }

    /// Records a staff action in the audit log.
    pub async fn audit(
        &self,
        tenant: &str,
        actor: &str,
        action: &str,
        target: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        let entry = AuditEntry {
            at: now_ms(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            before,
            after,
        };
        Ok(self.db().insert_audit(tenant, &entry).await?)
    }
}
