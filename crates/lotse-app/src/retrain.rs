//! The nightly learning job (issue 4, item 6): re-fit each tenant's model, check it against the
//! regression suite, swap it in only if it does not answer worse, and record the day's figures.
//!
//! **What is re-fitted.** A staff change during the day is live at once, but the quick rebuild
//! after it keeps the tenant's confidence calibration (`Index::rebuild`). The nightly run builds
//! the index from scratch (`Index::build`): the classifier is trained on every variant (staff
//! assignments from the inbox are variants too) and the calibration is fitted anew on held-out
//! variants, so the thresholds mean what they say again after a day of changes.
//!
//! **The regression suite.** Every question variant of every live answer is asked of the new
//! index and of the live (old) one with `lotse_core::reply::decide`; a variant passes when it
//! gets a confident `answer` with its own answer. The new index is swapped in unless it passes
//! fewer variants than the old one by more than [`TOLERANCE`] (0.5 percentage points of the
//! variants). The tolerance exists because a re-fitted calibration moves confidences a little
//! either way: a strict "no variant may be lost" rule would keep an old calibration for ever
//! over a single borderline variant, while a real fault (a broken configuration, a
//! classifier that learned nothing) loses far more than that. When the new index is not
//! swapped in, the old one keeps answering and the outcome says why.
//!
//! **The day's figures** (table `daily_stats`) are those of the last complete UTC day before
//! `now`, together with the result of this run; running it again the same day replaces the row.
//!
//! The scheduler ([`nightly`]) only decides *when*; tests call [`run_once`] directly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lotse_core::engine::{EngineConfig, Index};
use lotse_core::reply::{Kind, decide};
use lotse_store::{DAY_MS, DailyStats, Traffic};
use serde::Serialize;

use crate::{App, AppError, TenantKb, date_of};

/// The largest loss of self-consistency (as a share of the variants) that still swaps the
/// re-fitted index in: 0.5 percentage points.
pub const TOLERANCE: f64 = 0.005;
/// Lost variants listed in an outcome (for the log and the CLI).
const LOST_LISTED: usize = 10;

/// What one run did for one tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tenant: String,
    /// The day whose figures were recorded (`YYYY-MM-DD`, UTC).
    pub day: String,
    /// True when the re-fitted index now answers.
    pub swapped: bool,
    /// Why (not), in German, for staff.
    pub reason: String,
    /// Question variants in the regression suite.
    pub variants: usize,
    /// Variants the old (live) index answered with their own answer.
    pub consistent_before: usize,
    /// Variants the re-fitted index answers with their own answer.
    pub consistent_after: usize,
    /// Some variants the old index answered right and the new one does not (`answer id: text`).
    pub lost: Vec<String>,
    pub traffic: Traffic,
    pub inbox_open: i64,
    /// Time to build and check the new index.
    pub build_ms: u64,
}

/// The regression suite's result for one index.
struct Suite {
    variants: usize,
    /// Per variant (in the order of the new index's answers and their questions): passed?
    passed: Vec<bool>,
}

impl Suite {
    fn consistent(&self) -> usize {
        self.passed.iter().filter(|&&p| p).count()
    }
}

/// The variants of `suite_from` asked of `index`: does each get its own answer, confidently?
fn run_suite(index: &Index, suite_from: &Index) -> Suite {
    let mut passed = Vec::new();
    for answer in suite_from.answers() {
        for q in &answer.questions {
            let d = decide(index, q);
            let own = d.kind == Kind::Answer
                && d.answer
                    .and_then(|i| index.answers().get(i))
                    .is_some_and(|a| a.id == answer.id);
            passed.push(own);
        }
    }
    Suite {
        variants: passed.len(),
        passed,
    }
}

/// Whether the new index may replace the old one, given both suites' results.
pub fn acceptable(variants: usize, before: usize, after: usize) -> bool {
    if variants == 0 || after >= before {
        return true;
    }
    // `before - after` variants lost; allowed up to TOLERANCE of all variants.
    ((before - after) as f64) <= TOLERANCE * variants as f64
}

/// `[start, end)` (Unix ms) and the date of the last complete UTC day before `now`.
pub fn previous_day(now: i64) -> (String, i64, i64) {
    let end = now.div_euclid(DAY_MS) * DAY_MS;
    let start = end - DAY_MS;
    (date_of(start), start, end)
}

/// Re-fits one tenant's index with `engine`, checks it, swaps it in if it is not worse, and
/// records the figures of the day before `now`. `NotFound` for an unknown tenant.
pub async fn run_once(
    app: &App,
    tenant: &str,
    now: i64,
    engine: EngineConfig,
) -> Result<Outcome, AppError> {
    let db = app.db();
    db.tenant(tenant).await?;
    let (day, from, to) = previous_day(now);
    // Questions still queued count for the day they were asked.
    app.flush().await;
    let traffic = db.traffic(tenant, from, to).await?;
    let inbox_open = db.inbox_count(tenant).await?;

    let started = Instant::now();
    // Holding the rebuild lock: a staff change meanwhile waits and is rebuilt (quickly, with
    // the calibration fitted here) on top of the result, never overwritten by it.
    let guard = app.inner.rebuild.lock().await;
    let pinned_upto = app.inner.pins.current();
    let old = app.kb(tenant).ok();
    let answers = db.live_answers(tenant).await?;
    let new = app.build_kb_with(tenant, answers, None, engine).await?;
    let (new, before, after, lost) = tokio::task::spawn_blocking(move || compare(old, new))
        .await
        .map_err(|e| AppError::Internal(format!("regression suite failed: {e}")))?;
    let variants = after.variants;
    let (consistent_before, consistent_after) = (before, after.consistent());
    let swapped = acceptable(variants, consistent_before, consistent_after);
    let reason = reason(swapped, variants, consistent_before, consistent_after);
    if swapped {
        let mut map = std::collections::HashMap::clone(&app.inner.kbs.load());
        map.insert(tenant.to_owned(), Arc::new(new));
        app.inner.kbs.store(Arc::new(map));
        app.inner.pins.drop_upto(tenant, pinned_upto);
    }
    drop(guard);
    let build_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);

    db.save_daily_stats(
        tenant,
        &DailyStats {
            day: day.clone(),
            traffic,
            inbox_open,
            variants: variants as i64,
            consistent_before: consistent_before as i64,
            consistent_after: consistent_after as i64,
            swapped,
            reason: reason.clone(),
            recorded_at: now,
        },
    )
    .await?;
    if swapped {
        tracing::info!(
            tenant,
            variants,
            consistent_before,
            consistent_after,
            build_ms,
            "nightly re-fit swapped in"
        );
    } else {
        tracing::warn!(
            tenant,
            variants,
            consistent_before,
            consistent_after,
            ?lost,
            "nightly re-fit rejected: {reason}"
        );
    }
    Ok(Outcome {
        tenant: tenant.to_owned(),
        day,
        swapped,
        reason,
        variants,
        consistent_before,
        consistent_after,
        lost,
        traffic,
        inbox_open,
        build_ms,
    })
}

