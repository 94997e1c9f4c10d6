//! The history of an answer: every version with author, time and a diff against the version
//! before, and restoring an older version as a new draft.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_app::diff::{FieldDiff, answer_diff};
use lotse_app::{Role, Staff, format_time};

use super::answers::status_label;
use super::page::{Layout, PageError, render};
use crate::AppState;

pub struct VersionView {
    pub version: i64,
    pub author: String,
    pub at: String,
    pub status: &'static str,
    pub diff: Vec<FieldDiff>,
}

#[derive(Template)]
#[template(path = "admin/history.html")]
struct HistoryPage {
    layout: Layout,
    id: String,
    title: String,
    versions: Vec<VersionView>,
    can_edit: bool,
}

/// `GET /admin/antworten/{id}/verlauf`: every version with its changes against the one before.
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let history = state.app.history(&staff.tenant, &id).await?;
    let versions = history
        .iter()
        .enumerate()
        .map(|(i, v)| VersionView {
            version: v.version,
            author: v.author.clone(),
            at: format_time(v.created_at),
            status: status_label(&v.answer.status),
            diff: history
                .get(i + 1)
                .map(|older| answer_diff(&older.answer, &v.answer))
                .unwrap_or_default(),
        })
        .collect();
    let title = history
        .first()
        .map(|v| v.answer.title.clone())
        .unwrap_or_default();
    let page = HistoryPage {
        layout: Layout::new(&state, &staff, format!("Verlauf: {title}"), "antworten"),
        id,
        title,
        versions,
        can_edit: staff.role >= Role::Editor,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /admin/antworten/{id}/verlauf/{version}/wiederherstellen`.
pub async fn restore(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    state.app.restore_version(&staff, &id, version).await?;
    Ok(Redirect::to(&format!("/admin/antworten/{id}?ok=restore")).into_response())
}
