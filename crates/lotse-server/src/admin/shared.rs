//! Shared knowledge (`/admin/gemeinsam`): the subscription, what changed in the base since the
//! staff last looked, hiding and overriding shared answers; and "Übernehmen"
//! (`/admin/uebernehmen`): copying another job centre's published answer as a draft.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_app::shared::{Change, SharedOverview, Use};
use lotse_app::{Role, Staff};
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use super::platform::inline_error;
use crate::AppState;
use crate::error::ApiError;

pub struct SharedRow {
    pub id: String,
    pub title: String,
    pub version: i64,
    /// "neu", "geändert" or empty.
    pub change: &'static str,
    /// "übernommen", "ausgeblendet", "eigene Fassung", "eigene Fassung – prüfen".
    pub used: &'static str,
    pub hidden: bool,
    pub overridden: bool,
    pub review: bool,
}

#[derive(Template)]
#[template(path = "admin/shared.html")]
struct SharedPage {
    layout: Layout,
    base: Option<(String, String)>,
    rows: Vec<SharedRow>,
    removed: Vec<String>,
    changes: usize,
    needs_review: usize,
    bases: Vec<(String, String)>,
    is_admin: bool,
    can_edit: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    ok: String,
}

fn rows(overview: &SharedOverview) -> Vec<SharedRow> {
    overview
        .answers
        .iter()
        .map(|a| SharedRow {
            id: a.id.clone(),
            title: a.title.clone(),
            version: a.version,
            change: match a.change {
                Change::New => "neu",
                Change::Changed => "geändert",
                Change::Unchanged => "",
            },
            used: match a.used {
                Use::Inherited => "übernommen",
                Use::Hidden => "ausgeblendet",
                Use::Overridden { review: false } => "eigene Fassung",
                Use::Overridden { review: true } => {
                    "eigene Fassung – Original geändert, bitte prüfen"
                }
            },
            hidden: a.used == Use::Hidden,
            overridden: matches!(a.used, Use::Overridden { .. }),
            review: a.used == Use::Overridden { review: true },
        })
        .collect()
}

async fn shared_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let overview = state.app.shared_overview(staff).await?;
    let page = SharedPage {
        layout: Layout::new(state, staff, "Gemeinsames Wissen", "gemeinsam"),
        rows: rows(&overview),
        changes: overview.changes(),
        needs_review: overview.needs_review(),
        removed: overview.removed,
        base: overview.base,
        bases: state.app.other_job_centres(staff).await?,
        is_admin: staff.role >= Role::Admin,
        can_edit: staff.role >= Role::Editor,
        notice,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /admin/gemeinsam`.
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let notice = match done.ok.as_str() {
        "abo" => Some("Das gemeinsame Wissen wurde eingestellt."),
        "ausgeblendet" => Some("Die Antwort ist für Ihre Bürgerinnen und Bürger ausgeblendet."),
        "eingeblendet" => Some("Die Antwort ist wieder sichtbar."),
        "geprueft" => Some("Die eigene Fassung ist als geprüft markiert."),
        "gesehen" => Some("Alle Änderungen sind als gesehen markiert."),
        _ => None,
    };
    shared_page(
        &state,
        &staff,
        StatusCode::OK,
        notice.map(str::to_owned),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct SharedForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    base: String,
}

/// `POST /admin/gemeinsam`: `action` = `subscribe` (`base`, empty ends it), `hide`, `show`,
/// `override` (then the editor opens), `reviewed` (with the answer `id`), `seen`.
pub async fn act(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(form): Form<SharedForm>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let id = form.id.trim();
    let outcome = match form.action.as_str() {
        "subscribe" => {
            let base = Some(form.base.trim()).filter(|b| !b.is_empty());
            app.subscribe(&staff, base).await.map(|()| "abo")
        }
        "hide" => app
            .set_shared_hidden(&staff, id, true)
            .await
            .map(|()| "ausgeblendet"),
        "show" => app
            .set_shared_hidden(&staff, id, false)
            .await
            .map(|()| "eingeblendet"),
        "reviewed" => app.override_reviewed(&staff, id).await.map(|()| "geprueft"),
        "seen" => app.shared_seen(&staff).await.map(|()| "gesehen"),
        "override" => {
            return match app.override_shared(&staff, id).await {
                Ok(()) => Ok(Redirect::to(&format!("/admin/antworten/{id}")).into_response()),
                Err(e) => {
                    let message = inline_error(e)?;
                    shared_page(&state, &staff, StatusCode::CONFLICT, None, Some(message)).await
                }
            };
        }
        _ => return Err(unknown_action()),
    };
    match outcome {
        Ok(done) => Ok(Redirect::to(&format!("/admin/gemeinsam?ok={done}")).into_response()),
        Err(e) => {
            let message = inline_error(e)?;
            shared_page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
    }
}

fn unknown_action() -> PageError {
    PageError(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "Diese Aktion gibt es nicht.",
        "Unknown action.",
    ))
}

#[derive(Template)]
#[template(path = "admin/adopt.html")]
struct AdoptPage {
    layout: Layout,
    centres: Vec<(String, String)>,
    from: String,
    answers: Vec<(String, String)>,
    can_edit: bool,
}

#[derive(Deserialize, Default)]
pub struct AdoptQuery {
    #[serde(default)]
    von: String,
}

/// `GET /admin/uebernehmen?von=<tenant>`: another job centre's published answers.
pub async fn adopt_page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(q): Query<AdoptQuery>,
) -> Result<Response, PageError> {
    let from = q.von.trim().to_owned();
    let answers = if from.is_empty() {
        Vec::new()
    } else {
        state.app.adoptable(&staff, &from).await?
    };
    let page = AdoptPage {
        layout: Layout::new(&state, &staff, "Übernehmen", "uebernehmen"),
        centres: state.app.other_job_centres(&staff).await?,
        from,
        answers,
        can_edit: staff.role >= Role::Editor,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct AdoptForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    id: String,
}

/// `POST /admin/uebernehmen`: copies the answer as a draft and opens it in the editor.
pub async fn adopt(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(form): Form<AdoptForm>,
) -> Result<Response, PageError> {
    let id = form.id.trim();
    state.app.adopt(&staff, form.from.trim(), id).await?;
    Ok(Redirect::to(&format!("/admin/antworten/{id}")).into_response())
}
