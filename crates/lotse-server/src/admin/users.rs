//! User management for tenant admins (`/admin/benutzer`): list the tenant's staff accounts,
//! add one, change a role, reset a password, unlock, delete. The rules (admins only, tenant
//! scope, not oneself, not the last admin) live in `lotse_app`; this module only maps forms to
//! those calls and errors to German sentences. One-time passwords are shown exactly once, in
//! the response to the form that made them, and never stored in clear.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lotse_app::{AppError, Role, Staff, now_ms};
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use crate::AppState;

const ROLES: [Role; 4] = [Role::Viewer, Role::Editor, Role::Reviewer, Role::Admin];

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct UserRow {
    pub email: String,
    pub role: String,
    pub role_label: &'static str,
    pub locked: bool,
    pub must_change: bool,
    pub is_self: bool,
    /// The account signs in with a TOTP code as second factor.
    pub totp: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    roles: Vec<RoleOption>,
    rows: Vec<UserRow>,
    notice: Option<String>,
    error: Option<String>,
    /// A one-time password just made: for whom, and the password (shown once).
    one_time: Option<(String, String)>,
    /// The account whose deletion waits for confirmation.
    confirm_delete: Option<String>,
}

#[derive(Default)]
struct Extras {
    notice: Option<String>,
    error: Option<String>,
    one_time: Option<(String, String)>,
    confirm_delete: Option<String>,
}

async fn users_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    extras: Extras,
) -> Result<Response, PageError> {
    let now = now_ms();
    let rows = state
        .app
        .staff_users(staff)
        .await?
        .into_iter()
        .map(|u| {
            let role_label = u.role.parse::<Role>().map_or("?", Role::label);
            UserRow {
                is_self: u.email == staff.email,
                locked: u.locked_until > now,
                must_change: u.must_change_password,
                totp: u.totp_enabled(),
                role: u.role,
                role_label,
                email: u.email,
            }
        })
        .collect();
    let page = UsersPage {
        layout: Layout::new(state, staff, "Benutzer", "benutzer"),
        roles: ROLES
            .iter()
            .map(|r| RoleOption {
                value: r.as_str(),
                label: r.label(),
            })
            .collect(),
        rows,
        notice: extras.notice,
        error: extras.error,
        one_time: extras.one_time,
        confirm_delete: extras.confirm_delete,
    };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    ok: String,
}

/// `GET /admin/benutzer` (admins only).
pub async fn list(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let notice = match done.ok.as_str() {
        "rolle" => Some("Die Rolle wurde geändert."),
        "entsperrt" => Some("Das Konto wurde entsperrt."),
        "geloescht" => Some("Das Konto wurde gelöscht."),
        "zweitfaktor" => Some(
            "Der zweite Faktor wurde zurückgesetzt. Das Konto meldet sich jetzt nur mit dem Passwort an und kann ihn neu einrichten.",
        ),
        _ => None,
    };
    let extras = Extras {
        notice: notice.map(str::to_owned),
        ..Extras::default()
    };
    users_page(&state, &staff, StatusCode::OK, extras).await
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /admin/benutzer`: one form field `action` (`add`, `role`, `reset`, `totp_reset`,
/// `unlock`, `delete`) and the account's `email`.
pub async fn act(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let email = form.email.trim().to_lowercase();
    let outcome = match form.action.as_str() {
        "add" => match parse_role(&form.role) {
            Ok(role) => app
                .admin_add_user(&staff, &email, role)
                .await
                .map(|pw| Extras {
                    notice: Some(format!("Das Konto {email} wurde angelegt.")),
                    one_time: Some((email.clone(), pw)),
                    ..Extras::default()
                }),
            Err(e) => Err(e),
        },
        "role" => match parse_role(&form.role) {
            Ok(role) => match app.set_user_role(&staff, &email, role).await {
                // An admin who stepped down may no longer see this page.
                Ok(()) if email == staff.email && role < Role::Admin => {
                    return Ok(Redirect::to("/admin/antworten").into_response());
                }
                Ok(()) => return Ok(Redirect::to("/admin/benutzer?ok=rolle").into_response()),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        "reset" => app
            .reset_user_password(&staff, &email)
            .await
            .map(|pw| Extras {
                notice: Some(format!(
                    "Das Passwort von {email} wurde zurückgesetzt. Alle Anmeldungen dieses Kontos wurden beendet."
                )),
                one_time: Some((email.clone(), pw)),
                ..Extras::default()
            }),
        "totp_reset" => match app.reset_user_totp(&staff, &email).await {
            Ok(()) => return Ok(Redirect::to("/admin/benutzer?ok=zweitfaktor").into_response()),
            Err(e) => Err(e),
        },
        "unlock" => match app.unlock_user(&staff, &email).await {
            Ok(()) => return Ok(Redirect::to("/admin/benutzer?ok=entsperrt").into_response()),
            Err(e) => Err(e),
        },
        "delete" if form.confirm.is_none() => {
            // Without JavaScript there is no confirm dialog: ask on a page of its own, after
            // checking that the account exists in this tenant.
            app.staff_users(&staff).await.and_then(|users| {
                if users.iter().any(|u| u.email == email) {
                    Ok(Extras {
                        confirm_delete: Some(email.clone()),
                        ..Extras::default()
                    })
                } else {
                    Err(AppError::NotFound {
                        what: format!("user '{email}'"),
                    })
                }
            })
        }
        "delete" => match app.delete_user(&staff, &email).await {
            Ok(()) => return Ok(Redirect::to("/admin/benutzer?ok=geloescht").into_response()),
            Err(e) => Err(e),
        },
        _ => Err(AppError::Invalid {
            field: "action".into(),
            reason: format!("unknown action '{}'", form.action),
        }),
    };
    match outcome {
        Ok(extras) => users_page(&state, &staff, StatusCode::OK, extras).await,
        Err(e) => {
            let Some((status, message)) = explain(&e) else {
                return Err(e.into());
            };
            let extras = Extras {
                error: Some(message),
                ..Extras::default()
            };
            users_page(&state, &staff, status, extras).await
        }
    }
}

fn parse_role(role: &str) -> Result<Role, AppError> {
    role.parse()
}

/// The errors an admin can fix on the same page, as German sentences; everything else
/// (403, 404, 500) becomes the usual error page.
fn explain(e: &AppError) -> Option<(StatusCode, String)> {
    match e {
        AppError::Invalid { field, .. } if field == "email" => Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bitte geben Sie eine gültige E-Mail-Adresse ein.".into(),
        )),
        AppError::Invalid { field, .. } if field == "role" => Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bitte wählen Sie eine Rolle.".into(),
        )),
        AppError::Conflict(m) if m.contains("last admin") => Some((
            StatusCode::CONFLICT,
            "Die letzte Person mit der Rolle Verwaltung muss diese Rolle behalten und kann nicht gelöscht werden.".into(),
        )),
        AppError::Conflict(_) => Some((
            StatusCode::CONFLICT,
            "Diese E-Mail-Adresse hat bereits ein Konto.".into(),
        )),
        AppError::Forbidden(m) if m.contains("own account") => Some((
            StatusCode::FORBIDDEN,
            "Ihr eigenes Konto können Sie nicht löschen.".into(),
        )),
        _ => None,
    }
}
