//! Moving a whole installation between databases (`lotse migrate-store`, issue 7 item 6) and
//! SQLite's online backup (`lotse backup`).
//!
//! [`TABLES`] lists every table with its columns in an order that satisfies the foreign keys;
//! a test checks that it names every table of the schema, so a new migration cannot be
//! forgotten here. Rows are copied value by value in one transaction on the target, which must
//! be empty (freshly migrated): either the whole installation arrives or nothing.

use std::collections::BTreeMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Backend, Db, Result, StoreError};

/// How a column is read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Bool,
}

use Kind::{Bool, Int, Real, Text};

/// Every table and its columns, parents before children.
pub const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "tenants",
        &[
            ("id", Text),
            ("name", Text),
            ("settings", Text),
            ("created_at", Int),
            ("revision", Int),
        ],
    ),
    (
        "tenant_variables",
        &[("tenant_id", Text), ("key", Text), ("value", Text)],
    ),
    (
        "answers",
        &[
            ("tenant_id", Text),
            ("id", Text),
            ("version", Int),
            ("status", Text),
            ("updated_at", Int),
            ("published_version", Int),
        ],
    ),
    (
        "answer_versions",
        &[
            ("tenant_id", Text),
            ("answer_id", Text),
            ("version", Int),
            ("document", Text),
            ("author", Text),
            ("created_at", Int),
        ],
    ),
    (
        "question_variants",
        &[
            ("tenant_id", Text),
            ("answer_id", Text),
            ("position", Int),
            ("text", Text),
        ],
    ),
    (
        "synonyms",
        &[
            ("tenant_id", Text),
            ("group_id", Int),
            ("position", Int),
            ("term", Text),
        ],
    ),
    (
        "conversations",
        &[("tenant_id", Text), ("id", Text), ("created_at", Int)],
    ),
    (
        "messages",
        &[
            ("tenant_id", Text),
            ("id", Text),
            ("conversation_id", Text),
            ("text_redacted", Text),
            ("kind", Text),
            ("answer_id", Text),
            ("confidence", Real),
            ("created_at", Int),
        ],
    ),
    (
        "feedback",
        &[
            ("tenant_id", Text),
            ("message_id", Text),
            ("helpful", Bool),
            ("comment_redacted", Text),
            ("created_at", Int),
        ],
    ),
    (
        "users",
        &[
            ("tenant_id", Text),
            ("email", Text),
            ("role", Text),
            ("password_hash", Text),
            ("must_change_password", Bool),
            ("failed_logins", Int),
            ("locked_until", Int),
            ("created_at", Int),
            ("totp_secret", Text),
            ("totp_pending", Text),
            ("totp_last_step", Int),
            ("platform_admin", Bool),
        ],
    ),
    (
        "sessions",
        &[
            ("token_hash", Text),
            ("tenant_id", Text),
            ("email", Text),
            ("csrf_token", Text),
            ("created_at", Int),
            ("expires_at", Int),
        ],
    ),
    (
        "login_challenges",
        &[
            ("token_hash", Text),
            ("tenant_id", Text),
            ("email", Text),
            ("expires_at", Int),
        ],
    ),
    (
        "audit_log",
        &[
            ("tenant_id", Text),
            ("id", Int),
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("before_json", Text),
            ("after_json", Text),
        ],
    ),
    (
        "inbox_decisions",
        &[
            ("tenant_id", Text),
            ("message_id", Text),
            ("state", Text),
            ("answer_id", Text),
            ("decided_by", Text),
            ("decided_at", Int),
        ],
    ),
    (
        "daily_stats",
        &[
            ("tenant_id", Text),
            ("day", Text),
            ("questions", Int),
            ("answered", Int),
            ("clarify", Int),
            ("fallback", Int),
            ("thumbs_up", Int),
            ("thumbs_down", Int),
            ("inbox_open", Int),
            ("variants", Int),
            ("consistent_before", Int),
            ("consistent_after", Int),
            ("swapped", Bool),
            ("reason", Text),
            ("recorded_at", Int),
        ],
    ),
    (
        "shared_subscriptions",
        &[("tenant_id", Text), ("base_id", Text), ("created_at", Int)],
    ),
    (
        "shared_local",
        &[
            ("tenant_id", Text),
            ("answer_id", Text),
            ("mode", Text),
            ("base_version", Int),
            ("decided_by", Text),
            ("decided_at", Int),
        ],
    ),
    (
        "shared_seen",
        &[("tenant_id", Text), ("answer_id", Text), ("version", Int)],
    ),
    (
        "job_claims",
        &[
            ("job", Text),
            ("period", Text),
            ("instance", Text),
            ("claimed_at", Int),
        ],
    ),
];