/// Runs the suite of the new index's variants on the old and the new index.
fn compare(old: Option<Arc<TenantKb>>, new: TenantKb) -> (TenantKb, usize, Suite, Vec<String>) {
    let after = run_suite(&new.index, &new.index);
    let Some(old) = old else {
        return (new, 0, after, Vec::new());
    };
    let before = run_suite(&old.index, &new.index);
    let texts = new
        .index
        .answers()
        .iter()
        .flat_map(|a| a.questions.iter().map(move |q| format!("{}: {q}", a.id)));
    let lost = texts
        .zip(before.passed.iter().zip(&after.passed))
        .filter(|(_, (b, a))| **b && !**a)
        .map(|(t, _)| t)
        .take(LOST_LISTED)
        .collect();
    let consistent_before = before.consistent();
    (new, consistent_before, after, lost)
}

fn reason(swapped: bool, variants: usize, before: usize, after: usize) -> String {
    let pct = |n: usize| {
        if variants == 0 {
            "0,0".to_owned()
        } else {
            format!("{:.1}", 100.0 * n as f64 / variants as f64).replace('.', ",")
        }
    };
    if swapped {
        format!(
            "Neu angepasst und übernommen: {after} von {variants} Fragevarianten bekommen ihre eigene Antwort ({} %, vorher {before}, {} %).",
            pct(after),
            pct(before)
        )
    } else {
        format!(
            "Nicht übernommen: Nur {after} von {variants} Fragevarianten bekämen ihre eigene Antwort ({} %), bisher {before} ({} %). Erlaubt sind höchstens 0,5 Prozentpunkte weniger; es antwortet weiter das bisherige Modell.",
            pct(after),
            pct(before)
        )
    }
}

/// Runs the job for every tenant with the configured engine. One tenant's failure does not
/// stop the others.
pub async fn run_all(app: &App, now: i64) -> Vec<(String, Result<Outcome, AppError>)> {
    let mut results = Vec::new();
    for tenant in app.tenant_ids() {
        let outcome = run_once(app, &tenant, now, app.config().engine).await;
        if let Err(e) = &outcome {
            tracing::error!(tenant, error = %e, "nightly re-fit failed");
        }
        results.push((tenant, outcome));
    }
    results
}

/// Milliseconds from `now` until the next full hour `hour_utc` (UTC); a whole day when it is
/// exactly that time.
pub fn until_next(now: i64, hour_utc: u32) -> i64 {
    let at = i64::from(hour_utc % 24) * 3_600_000;
    let into_day = now.rem_euclid(DAY_MS);
    let wait = (at - into_day).rem_euclid(DAY_MS);
    if wait == 0 { DAY_MS } else { wait }
}

/// Runs [`run_all`] every night at `hour_utc` (UTC) for as long as the process lives (on one
/// instance of several, see [`crate::cluster::claim`]).
pub async fn nightly(app: App, hour_utc: u32) {
    loop {
        let wait = until_next(crate::now_ms(), hour_utc);
        tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
        // Several instances on one database: one of them re-fits and records the day.
        let now = crate::now_ms();
        if crate::cluster::claim(&app, "retrain", now).await {
            run_all(&app, now).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_is_half_a_percentage_point() {
        assert!(acceptable(1000, 900, 900));
        assert!(acceptable(1000, 900, 950));
        assert!(acceptable(1000, 900, 895));
        assert!(!acceptable(1000, 900, 894));
        assert!(!acceptable(100, 90, 89), "one of 100 is a full point");
        assert!(acceptable(0, 0, 0));
    }

    #[test]
    fn the_day_recorded_is_the_last_complete_one() {
        // 2026-07-01 02:00 UTC
        let now = 20_635 * DAY_MS + 2 * 3_600_000;
        let (day, from, to) = previous_day(now);
        assert_eq!(day, "2026-06-30");
        assert_eq!((from, to), (20_634 * DAY_MS, 20_635 * DAY_MS));
    }

    #[test]
    fn the_next_run_is_at_the_given_hour() {
        let midnight = 20_635 * DAY_MS;
        assert_eq!(until_next(midnight, 2), 2 * 3_600_000);
        assert_eq!(until_next(midnight + 3 * 3_600_000, 2), 23 * 3_600_000);
        assert_eq!(until_next(midnight + 2 * 3_600_000, 2), DAY_MS);
    }
}
