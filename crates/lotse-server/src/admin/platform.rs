//! The platform page (`/admin/plattform`): staff with the platform-admin right create, rename,
//! suspend, resume and delete tenants. The checks live in `lotse_app::platform`.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_app::platform::Actor;
use lotse_app::{AppError, Staff, format_time};
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use crate::AppState;
use crate::error::ApiError;

pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub suspended: bool,
    pub answers: usize,
    pub base: String,
    pub subscribers: String,
    pub is_own: bool,
}

#[derive(Template)]
#[template(path = "admin/platform.html")]
struct PlatformPage {
    layout: Layout,
    rows: Vec<TenantRow>,
    notice: Option<String>,
    error: Option<String>,
    /// The tenant whose deletion waits for the typed confirmation.
    confirm_delete: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    ok: String,
}

/// `GET /admin/plattform` (platform admins only).
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let notice = match done.ok.as_str() {
        "angelegt" => Some(
            "Das Jobcenter wurde angelegt. Legen Sie jetzt das erste Verwaltungskonto an (lotse user add).",
        ),
        "umbenannt" => Some("Der Name wurde geändert."),
        "gesperrt" => Some("Das Jobcenter ist gesperrt: keine Antworten, keine Anmeldung."),
        "freigegeben" => Some("Das Jobcenter ist wieder freigegeben."),
        "geloescht" => Some("Das Jobcenter wurde mit allen Daten gelöscht."),
        _ => None,
    };
    platform_page(
        &state,
        &staff,
        StatusCode::OK,
        notice.map(str::to_owned),
        None,
        None,
    )
    .await
}

async fn platform_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    confirm_delete: Option<String>,
) -> Result<Response, PageError> {
    let rows = state
        .app
        .platform_tenants(Actor::Staff(staff))
        .await?
        .into_iter()
        .map(|t| TenantRow {
            is_own: t.tenant.id == staff.tenant,
            created: format_time(t.tenant.created_at),
            suspended: t.tenant.suspended_at.is_some(),
            answers: t.answers,
            base: t.base.unwrap_or_default(),
            subscribers: t.subscribers.join(", "),
            id: t.tenant.id,
            name: t.tenant.name,
        })
        .collect();
    let page = PlatformPage {
        layout: Layout::new(state, staff, "Plattform", "plattform"),
        rows,
        notice,
        error,
        confirm_delete,
    };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct PlatformForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /admin/plattform`: `action` = `create` (id, name), `rename` (id, name), `suspend`,
/// `resume`, `delete` (id; first without `confirm` for the confirmation form, then with the
/// id typed into `confirm`).
pub async fn act(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(form): Form<PlatformForm>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let by = Actor::Staff(&staff);
    let id = form.id.trim();
    let outcome = match form.action.as_str() {
        "create" => app
            .platform_create(by, id, &form.name)
            .await
            .map_err(|e| id_taken(e, id))
            .map(|()| "angelegt"),
        "rename" => app
            .platform_rename(by, id, &form.name)
            .await
            .map(|()| "umbenannt"),
        "suspend" => app
            .platform_suspend(by, id, true)
            .await
            .map(|()| "gesperrt"),
        "resume" => app
            .platform_suspend(by, id, false)
            .await
            .map(|()| "freigegeben"),
        "delete" => match &form.confirm {
            None => {
                app.platform_tenant(by, id).await?;
                return platform_page(
                    &state,
                    &staff,
                    StatusCode::OK,
                    None,
                    None,
                    Some(id.to_owned()),
                )
                .await;
            }
            Some(confirm) => app
                .platform_delete(by, id, confirm)
                .await
                .map(|()| "geloescht"),
        },
        _ => {
            return Err(PageError(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "Diese Aktion gibt es nicht.",
                "Unknown action.",
            )));
        }
    };
    match outcome {
        Ok(done) => Ok(Redirect::to(&format!("/admin/plattform?ok={done}")).into_response()),
        Err(e) => {
            let again = (form.action == "delete").then(|| id.to_owned());
            let message = inline_error(e)?;
            platform_page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
                again,
            )
            .await
        }
    }
}

/// A taken id says which id is taken: the general "Das gibt es bereits." leaves open what
/// exists on a page with a table and several forms.
fn id_taken(e: AppError, id: &str) -> AppError {
    match e {
        AppError::Conflict(_) => AppError::Invalid {
            field: "id".into(),
            reason: format!(
                "Ein Jobcenter mit der Kennung {id} gibt es bereits. Bitte wählen Sie eine andere Kennung."
            ),
        },
        other => other,
    }
}

/// A validation error's German sentence to show on the form; anything else as an error page.
pub(super) fn inline_error(e: AppError) -> Result<String, PageError> {
    match e {
        AppError::Invalid { reason, .. } => Ok(reason),
        AppError::Conflict(_) => Ok("Das gibt es bereits.".into()),
        other => Err(other.into()),
    }
}
