//! `GET /admin/dashboard` and `GET /admin/dashboard.csv`: the staff dashboard (issue 4,
//! item 7). The figures come from `lotse_app::dashboard`; the chart is inline SVG.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lotse_app::Staff;
use lotse_app::dashboard::{Disliked, Stale};
use lotse_app::stats::TopicCount;

use super::page::{Layout, PageError, render};
use crate::AppState;
use crate::chart::{BarChart, bar_chart, percent};
use crate::statistik::german_date;

/// One table row: day, questions, answer rate, clarify rate, fallback rate, up, down, inbox.
pub struct Row {
    pub day: String,
    pub questions: i64,
    pub answered: String,
    pub clarify: String,
    pub fallback: String,
    pub up: i64,
    pub down: i64,
    pub inbox: String,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage<'a> {
    layout: Layout,
    chart: BarChart,
    chart_title: &'a str,
    chart_desc: String,
    total_name: &'a str,
    part_name: &'a str,
    rows: Vec<Row>,
    topics: Vec<TopicCount>,
    disliked: Vec<Disliked>,
    stale: Vec<Stale>,
}

/// `GET /admin/dashboard`.
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, PageError> {
    let d = state.app.dashboard(&staff, lotse_app::now_ms()).await?;
    let items: Vec<(String, i64, i64)> = d
        .days
        .iter()
        .map(|day| {
            (
                german_date(&day.day).chars().take(2).collect(),
                day.traffic.questions,
                day.traffic.answered,
            )
        })
        .collect();
    let chart = bar_chart(&items);
    let (questions, answered) = d.days.iter().fold((0, 0), |(q, a), day| {
        (q + day.traffic.questions, a + day.traffic.answered)
    });
    let chart_desc = format!(
        "Balkendiagramm über {} Tage: insgesamt {questions} Fragen, davon {answered} direkt beantwortet ({}).",
        d.days.len(),
        percent(answered, questions)
    );
    let rows = d
        .days
        .iter()
        .rev()
        .map(|day| {
            let t = &day.traffic;
            Row {
                day: german_date(&day.day),
                questions: t.questions,
                answered: percent(t.answered, t.questions),
                clarify: percent(t.clarify, t.questions),
                fallback: percent(t.fallback, t.questions),
                up: t.thumbs_up,
                down: t.thumbs_down,
                inbox: day
                    .inbox_open
                    .map_or_else(|| "–".to_owned(), |n| n.to_string()),
            }
        })
        .collect();
    let page = DashboardPage {
        layout: Layout::new(&state, &staff, "Dashboard", "dashboard"),
        chart,
        chart_title: "Fragen pro Tag",
        chart_desc,
        total_name: "alle Fragen",
        part_name: "direkt beantwortet",
        rows,
        topics: d.topics,
        disliked: d.disliked,
        stale: d.stale,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /admin/dashboard.csv`: the days as CSV (`;`-separated, as German spreadsheets expect;
/// only dates and numbers, so nothing needs quoting).
pub async fn csv(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, PageError> {
    let d = state.app.dashboard(&staff, lotse_app::now_ms()).await?;
    let mut out = String::from(
        "Tag;Fragen;beantwortet;Rückfragen;ohne Antwort;hilfreich;nicht hilfreich;Eingang offen\r\n",
    );
    for day in &d.days {
        let t = &day.traffic;
        out.push_str(&format!(
            "{};{};{};{};{};{};{};{}\r\n",
            day.day,
            t.questions,
            t.answered,
            t.clarify,
            t.fallback,
            t.thumbs_up,
            t.thumbs_down,
            day.inbox_open.map(|n| n.to_string()).unwrap_or_default()
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"lotse-dashboard.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
