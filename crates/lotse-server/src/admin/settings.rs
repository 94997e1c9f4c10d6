//! Tenant settings (the four-eyes rule) and the audit log page.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_app::{Role, Staff, format_time};
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    layout: Layout,
    four_eyes: bool,
    can_change: bool,
}

/// `GET /admin/einstellungen`.
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, PageError> {
    let page = SettingsPage {
        layout: Layout::new(&state, &staff, "Einstellungen", "einstellungen"),
        four_eyes: state.app.four_eyes(&staff.tenant).await?,
        can_change: staff.role >= Role::Admin,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    four_eyes: Option<String>,
}

/// `POST /admin/einstellungen` (admins only).
pub async fn save(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    state
        .app
        .set_four_eyes(&staff, form.four_eyes.is_some())
        .await?;
    Ok(Redirect::to("/admin/einstellungen").into_response())
}

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditRow>,
}

/// `GET /admin/protokoll`: the newest 200 staff actions (reviewers and admins).
pub async fn audit(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, PageError> {
    let json = |v: Option<serde_json::Value>| {
        v.map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
            .unwrap_or_default()
    };
    let rows = state
        .app
        .audit_log(&staff, 200)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: format_time(e.at),
            actor: e.actor,
            action: e.action,
            target: e.target,
            before: json(e.before),
            after: json(e.after),
        })
        .collect();
    let page = AuditPage {
        layout: Layout::new(&state, &staff, "Protokoll", "protokoll"),
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}