/// One stored value, backend-neutral (for copying and comparing).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
}

/// Every row of every table, in key order: what a round trip must keep.
pub type Dump = BTreeMap<&'static str, Vec<Vec<Value>>>;

fn read(row: &AnyRow, i: usize, kind: Kind) -> Result<Value> {
    let v = match kind {
        Int => row.try_get::<Option<i64>, _>(i)?.map(Value::Int),
        Real => row.try_get::<Option<f64>, _>(i)?.map(Value::Real),
        Text => row.try_get::<Option<String>, _>(i)?.map(Value::Text),
        Bool => crate::opt_flag(row, i).map(Value::Bool),
    };
    Ok(v.unwrap_or(Value::Null))
}

fn select(table: &str, columns: &[(&str, Kind)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    format!("SELECT {} FROM {table}", names.join(", "))
}

impl Db {
    /// The names of the tables the migrations created (without the migrations' own).
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE '\\_sqlx%' ORDER BY 1"
            }
        };
        Ok(sqlx::query_scalar(sql).fetch_all(&self.pool).await?)
    }

    /// Every row of every table of [`TABLES`], each table's rows in a fixed order.
    pub async fn dump(&self) -> Result<Dump> {
        let mut dump = Dump::new();
        for (table, columns) in TABLES {
            let rows = sqlx::query(&select(table, columns))
                .fetch_all(&self.pool)
                .await?;
            let mut values = Vec::with_capacity(rows.len());
            for row in &rows {
                let mut v = Vec::with_capacity(columns.len());
                for (i, (_, kind)) in columns.iter().enumerate() {
                    v.push(read(row, i, *kind)?);
                }
                values.push(v);
            }
            // Sorted here, not in SQL: the backends' text collations may differ.
            values.sort_by_cached_key(|v| serde_json::to_string(v).unwrap_or_default());
            dump.insert(*table, values);
        }
        Ok(dump)
    }

    /// Copies the whole installation into `target`, which must have no tenants yet. One
    /// transaction on the target. Returns the rows copied per table.
    pub async fn copy_into(&self, target: &Db) -> Result<Vec<(&'static str, usize)>> {
        if !target.tenants().await?.is_empty() {
            return Err(StoreError::Conflict(
                "the target database is not empty (it has tenants)".into(),
            ));
        }
        let mut tx = target.write_tx().await?;
        let mut counts = Vec::with_capacity(TABLES.len());
        for (table, columns) in TABLES {
            let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
            let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
            let insert = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                params.join(", ")
            );
            let rows = sqlx::query(&select(table, columns))
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                let mut q = sqlx::query(&insert);
                for (i, (_, kind)) in columns.iter().enumerate() {
                    q = match (kind, read(row, i, *kind)?) {
                        (_, Value::Int(v)) => q.bind(v),
                        (_, Value::Real(v)) => q.bind(v),
                        (_, Value::Text(v)) => q.bind(v),
                        (_, Value::Bool(v)) => q.bind(v),
                        (Int, Value::Null) => q.bind(None::<i64>),
                        (Real, Value::Null) => q.bind(None::<f64>),
                        (Text, Value::Null) => q.bind(None::<String>),
                        (Bool, Value::Null) => q.bind(None::<bool>),
                    };
                }
                q.execute(&mut *tx).await?;
            }
            counts.push((*table, rows.len()));
        }
        if target.backend == Backend::Postgres {
            // Explicit ids do not move the identity's sequence; the next audit entry must not
            // collide with a copied one.
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), \
                 COALESCE((SELECT MAX(id) FROM audit_log), 0) + 1, false)",
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// Writes a consistent copy of a SQLite database to `path` while it is in use (`VACUUM
    /// INTO`). PostgreSQL has its own tools (pg_dump, docs/operations.md).
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::Invalid {
                field: "database.url",
                reason: "PostgreSQL is backed up with pg_dump (docs/operations.md)".into(),
            });
        }
        if path.exists() {
            return Err(StoreError::Conflict(format!(
                "{} exists already",
                path.display()
            )));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
