//! The daily retention job (issue 8, SPEC §2.9): a tenant's conversations, questions, feedback
//! and inbox items older than its retention period are deleted; the day's counts stay.
//!
//! The period is the tenant setting `retention_days` (whole days, 1 to 3650), by default
//! [`DEFAULT_RETENTION_DAYS`]. Before anything is deleted, every affected day that has no row
//! in `daily_stats` yet (the nightly learning job writes one per day while it runs) gets one
//! with the day's counts, so the dashboard and statistics keep their history without the text.
//!
//! The scheduler ([`daily`]) runs it at start-up and then every 24 hours; tests call
//! [`run_once`] with the time they want.

use std::time::Duration;

use lotse_store::{DAY_MS, DailyStats, Purged};
use serde::Serialize;

use crate::{App, AppError, date_of};

/// Retention when the tenant has not set one: 90 days.
pub const DEFAULT_RETENTION_DAYS: i64 = 90;
const MAX_RETENTION_DAYS: i64 = 3650;

/// What one run did for one tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tenant: String,
    pub retention_days: i64,
    /// Everything created before this (Unix ms) was deleted.
    pub cutoff: i64,
    pub deleted: Purged,
    /// Days whose counts were written to `daily_stats` before their questions were deleted.
    pub days_summarised: usize,
}

/// The tenant's retention period in days (settings `retention_days`, else the default).
pub fn retention_days(settings: &serde_json::Value) -> i64 {
    settings
        .get("retention_days")
        .and_then(serde_json::Value::as_i64)
        .filter(|d| (1..=MAX_RETENTION_DAYS).contains(d))
        .unwrap_or(DEFAULT_RETENTION_DAYS)
}

/// Deletes the tenant's citizen data older than its retention period, as of `now`.
pub async fn run_once(app: &App, tenant: &str, now: i64) -> Result<Outcome, AppError> {
    let db = app.db();
    let days = retention_days(&db.tenant(tenant).await?.settings);
    let cutoff = now - days * DAY_MS;
    // Questions still queued by the writer are stored first, so none escapes the purge.
    app.flush().await;
    let mut days_summarised = 0;
    for start in db.days_with_messages(tenant, cutoff).await? {
        let day = date_of(start);
        if !db.daily_stats(tenant, &day, &day).await?.is_empty() {
            continue;
        }
        let traffic = db.traffic(tenant, start, start + DAY_MS).await?;
        db.save_daily_stats(
            tenant,
            &DailyStats {
                day,
                traffic,
                inbox_open: 0,
                variants: 0,
                consistent_before: 0,
                consistent_after: 0,
                swapped: false,
                reason: "Nur Zahlen: festgehalten, bevor die Fragen nach der Aufbewahrungsfrist gelöscht wurden.".into(),
                recorded_at: now,
            },
        )
        .await?;
        days_summarised += 1;
    }
    let deleted = db.purge_before(tenant, cutoff).await?;
    tracing::info!(
        tenant,
        retention_days = days,
        messages = deleted.messages,
        conversations = deleted.conversations,
        feedback = deleted.feedback,
        inbox_decisions = deleted.inbox_decisions,
        days_summarised,
        "retention: old citizen data deleted"
    );
    Ok(Outcome {
        tenant: tenant.to_owned(),
        retention_days: days,
        cutoff,
        deleted,
        days_summarised,
    })
}

/// Runs the job for every tenant. One tenant's failure does not stop the others.
pub async fn run_all(app: &App, now: i64) -> Vec<(String, Result<Outcome, AppError>)> {
    let mut results = Vec::new();
    for tenant in app.tenant_ids() {
        let outcome = run_once(app, &tenant, now).await;
        if let Err(e) = &outcome {
            tracing::error!(tenant, error = %e, "retention job failed");
        }
        results.push((tenant, outcome));
    }
    results
}

/// The scheduler: once at start-up, then every 24 hours; with several instances on one
/// database only the one that claims the day runs it.
pub async fn daily(app: App) {
    loop {
        let now = crate::now_ms();
        if crate::cluster::claim(&app, "retention", now).await {
            run_all(&app, now).await;
        }
        tokio::time::sleep(Duration::from_millis(DAY_MS.unsigned_abs())).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_defaults_to_90_days_and_ignores_nonsense() {
        assert_eq!(retention_days(&serde_json::json!({})), 90);
        assert_eq!(
            retention_days(&serde_json::json!({"retention_days": 30})),
            30
        );
        assert_eq!(
            retention_days(&serde_json::json!({"retention_days": 0})),
            90
        );
        assert_eq!(
            retention_days(&serde_json::json!({"retention_days": "7"})),
            90
        );
        assert_eq!(retention_days(&serde_json::Value::Null), 90);
    }
}
