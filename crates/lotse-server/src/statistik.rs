//! `GET /t/{tenant}/statistik`: the public transparency page (issue 4, item 9). Counts only;
//! what may be shown is decided in `lotse_app::stats`.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use lotse_app::stats::{MIN_TOPIC_COUNT, TopicCount, WEEKS};

use crate::AppState;
use crate::chart::{BarChart, bar_chart, percent};
use crate::pages::html;

#[derive(Template)]
#[template(path = "statistik.html")]
struct StatsPage<'a> {
    tenant: &'a str,
    name: &'a str,
    weeks: i64,
    questions: i64,
    answer_rate: String,
    chart: BarChart,
    chart_title: &'a str,
    chart_desc: String,
    total_name: &'a str,
    part_name: &'a str,
    /// (week starting, questions, answered, share)
    rows: Vec<(String, i64, i64, String)>,
    topics: Vec<TopicCount>,
    min_topic: i64,
}

/// `YYYY-MM-DD` as German `DD.MM.YYYY`.
pub fn german_date(iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => format!("{d}.{m}.{y}"),
        _ => iso.to_owned(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Html<String>, crate::pages::PublicPageError> {
    let stats = state.app.public_stats(&tenant, lotse_app::now_ms()).await?;
    let rows: Vec<(String, i64, i64, String)> = stats
        .weeks
        .iter()
        .map(|w| {
            (
                german_date(&w.start),
                w.questions,
                w.answered,
                percent(w.answered, w.questions),
            )
        })
        .collect();
    let items: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (r.0.chars().take(6).collect(), r.1, r.2))
        .collect();
    let chart = bar_chart(&items);
    let chart_desc = format!(
        "Balkendiagramm über {WEEKS} Wochen: insgesamt {} Fragen, davon {} direkt beantwortet; in der stärksten Woche {} Fragen.",
        stats.questions, stats.answered, chart.max
    );
    Ok(html(&StatsPage {
        tenant: &tenant,
        name: &stats.tenant_name,
        weeks: WEEKS,
        questions: stats.questions,
        answer_rate: percent(stats.answered, stats.questions),
        chart,
        chart_title: "Fragen pro Woche",
        chart_desc,
        total_name: "alle Fragen",
        part_name: "direkt beantwortet",
        rows,
        topics: stats.topics,
        min_topic: MIN_TOPIC_COUNT,
    })?)
}
