//! Shared knowledge: a tenant's subscription to another tenant's published answers, its local
//! decisions on single shared answers (hidden, overridden) and what its staff last saw of them.
//!
//! Every function is scoped by the subscriber (`tenant`). Reading the base's answers is an
//! ordinary tenant-scoped read of the base ([`Db::live_answers`], [`Db::answer_heads`]), done by
//! `lotse-app` for the base the subscription names.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use crate::{Db, Result, StoreError, now_ms};

/// What a subscriber did with one shared answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalMode {
    /// Its citizens do not get the shared answer.
    Hidden,
    /// Its own answer with the same id replaces the shared one.
    Override,
}

impl LocalMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalMode::Hidden => "hidden",
            LocalMode::Override => "override",
        }
    }
}

/// A subscriber's decision on one shared answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedLocal {
    pub answer_id: String,
    pub mode: LocalMode,
    /// For an override: the shared published version it was made from (or last reviewed against).
    pub base_version: Option<i64>,
    pub decided_by: String,
    pub decided_at: i64,
}

impl Db {
    /// The tenant whose shared knowledge `tenant` subscribes to, if any.
    pub async fn subscription(&self, tenant: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT base_id FROM shared_subscriptions WHERE tenant_id = $1")
                .bind(tenant)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Subscribes `tenant` to `base` (replacing an earlier subscription, whose local decisions
    /// and seen versions are dropped), or ends the subscription (`None`). `seen` is the base's
    /// published versions at this moment: nothing counts as new right after subscribing.
    pub async fn set_subscription(
        &self,
        tenant: &str,
        base: Option<&str>,
        seen: &HashMap<String, i64>,
    ) -> Result<()> {
        if base == Some(tenant) {
            return Err(StoreError::Invalid {
                field: "base",
                reason: "a tenant cannot subscribe to itself".into(),
            });
        }
        let mut tx = self.write_tx().await?;
        for table in ["shared_subscriptions", "shared_local", "shared_seen"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1"))
                .bind(tenant)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(base) = base {
            sqlx::query(
                "INSERT INTO shared_subscriptions (tenant_id, base_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(tenant)
            .bind(base)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Unavailable(m) if m.contains("FOREIGN KEY") => {
                    StoreError::NotFound(format!("tenant '{base}'"))
                }
                other => other,
            })?;
            insert_seen(&mut tx, tenant, seen).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The tenants subscribed to `base`'s shared knowledge, ordered by id.
    pub async fn subscribers(&self, base: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT tenant_id FROM shared_subscriptions WHERE base_id = $1 ORDER BY tenant_id",
        )
        .bind(base)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The subscriber's decisions on shared answers, by answer id.
    pub async fn shared_local(&self, tenant: &str) -> Result<HashMap<String, SharedLocal>> {
        let rows = sqlx::query(
            "SELECT answer_id, mode, base_version, decided_by, decided_at FROM shared_local \
             WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let mode = if r.get::<String, _>(1) == "hidden" {
                    LocalMode::Hidden
                } else {
                    LocalMode::Override
                };
                let local = SharedLocal {
                    answer_id: r.get(0),
                    mode,
                    base_version: r.get(2),
                    decided_by: r.get(3),
                    decided_at: r.get(4),
                };
                (local.answer_id.clone(), local)
            })
            .collect())
    }

    /// Records (or replaces) the subscriber's decision on a shared answer; `None` removes it.
    pub async fn set_shared_local(
        &self,
        tenant: &str,
        answer_id: &str,
        decision: Option<(LocalMode, Option<i64>)>,
        actor: &str,
    ) -> Result<()> {
        let Some((mode, base_version)) = decision else {
            sqlx::query("DELETE FROM shared_local WHERE tenant_id = $1 AND answer_id = $2")
                .bind(tenant)
                .bind(answer_id)
                .execute(&self.pool)
                .await?;
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO shared_local (tenant_id, answer_id, mode, base_version, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, answer_id) DO UPDATE SET \
             mode = excluded.mode, base_version = excluded.base_version, \
             decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        )
        .bind(tenant)
        .bind(answer_id)
        .bind(mode.as_str())
        .bind(base_version)
        .bind(actor)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The shared answers' published versions as the subscriber's staff last saw them.
    pub async fn shared_seen(&self, tenant: &str) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query("SELECT answer_id, version FROM shared_seen WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Replaces what the subscriber's staff have seen with `seen` ("gesehen").
    pub async fn set_shared_seen(&self, tenant: &str, seen: &HashMap<String, i64>) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM shared_seen WHERE tenant_id = $1")
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        insert_seen(&mut tx, tenant, seen).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_seen(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &str,
    seen: &HashMap<String, i64>,
) -> Result<()> {
    for (answer_id, version) in seen {
        sqlx::query("INSERT INTO shared_seen (tenant_id, answer_id, version) VALUES ($1, $2, $3)")
            .bind(tenant)
            .bind(answer_id)
            .bind(version)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
