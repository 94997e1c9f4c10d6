//! Tenant settings (contact data, opening hours, links, local notes, widget, languages,
//! origins, retention, four-eyes) and the audit log page. Checks live in `lotse_app::settings`.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_app::hours::WEEKDAYS;
use lotse_app::settings::{FieldError, TenantSettings, WIDGET_LANGUAGES};
use lotse_app::{Role, Staff, format_time};
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use crate::AppState;

/// A weekday row of the opening-hours fieldset.
pub struct DayRow {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

/// A checkbox of the languages fieldset.
pub struct LanguageRow {
    pub tag: &'static str,
    pub label: &'static str,
    pub on: bool,
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    layout: Layout,
    s: TenantSettings,
    days: Vec<DayRow>,
    languages: Vec<LanguageRow>,
    errors: Vec<FieldError>,
    saved: bool,
    can_change: bool,
}

impl SettingsPage {
    /// The value of a variable field.
    fn field(&self, name: &str) -> &str {
        self.s.fields.get(name).map_or("", String::as_str)
    }

    /// The error sentence of a field, if any.
    fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
    }
}

const DAY_LABELS: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];

fn settings_page(
    state: &AppState,
    staff: &Staff,
    s: TenantSettings,
    errors: Vec<FieldError>,
    saved: bool,
) -> Response {
    let days = WEEKDAYS
        .iter()
        .zip(DAY_LABELS)
        .zip(&s.hours)
        .map(|((key, label), value)| DayRow {
            key,
            label,
            value: value.clone(),
            error: errors
                .iter()
                .find(|e| e.field == format!("hours_{key}"))
                .map(|e| e.message.clone()),
        })
        .collect();
    let languages = WIDGET_LANGUAGES
        .iter()
        .map(|(tag, label)| LanguageRow {
            tag,
            label,
            on: s.languages.iter().any(|l| l == tag),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SettingsPage {
        layout: Layout::new(state, staff, "Einstellungen", "einstellungen"),
        s,
        days,
        languages,
        errors,
        saved,
        can_change: staff.role >= Role::Admin,
    };
    render(status, &page)
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    ok: String,
}

/// `GET /admin/einstellungen`.
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let s = state.app.tenant_settings(&staff).await?;
    Ok(settings_page(
        &state,
        &staff,
        s,
        Vec::new(),
        done.ok == "gespeichert",
    ))
}

/// `POST /admin/einstellungen` (admins only). A field missing from the form keeps its value;
/// the checkboxes (four-eyes, languages) are read as a browser sends them (absent = off).
pub async fn save(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut s = state.app.tenant_settings(&staff).await?;
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    if let Some(v) = get("name") {
        s.name = v;
    }
    for (field, _) in lotse_app::settings::VARIABLE_FIELDS {
        if let Some(v) = get(field) {
            s.fields.insert((*field).to_owned(), v);
        }
    }
    for (i, key) in WEEKDAYS.iter().enumerate() {
        if let Some(v) = get(&format!("hours_{key}")) {
            s.hours[i] = v;
        }
    }
    if let Some(v) = get("closed_days") {
        s.closed_days = v;
    }
    if let Some(v) = get("allowed_origins") {
        s.allowed_origins = v;
    }
    if let Some(v) = get("retention_days") {
        s.retention_days = v;
    }
    if get("languages_shown").is_some() {
        s.languages = pairs
            .iter()
            .filter(|(k, _)| k == "languages")
            .map(|(_, v)| v.clone())
            .collect();
    }
    s.four_eyes = get("four_eyes").is_some();
    let errors = state.app.save_tenant_settings(&staff, &s).await?;
    if errors.is_empty() {
        return Ok(Redirect::to("/admin/einstellungen?ok=gespeichert").into_response());
    }
    Ok(settings_page(&state, &staff, s, errors, false))
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
