//! Deleting citizen data after the tenant's retention period (issue 8, SPEC §2.9).
//!
//! Citizen data is `messages` (redacted questions), `feedback` on them, `conversations` and the
//! staff decisions on inbox items (`inbox_decisions`, which point at messages). Counts in
//! `daily_stats` and the audit log of staff actions are kept.

use serde::Serialize;
use sqlx::Row;

use crate::{DAY_MS, Db, Result};

/// What one purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    pub messages: u64,
    pub feedback: u64,
    pub conversations: u64,
    pub inbox_decisions: u64,
}

const OLD_MESSAGES: &str = "SELECT id FROM messages WHERE tenant_id = $1 AND created_at < $2";

impl Db {
    /// Start (Unix ms, UTC midnight) of every day before `before` on which the tenant has
    /// messages, oldest first.
    pub async fn days_with_messages(&self, tenant: &str, before: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT DISTINCT created_at / $3 AS d FROM messages WHERE tenant_id = $1 AND created_at < $2 ORDER BY d",
        )
        .bind(tenant)
        .bind(before)
        .bind(DAY_MS)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get::<i64, _>(0) * DAY_MS).collect())
    }

    /// Deletes the tenant's messages created before `before` (Unix ms) with their feedback and
    /// inbox decisions, and the conversations that have no message left and began before it.
    /// One transaction: either all of it is gone or nothing.
    pub async fn purge_before(&self, tenant: &str, before: i64) -> Result<Purged> {
        let mut tx = self.write_tx().await?;
        let feedback = sqlx::query(&format!(
            "DELETE FROM feedback WHERE tenant_id = $1 AND message_id IN ({OLD_MESSAGES})"
        ))
        .bind(tenant)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let inbox_decisions = sqlx::query(&format!(
            "DELETE FROM inbox_decisions WHERE tenant_id = $1 AND message_id IN ({OLD_MESSAGES})"
        ))
        .bind(tenant)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let messages = sqlx::query("DELETE FROM messages WHERE tenant_id = $1 AND created_at < $2")
            .bind(tenant)
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let conversations = sqlx::query(
            "DELETE FROM conversations WHERE tenant_id = $1 AND created_at < $2 AND NOT EXISTS \
             (SELECT 1 FROM messages m WHERE m.tenant_id = conversations.tenant_id AND m.conversation_id = conversations.id)",
        )
        .bind(tenant)
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(Purged {
            messages,
            feedback,
            conversations,
            inbox_decisions,
        })
    }
}
