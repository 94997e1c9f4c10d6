//! The staff inbox: citizen questions that ended in `fallback` or `clarify` or got a
//! thumbs-down, and the staff decision per question.
//!
//! The inbox is a query over `messages` and `feedback` (only redacted text is ever stored),
//! minus the messages with a row in `inbox_decisions`. Choices of a clarify option are
//! recorded as `[Auswahl] …` messages; they are not questions and never enter the inbox (the
//! clarify question before them does).

use lotse_core::content::Answer;
use serde::Serialize;
use sqlx::Row;

use crate::{Db, Result, StoreError, save_in};

/// One open question of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxItem {
    pub message_id: String,
    pub text: String,
    /// The reply's kind: `fallback`, `clarify` or `answer` (then it got a thumbs-down).
    pub kind: String,
    /// The answer given (for a thumbs-down).
    pub answer_id: Option<String>,
    pub confidence: f32,
    /// `Some(false)` for a thumbs-down.
    pub helpful: Option<bool>,
    /// The citizen's feedback comment (redacted).
    pub comment: Option<String>,
    pub created_at: i64,
}

/// What staff decided about an inbox question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxState {
    /// It became a question variant of an answer (or of a new draft answer).
    Assigned,
    /// Not a job centre question.
    OutOfScope,
    /// Nothing to learn from it (noise, test input, duplicate).
    Dismissed,
}

impl InboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            InboxState::Assigned => "assigned",
            InboxState::OutOfScope => "out_of_scope",
            InboxState::Dismissed => "dismissed",
        }
    }
}

/// A decision about some inbox questions.
#[derive(Debug, Clone)]
pub struct InboxDecision<'a> {
    pub message_ids: &'a [String],
    pub state: InboxState,
    pub answer_id: Option<&'a str>,
    pub decided_by: &'a str,
    pub decided_at: i64,
}

const ITEM_SQL: &str = "SELECT m.id, m.text_redacted, m.kind, m.answer_id, m.confidence, m.created_at, \
     f.helpful, f.comment_redacted \
     FROM messages m \
     LEFT JOIN feedback f ON f.tenant_id = m.tenant_id AND f.message_id = m.id \
     LEFT JOIN inbox_decisions d ON d.tenant_id = m.tenant_id AND d.message_id = m.id \
     WHERE m.tenant_id = $1 AND d.message_id IS NULL \
     AND (m.kind IN ('fallback', 'clarify') OR f.helpful = FALSE) \
     AND m.text_redacted NOT LIKE '[Auswahl] %'";

fn item_from_row(r: &sqlx::any::AnyRow) -> InboxItem {
    InboxItem {
        message_id: r.get(0),
        text: r.get(1),
        kind: r.get(2),
        answer_id: r.get(3),
        confidence: r.get::<f64, _>(4) as f32,
        created_at: r.get(5),
        helpful: crate::opt_flag(r, 6),
        comment: r.get(7),
    }
}

impl Db {
    /// The open inbox of a tenant, newest first, at most `limit` questions.
    pub async fn inbox(&self, tenant: &str, limit: i64) -> Result<Vec<InboxItem>> {
        let sql = format!("{ITEM_SQL} ORDER BY m.created_at DESC, m.id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(tenant)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(item_from_row).collect())
    }

    /// The number of open questions in a tenant's inbox.
    pub async fn inbox_count(&self, tenant: &str) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM ({ITEM_SQL}) AS open_items");
        Ok(sqlx::query_scalar(&sql)
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Those of `ids` that are open inbox questions of this tenant (in the order of `ids`).
    pub async fn inbox_items(&self, tenant: &str, ids: &[String]) -> Result<Vec<InboxItem>> {
        let sql = format!("{ITEM_SQL} AND m.id = $2");
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = sqlx::query(&sql)
                .bind(tenant)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
            {
                items.push(item_from_row(&r));
            }
        }
        Ok(items)
    }

    /// Records a decision about inbox questions and, in the same transaction, saves `answer`
    /// as a new version (the questions became its variants). All or nothing; durable when this
    /// returns. `Conflict` when one of the questions was decided in the meantime.
    pub async fn decide_inbox(
        &self,
        tenant: &str,
        decision: &InboxDecision<'_>,
        answers: &[Answer],
    ) -> Result<Vec<i64>> {
        let mut tx = self.write_tx().await?;
        let mut versions = Vec::with_capacity(answers.len());
        for a in answers {
            versions.push(save_in(&mut tx, tenant, a, decision.decided_by).await?);
        }
        for id in decision.message_ids {
            sqlx::query(
                "INSERT INTO inbox_decisions (tenant_id, message_id, state, answer_id, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(tenant)
            .bind(id)
            .bind(decision.state.as_str())
            .bind(decision.answer_id)
            .bind(decision.decided_by)
            .bind(decision.decided_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("question '{id}' was decided already"))
                }
                other => other,
            })?;
        }
        tx.commit().await?;
        Ok(versions)
    }
}
