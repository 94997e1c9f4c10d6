//! Persistence for Lotse: one concrete [`Db`] that hides the database behind tenant-scoped functions.
//!
//! This crate knows SQL and nothing about HTTP or the answering engine. Every function that
//! touches tenant-owned data takes the tenant id first, and every query filters by it: tenant
//! isolation is enforced here. The same queries run on SQLite (the default: WAL mode with
//! `synchronous = FULL`, so a save is durable when the function returns) and on PostgreSQL
//! (several instances on one database), through sqlx's `Any` driver: one code path, chosen by
//! the database URL. Queries are runtime-checked, use `$n` placeholders and portable SQL.

use std::collections::HashMap;
use std::path::Path;

use lotse_core::content::{Answer, Status};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

mod cluster;
pub mod copy;
mod inbox;
mod retention;
mod shared;
mod staff;
mod stats;
mod tenants;
pub mod testing;
pub use cluster::{CHANNEL, Changes};
pub use inbox::{InboxDecision, InboxItem, InboxState};
pub use retention::Purged;
pub use shared::{LocalMode, SharedLocal};
pub use staff::{AnswerHead, AuditEntry, SessionRecord, UserRecord};
pub use stats::{AnswerUse, Bucket, DAY_MS, DailyStats, Traffic, WEEK_MS, WEEK_OFFSET_MS};

/// What can go wrong, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The database failed or is unreachable; details are for the log, not for citizens.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A tenant (one job centre).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    /// Free-form settings as JSON (colours, languages, allowed origins …).
    pub settings: serde_json::Value,
    pub created_at: i64,
    /// When the tenant was suspended (Unix ms); `None` while it is active.
    #[serde(default)]
    pub suspended_at: Option<i64>,
}

/// One stored version of an answer.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerVersion {
    pub version: i64,
    pub author: String,
    pub created_at: i64,
    pub answer: Answer,
}

/// A citizen question as stored (already redacted).
#[derive(Debug, Clone, Serialize)]
pub struct MessageRecord {
    pub tenant_id: String,
    pub id: String,
    pub conversation_id: String,
    pub text_redacted: String,
    pub kind: String,
    pub answer_id: Option<String>,
    pub confidence: f32,
    pub created_at: i64,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names (`sqlite:` or `postgres://` / `postgresql://`).
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(StoreError::Invalid {
                field: "database.url",
                reason: "must start with sqlite:// or postgres://".into(),
            })
        }
    }
}

/// The database. Cheap to clone (a pool handle).
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The PostgreSQL URL, for the connection that listens to change notifications.
    url: Option<String>,
}

