//! Figures for the public transparency page (issue 4, item 9): questions per week, the answer
//! rate and the most asked topics.
//!
//! Only counts leave this module: no question text, no comment, no time finer than a week. A
//! topic is shown only when at least [`MIN_TOPIC_COUNT`] questions got an answer with it, so a
//! rare topic cannot point to the one person who asked about it. Meta topics (small talk, own
//! case, emergencies) are not topics of the job centre's work and are left out.

use std::collections::HashMap;

use lotse_store::{DAY_MS, WEEK_MS, WEEK_OFFSET_MS};
use serde::Serialize;

use crate::{App, AppError, builtin, date_of};

/// Weeks shown (the current one included).
pub const WEEKS: i64 = 12;
/// Topics shown at most.
pub const TOP_TOPICS: usize = 10;
/// A topic with fewer answered questions in the period is not shown.
pub const MIN_TOPIC_COUNT: i64 = 5;

/// One week's questions.
#[derive(Debug, Clone, Serialize)]
pub struct Week {
    /// The Monday the week starts, `YYYY-MM-DD`.
    pub start: String,
    pub questions: i64,
    pub answered: i64,
}

/// A topic and how many questions got an answer with it.
#[derive(Debug, Clone, Serialize)]
pub struct TopicCount {
    pub slug: String,
    pub title: String,
    pub count: i64,
}

/// The public figures of a tenant.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStats {
    pub tenant_name: String,
    /// Oldest first, [`WEEKS`] of them, weeks without questions included.
    pub weeks: Vec<Week>,
    pub questions: i64,
    pub answered: i64,
    pub topics: Vec<TopicCount>,
}

impl PublicStats {
    /// Share of questions that got a confident answer (0 when there were none).
    pub fn answer_rate(&self) -> f64 {
        rate(self.answered, self.questions)
    }
}

/// `part / whole`, 0 for an empty whole.
pub fn rate(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Topics that are about the assistant itself, not about the job centre's work.
pub fn is_meta_topic(slug: &str) -> bool {
    slug.starts_with("bot-") || slug == "persoenlicher-fall" || slug == "notfall-krise"
}

/// German titles of the taxonomy's topics (the slug when a topic is not in it).
pub fn topic_titles() -> HashMap<String, String> {
    builtin::taxonomy()
        .into_iter()
        .map(|t| (t.slug, t.title))
        .collect()
}

/// Start (Unix ms) of the week (Monday 00:00 UTC) that contains `t`.
pub fn week_start(t: i64) -> i64 {
    (t - WEEK_OFFSET_MS).div_euclid(WEEK_MS) * WEEK_MS + WEEK_OFFSET_MS
}

impl App {
    /// The public figures of the last [`WEEKS`] weeks up to `now`.
    pub async fn public_stats(&self, tenant: &str, now: i64) -> Result<PublicStats, AppError> {
        let kb = self.kb(tenant)?;
        let from = week_start(now) - (WEEKS - 1) * WEEK_MS;
        let to = now.div_euclid(DAY_MS) * DAY_MS + DAY_MS;
        let db = self.db();
        let buckets = db
            .traffic_by_span(tenant, from, to, WEEK_MS, WEEK_OFFSET_MS)
            .await?;
        let weeks: Vec<Week> = (0..WEEKS)
            .map(|i| {
                let start = from + i * WEEK_MS;
                let t = buckets
                    .iter()
                    .find(|b| b.start == start)
                    .map(|b| b.traffic)
                    .unwrap_or_default();
                Week {
                    start: date_of(start),
                    questions: t.questions,
                    answered: t.answered,
                }
            })
            .collect();
        let topics = self.topic_counts(tenant, from, to).await?;
        let topics = topics
            .into_iter()
            .filter(|t| t.count >= MIN_TOPIC_COUNT && !is_meta_topic(&t.slug))
            .take(TOP_TOPICS)
            .collect();
        Ok(PublicStats {
            tenant_name: kb.tenant_name.clone(),
            questions: weeks.iter().map(|w| w.questions).sum(),
            answered: weeks.iter().map(|w| w.answered).sum(),
            weeks,
            topics,
        })
    }

    /// Questions per topic of the answer they got in `[from, to)`, most first. An answer
    /// with several topics counts for each; answers no longer live are left out.
    pub async fn topic_counts(
        &self,
        tenant: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<TopicCount>, AppError> {
        let kb = self.kb(tenant)?;
        let uses = self.db().answer_use(tenant, from, to).await?;
        let mut counts: HashMap<&str, i64> = HashMap::new();
        for u in &uses {
            let Some(&i) = kb.by_id.get(&u.answer_id) else {
                continue;
            };
            for t in &kb.views[i].topics {
                *counts.entry(t.as_str()).or_default() += u.given;
            }
        }
        let titles = topic_titles();
        let mut topics: Vec<TopicCount> = counts
            .into_iter()
            .map(|(slug, count)| TopicCount {
                slug: slug.to_owned(),
                title: titles.get(slug).cloned().unwrap_or_else(|| slug.to_owned()),
                count,
            })
            .collect();
        topics.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(&b.slug)));
        Ok(topics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-07-01 was a Wednesday; its week starts on Monday 2026-06-29.
        let wednesday = 20_635 * DAY_MS + 15 * 3_600_000;
        assert_eq!(date_of(week_start(wednesday)), "2026-06-29");
        assert_eq!(week_start(week_start(wednesday)), week_start(wednesday));
    }
}
