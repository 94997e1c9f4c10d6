//! Figures for the nightly job, the staff dashboard and the public transparency page.
//!
//! Every query returns counts only: no question text, no comment, nothing that identifies a
//! person. Choices of a clarify option (`[Auswahl] …` messages) are not questions; they count
//! for the answer chosen (topics, thumbs) but not as questions.

use serde::Serialize;
use sqlx::Row;

use crate::{Db, Result};

/// Questions and feedback in a span of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Traffic {
    pub questions: i64,
    /// Questions that got a confident answer.
    pub answered: i64,
    pub clarify: i64,
    pub fallback: i64,
    pub thumbs_up: i64,
    pub thumbs_down: i64,
}

/// [`Traffic`] of one day or week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Start of the span (Unix milliseconds).
    pub start: i64,
    pub traffic: Traffic,
}

/// The day's figures as the nightly job records them (table `daily_stats`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyStats {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub traffic: Traffic,
    pub inbox_open: i64,
    pub variants: i64,
    pub consistent_before: i64,
    pub consistent_after: i64,
    pub swapped: bool,
    pub reason: String,
    pub recorded_at: i64,
}

/// How often an answer was given and how citizens rated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerUse {
    pub answer_id: String,
    pub given: i64,
    pub thumbs_up: i64,
    pub thumbs_down: i64,
}

/// Monday 1970-01-05 00:00 UTC: weeks start on Mondays.
pub const WEEK_OFFSET_MS: i64 = 4 * DAY_MS;
pub const DAY_MS: i64 = 86_400_000;
pub const WEEK_MS: i64 = 7 * DAY_MS;

const NOT_A_CHOICE: &str = "m.text_redacted NOT LIKE '[Auswahl] %'";

impl Db {
    /// Traffic of a tenant in `[from, to)`, in spans of `span` milliseconds starting at
    /// `offset` (days: `DAY_MS, 0`; weeks from Monday: `WEEK_MS, WEEK_OFFSET_MS`). Spans
    /// without any message are left out. Feedback counts on the day of the reply it rates.
    pub async fn traffic_by_span(
        &self,
        tenant: &str,
        from: i64,
        to: i64,
        span: i64,
        offset: i64,
    ) -> Result<Vec<Bucket>> {
        let sql = format!(
            "SELECT (m.created_at - $4) / $5 AS b, \
             SUM(CASE WHEN {NOT_A_CHOICE} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN m.kind = 'answer' AND {NOT_A_CHOICE} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN m.kind = 'clarify' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN m.kind = 'fallback' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.helpful = TRUE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.helpful = FALSE THEN 1 ELSE 0 END) \
             FROM messages m LEFT JOIN feedback f ON f.tenant_id = m.tenant_id AND f.message_id = m.id \
             WHERE m.tenant_id = $1 AND m.created_at >= $2 AND m.created_at < $3 \
             GROUP BY b ORDER BY b"
        );
        let span = span.max(1);
        let rows = sqlx::query(&sql)
            .bind(tenant)
            .bind(from)
            .bind(to)
            .bind(offset)
            .bind(span)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Bucket {
                start: r.get::<i64, _>(0) * span + offset,
                traffic: Traffic {
                    questions: r.get(1),
                    answered: r.get(2),
                    clarify: r.get(3),
                    fallback: r.get(4),
                    thumbs_up: r.get(5),
                    thumbs_down: r.get(6),
                },
            })
            .collect())
    }

    /// Traffic of a tenant in `[from, to)` as one sum.
    pub async fn traffic(&self, tenant: &str, from: i64, to: i64) -> Result<Traffic> {
        let span = to.saturating_sub(from).max(1);
        let buckets = self.traffic_by_span(tenant, from, to, span, from).await?;
        Ok(buckets.first().map(|b| b.traffic).unwrap_or_default())
    }

    /// How often each answer was given in `[from, to)` (choices of a clarify option included)
    /// with its thumbs, most given first.
    pub async fn answer_use(&self, tenant: &str, from: i64, to: i64) -> Result<Vec<AnswerUse>> {
        let rows = sqlx::query(
            "SELECT m.answer_id, COUNT(*), \
             SUM(CASE WHEN f.helpful = TRUE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.helpful = FALSE THEN 1 ELSE 0 END) \
             FROM messages m LEFT JOIN feedback f ON f.tenant_id = m.tenant_id AND f.message_id = m.id \
             WHERE m.tenant_id = $1 AND m.created_at >= $2 AND m.created_at < $3 \
             AND m.answer_id IS NOT NULL \
             GROUP BY m.answer_id ORDER BY COUNT(*) DESC, m.answer_id",
        )
        .bind(tenant)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AnswerUse {
                answer_id: r.get(0),
                given: r.get(1),
                thumbs_up: r.get(2),
                thumbs_down: r.get(3),
            })
            .collect())
    }

    /// Records (or replaces) the figures of a day.
    pub async fn save_daily_stats(&self, tenant: &str, d: &DailyStats) -> Result<()> {
        sqlx::query(
            "INSERT INTO daily_stats (tenant_id, day, questions, answered, clarify, fallback, \
             thumbs_up, thumbs_down, inbox_open, variants, consistent_before, consistent_after, \
             swapped, reason, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (tenant_id, day) DO UPDATE SET questions = excluded.questions, \
             answered = excluded.answered, clarify = excluded.clarify, fallback = excluded.fallback, \
             thumbs_up = excluded.thumbs_up, thumbs_down = excluded.thumbs_down, \
             inbox_open = excluded.inbox_open, variants = excluded.variants, \
             consistent_before = excluded.consistent_before, consistent_after = excluded.consistent_after, \
             swapped = excluded.swapped, reason = excluded.reason, recorded_at = excluded.recorded_at",
        )
        .bind(tenant)
        .bind(&d.day)
        .bind(d.traffic.questions)
        .bind(d.traffic.answered)
        .bind(d.traffic.clarify)
        .bind(d.traffic.fallback)
        .bind(d.traffic.thumbs_up)
        .bind(d.traffic.thumbs_down)
        .bind(d.inbox_open)
        .bind(d.variants)
        .bind(d.consistent_before)
        .bind(d.consistent_after)
        .bind(d.swapped)
        .bind(&d.reason)
        .bind(d.recorded_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The recorded figures of the days `from..=to` (`YYYY-MM-DD`), oldest first.
    pub async fn daily_stats(&self, tenant: &str, from: &str, to: &str) -> Result<Vec<DailyStats>> {
        let rows = sqlx::query(
            "SELECT day, questions, answered, clarify, fallback, thumbs_up, thumbs_down, inbox_open, \
             variants, consistent_before, consistent_after, swapped, reason, recorded_at \
             FROM daily_stats WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(tenant)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| DailyStats {
                day: r.get(0),
                traffic: Traffic {
                    questions: r.get(1),
                    answered: r.get(2),
                    clarify: r.get(3),
                    fallback: r.get(4),
                    thumbs_up: r.get(5),
                    thumbs_down: r.get(6),
                },
                inbox_open: r.get(7),
                variants: r.get(8),
                consistent_before: r.get(9),
                consistent_after: r.get(10),
                swapped: crate::flag(r, 11),
                reason: r.get(12),
                recorded_at: r.get(13),
            })
            .collect())
    }
}