/// Shows the backend only: the URL may hold a password.
impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (or creates) `lotse.db` in `data_dir` and runs the migrations.
    pub async fn open_dir(data_dir: &Path) -> Result<Db> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join("lotse.db");
        Db::open_url(&format!("sqlite://{}", path.display())).await
    }

    /// Opens a database by URL (`sqlite://path`, `sqlite::memory:` or `postgres://…`) and runs
    /// the migrations of its backend.
    pub async fn open_url(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                let in_memory = url.contains(":memory:");
                // The Any driver takes SQLite's options from the URL only: create the file if
                // needed, and set the per-connection pragmas on every new connection.
                let url = if in_memory || url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                AnyPoolOptions::new()
                    .max_connections(if in_memory { 1 } else { 4 })
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(8).connect(url).await,
        }
        .map_err(|e| match e {
            sqlx::Error::Configuration(e) => StoreError::Invalid {
                field: "database.url",
                reason: e.to_string(),
            },
            other => StoreError::from(other),
        })?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        let url = (backend == Backend::Postgres).then(|| url.to_owned());
        Ok(Db { pool, backend, url })
    }

    /// Closes every connection (after this the handle fails every call).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The database this handle talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads first and then writes fails at once with
    /// "database is locked" when another connection wrote in between (busy_timeout does not
    /// help there), so two staff saves at the same moment, or a save during a batch of citizen
    /// questions, would fail; found by the crash test's concurrent burst. PostgreSQL's row
    /// locks need nothing special.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// SQLite's own consistency check of the whole file: `"ok"` when intact, else the problems.
    /// PostgreSQL checks itself; there this is always `"ok"`.
    pub async fn integrity_check(&self) -> Result<String> {
        if self.backend == Backend::Postgres {
            return Ok("ok".into());
        }
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.join("\n"))
    }

    /// A cheap liveness query for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    // ---- tenants ----

    pub async fn create_tenant(&self, id: &str, name: &str) -> Result<Tenant> {
        if !is_valid_tenant_id(id) {
            return Err(StoreError::Invalid {
                field: "tenant",
                reason: format!("'{id}' must be 1–64 characters of a–z, 0–9 and '-'"),
            });
        }
        let created_at = now_ms();
        sqlx::query(
            "INSERT INTO tenants (id, name, settings, created_at) VALUES ($1, $2, '{}', $3)",
        )
        .bind(id)
        .bind(name)
        .bind(created_at)
        .execute(&self.pool)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("tenant '{id}' exists already"))
            }
            other => other,
        })?;
        Ok(Tenant {
            id: id.into(),
            name: name.into(),
            settings: serde_json::json!({}),
            created_at,
            suspended_at: None,
        })
    }

    pub async fn tenant(&self, id: &str) -> Result<Tenant> {
        let row = sqlx::query(
            "SELECT id, name, settings, created_at, suspended_at FROM tenants WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("tenant '{id}'")))?;
        tenant_from_row(&row)
    }

    pub async fn tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query(
            "SELECT id, name, settings, created_at, suspended_at FROM tenants ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tenant_from_row).collect()
    }

    pub async fn set_tenant_settings(
        &self,
        tenant: &str,
        settings: &serde_json::Value,
    ) -> Result<()> {
        let done = sqlx::query("UPDATE tenants SET settings = $2 WHERE id = $1")
            .bind(tenant)
            .bind(settings.to_string())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("tenant '{tenant}'")));
        }
        Ok(())
    }

    // ---- variables ----

    pub async fn set_variables(&self, tenant: &str, vars: &HashMap<String, String>) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (k, v) in vars {
            sqlx::query(
                "INSERT INTO tenant_variables (tenant_id, key, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value",
            )
            .bind(tenant)
            .bind(k)
            .bind(v)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn variables(&self, tenant: &str) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT key, value FROM tenant_variables WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect())
    }

    // ---- synonyms ----

    pub async fn set_synonyms(&self, tenant: &str, groups: &[Vec<String>]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM synonyms WHERE tenant_id = $1")
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        for (g, group) in groups.iter().enumerate() {
            for (p, term) in group.iter().enumerate() {
                sqlx::query("INSERT INTO synonyms (tenant_id, group_id, position, term) VALUES ($1, $2, $3, $4)")
                    .bind(tenant)
                    .bind(g as i64)
                    .bind(p as i64)
                    .bind(term)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn synonyms(&self, tenant: &str) -> Result<Vec<Vec<String>>> {
        let rows = sqlx::query(
            "SELECT group_id, term FROM synonyms WHERE tenant_id = $1 ORDER BY group_id, position",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        let mut groups: Vec<(i64, Vec<String>)> = Vec::new();
        for r in rows {
            let g: i64 = r.get(0);
            match groups.last_mut() {
                Some((last, terms)) if *last == g => terms.push(r.get(1)),
                _ => groups.push((g, vec![r.get(1)])),
            }
        }
        Ok(groups.into_iter().map(|(_, t)| t).collect())
    }

    // ---- answers ----

    /// Saves a new version of an answer (creating it if needed) and returns the version number.
    /// Durable when this returns.
    pub async fn save_answer(&self, tenant: &str, answer: &Answer, author: &str) -> Result<i64> {
        Ok(self
            .save_answers(tenant, std::slice::from_ref(answer), author)
            .await?[0])
    }

    /// Saves new versions of several answers in one transaction (all or nothing) and returns
    /// their version numbers. Durable when this returns.
    pub async fn save_answers(
        &self,
        tenant: &str,
        answers: &[Answer],
        author: &str,
    ) -> Result<Vec<i64>> {
        let mut tx = self.write_tx().await?;
        let mut versions = Vec::with_capacity(answers.len());
        for answer in answers {
            versions.push(save_in(&mut tx, tenant, answer, author).await?);
        }
        tx.commit().await?;
        Ok(versions)
    }

    /// The current version of every answer of a tenant (all statuses), ordered by id.
    pub async fn answers(&self, tenant: &str) -> Result<Vec<Answer>> {
        self.answer_documents(
            tenant,
            "SELECT v.document FROM answers a JOIN answer_versions v \
             ON v.tenant_id = a.tenant_id AND v.answer_id = a.id AND v.version = a.version \
             WHERE a.tenant_id = $1 ORDER BY a.id",
        )
        .await
    }

    /// The published (live) version of every answer that has one, ordered by id. This is what
    /// citizens are answered from, even while a newer draft or review version exists.
    pub async fn live_answers(&self, tenant: &str) -> Result<Vec<Answer>> {
        self.answer_documents(
            tenant,
            "SELECT v.document FROM answers a JOIN answer_versions v \
             ON v.tenant_id = a.tenant_id AND v.answer_id = a.id AND v.version = a.published_version \
             WHERE a.tenant_id = $1 ORDER BY a.id",
        )
        .await
    }

    /// Runs a tenant-scoped query whose one column is an answer document.
    async fn answer_documents(&self, tenant: &str, sql: &'static str) -> Result<Vec<Answer>> {
        let rows = sqlx::query(sql).bind(tenant).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| answer_from_json(&r.get::<String, _>(0)))
            .collect()
    }

    pub async fn answer(&self, tenant: &str, id: &str) -> Result<Answer> {
        let doc: Option<String> = sqlx::query_scalar(
            "SELECT v.document FROM answers a JOIN answer_versions v \
             ON v.tenant_id = a.tenant_id AND v.answer_id = a.id AND v.version = a.version \
             WHERE a.tenant_id = $1 AND a.id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        answer_from_json(&doc.ok_or_else(|| StoreError::NotFound(format!("answer '{id}'")))?)
    }

    /// All versions of an answer, newest first.
    pub async fn answer_history(&self, tenant: &str, id: &str) -> Result<Vec<AnswerVersion>> {
        let rows = sqlx::query(
            "SELECT version, author, created_at, document FROM answer_versions \
             WHERE tenant_id = $1 AND answer_id = $2 ORDER BY version DESC",
        )
        .bind(tenant)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("answer '{id}'")));
        }
        rows.iter()
            .map(|r| {
                Ok(AnswerVersion {
                    version: r.get(0),
                    author: r.get(1),
                    created_at: r.get(2),
                    answer: answer_from_json(&r.get::<String, _>(3))?,
                })
            })
            .collect()
    }

    pub async fn count_answers(&self, tenant: &str, status: Status) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM answers WHERE tenant_id = $1 AND status = $2")
                .bind(tenant)
                .bind(status.as_str())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    // ---- conversations, messages, feedback ----

    /// Stores a batch of (redacted) messages in one transaction; creates their conversations.
    pub async fn insert_messages(&self, batch: &[MessageRecord]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for m in batch {
            sqlx::query("INSERT INTO conversations (tenant_id, id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(&m.tenant_id)
                .bind(&m.conversation_id)
                .bind(m.created_at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO messages (tenant_id, id, conversation_id, text_redacted, kind, answer_id, confidence, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(&m.tenant_id)
            .bind(&m.id)
            .bind(&m.conversation_id)
            .bind(&m.text_redacted)
            .bind(&m.kind)
            .bind(&m.answer_id)
            .bind(f64::from(m.confidence))
            .bind(m.created_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn messages(&self, tenant: &str, limit: i64) -> Result<Vec<MessageRecord>> {
        let rows = sqlx::query(
            "SELECT tenant_id, id, conversation_id, text_redacted, kind, answer_id, confidence, created_at \
             FROM messages WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2",
        )
        .bind(tenant)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| MessageRecord {
                tenant_id: r.get(0),
                id: r.get(1),
                conversation_id: r.get(2),
                text_redacted: r.get(3),
                kind: r.get(4),
                answer_id: r.get(5),
                confidence: r.get::<f64, _>(6) as f32,
                created_at: r.get(7),
            })
            .collect())
    }

    /// Records feedback on a message of this tenant. `NotFound` when the message is unknown.
    pub async fn insert_feedback(
        &self,
        tenant: &str,
        message_id: &str,
        helpful: bool,
        comment: Option<&str>,
    ) -> Result<()> {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM messages WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(message_id)
                .fetch_optional(&self.pool)
                .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("message '{message_id}'")));
        }
        sqlx::query(
            "INSERT INTO feedback (tenant_id, message_id, helpful, comment_redacted, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, message_id) DO UPDATE SET helpful = excluded.helpful, \
             comment_redacted = COALESCE(excluded.comment_redacted, feedback.comment_redacted), created_at = excluded.created_at",
        )
        .bind(tenant)
        .bind(message_id)
        .bind(helpful)
        .bind(comment)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// (helpful, not helpful) counts of a tenant.
    pub async fn feedback_counts(&self, tenant: &str) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN helpful THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN helpful THEN 0 ELSE 1 END), 0) \
             FROM feedback WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.get(0), row.get(1)))
    }
}

