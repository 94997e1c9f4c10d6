//! The staff dashboard (issue 4, item 7): per day questions, answer/clarify/fallback rates,
//! thumbs and inbox size; top topics; the most disliked answers; stale answers.
//!
//! Day figures are counted live from the stored questions (UTC days); the inbox size of a past
//! day is the one the nightly job recorded (`daily_stats`), today's is the current one. Any
//! staff member may read it (viewers included): it contains counts and answer titles only.

use std::collections::HashMap;

use lotse_core::content::Status;
use lotse_store::{DAY_MS, Traffic};
use serde::Serialize;

use crate::editor::is_stale;
use crate::stats::{TopicCount, is_meta_topic};
use crate::{App, AppError, Staff, date_of};

/// Days shown (today included).
pub const DAYS: i64 = 30;
/// Entries in the top lists.
pub const TOP: usize = 10;

/// One day of the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub traffic: Traffic,
    /// Open inbox questions (recorded by the nightly job; unknown for days without a run).
    pub inbox_open: Option<i64>,
}

/// An answer citizens disliked.
#[derive(Debug, Clone, Serialize)]
pub struct Disliked {
    pub id: String,
    pub title: String,
    pub given: i64,
    pub thumbs_up: i64,
    pub thumbs_down: i64,
}

/// A live answer that is out of date.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    pub id: String,
    pub title: String,
    pub as_of: Option<String>,
    pub valid_until: Option<String>,
}

/// See the module docs.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// Oldest first, [`DAYS`] of them, days without questions included.
    pub days: Vec<Day>,
    pub topics: Vec<TopicCount>,
    pub disliked: Vec<Disliked>,
    pub stale: Vec<Stale>,
}

impl App {
    /// The dashboard of the staff member's tenant up to `now`.
    pub async fn dashboard(&self, staff: &Staff, now: i64) -> Result<Dashboard, AppError> {
        let tenant = staff.tenant.as_str();
        let db = self.db();
        let today_start = now.div_euclid(DAY_MS) * DAY_MS;
        let from = today_start - (DAYS - 1) * DAY_MS;
        let to = today_start + DAY_MS;
        let buckets = db.traffic_by_span(tenant, from, to, DAY_MS, 0).await?;
        let recorded: HashMap<String, i64> = db
            .daily_stats(tenant, &date_of(from), &date_of(today_start))
            .await?
            .into_iter()
            .map(|d| (d.day, d.inbox_open))
            .collect();
        let inbox_now = db.inbox_count(tenant).await?;
        let days = (0..DAYS)
            .map(|i| {
                let start = from + i * DAY_MS;
                let day = date_of(start);
                Day {
                    traffic: buckets
                        .iter()
                        .find(|b| b.start == start)
                        .map(|b| b.traffic)
                        .unwrap_or_default(),
                    inbox_open: if start == today_start {
                        Some(inbox_now)
                    } else {
                        recorded.get(&day).copied()
                    },
                    day,
                }
            })
            .collect();

        let topics = self
            .topic_counts(tenant, from, to)
            .await?
            .into_iter()
            .filter(|t| !is_meta_topic(&t.slug))
            .take(TOP)
            .collect();

        let kb = self.kb(tenant)?;
        let title = |id: &str| {
            kb.by_id
                .get(id)
                .map_or_else(|| id.to_owned(), |&i| kb.views[i].title.clone())
        };
        let mut disliked: Vec<Disliked> = db
            .answer_use(tenant, from, to)
            .await?
            .into_iter()
            .filter(|u| u.thumbs_down > 0)
            .map(|u| Disliked {
                title: title(&u.answer_id),
                id: u.answer_id,
                given: u.given,
                thumbs_up: u.thumbs_up,
                thumbs_down: u.thumbs_down,
            })
            .collect();
        disliked.sort_by(|a, b| {
            b.thumbs_down
                .cmp(&a.thumbs_down)
                .then(a.thumbs_up.cmp(&b.thumbs_up))
                .then_with(|| a.id.cmp(&b.id))
        });
        disliked.truncate(TOP);

        let today = date_of(now);
        let stale = db
            .live_answers(tenant)
            .await?
            .into_iter()
            .filter(|a| a.status == Status::Published && is_stale(a, &today))
            .map(|a| Stale {
                id: a.id,
                title: a.title,
                as_of: a.as_of,
                valid_until: a.valid_until,
            })
            .collect();
        Ok(Dashboard {
            days,
            topics,
            disliked,
            stale,
        })
    }
}