async fn save_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &str,
    answer: &Answer,
    author: &str,
) -> Result<i64> {
    let now = now_ms();
    let current: Option<i64> =
        sqlx::query_scalar("SELECT version FROM answers WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(&answer.id)
            .fetch_optional(&mut **tx)
            .await?;
    let version = current.unwrap_or(0) + 1;
    let document = serde_json::to_string(answer).map_err(|e| StoreError::Invalid {
        field: "answer",
        reason: e.to_string(),
    })?;
    if current.is_some() {
        // Publishing moves the live pointer, archiving clears it; drafts and reviews leave the
        // published version online until they are published themselves.
        sqlx::query(
            "UPDATE answers SET version = $3, status = $4, updated_at = $5, published_version = \
             CASE $4 WHEN 'published' THEN $3 WHEN 'archived' THEN NULL ELSE published_version END \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(&answer.id)
        .bind(version)
        .bind(answer.status.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO answers (tenant_id, id, version, status, updated_at, published_version) \
             VALUES ($1, $2, $3, $4, $5, CASE $4 WHEN 'published' THEN $3 ELSE NULL END)",
        )
        .bind(tenant)
        .bind(&answer.id)
        .bind(version)
        .bind(answer.status.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound(format!("tenant '{tenant}'"))
            }
            other => StoreError::from(other),
        })?;
    }
    sqlx::query(
        "INSERT INTO answer_versions (tenant_id, answer_id, version, document, author, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(&answer.id)
    .bind(version)
    .bind(&document)
    .bind(author)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM question_variants WHERE tenant_id = $1 AND answer_id = $2")
        .bind(tenant)
        .bind(&answer.id)
        .execute(&mut **tx)
        .await?;
    for (i, q) in answer.questions.iter().enumerate() {
        sqlx::query("INSERT INTO question_variants (tenant_id, answer_id, position, text) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(&answer.id)
            .bind(i as i64)
            .bind(q)
            .execute(&mut **tx)
            .await?;
    }
    Ok(version)
}

/// Tenant ids appear in URLs: short, lower-case, URL-safe.
pub fn is_valid_tenant_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn tenant_from_row(row: &AnyRow) -> Result<Tenant> {
    let settings: String = row.get(2);
    Ok(Tenant {
        id: row.get(0),
        name: row.get(1),
        settings: serde_json::from_str(&settings).unwrap_or_else(|_| serde_json::json!({})),
        created_at: row.get(3),
        suspended_at: row.get(4),
    })
}

/// A boolean column: SQLite stores 0/1 (the `Any` driver sees an integer), PostgreSQL a
/// `BOOLEAN`.
pub(crate) fn flag(row: &AnyRow, i: usize) -> bool {
    opt_flag(row, i).unwrap_or(false)
}

/// A nullable boolean column (see [`flag`]).
pub(crate) fn opt_flag(row: &AnyRow, i: usize) -> Option<bool> {
    match row.try_get::<Option<bool>, _>(i) {
        Ok(b) => b,
        Err(_) => row
            .try_get::<Option<i64>, _>(i)
            .ok()
            .flatten()
            .map(|v| v != 0),
    }
}

fn answer_from_json(doc: &str) -> Result<Answer> {
    serde_json::from_str(doc)
        .map_err(|e| StoreError::Unavailable(format!("stored answer is unreadable: {e}")))
}
