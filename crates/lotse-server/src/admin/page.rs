//! Shared pieces of the staff pages: the layout data, rendering, and errors as HTML pages.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use lotse_app::{AppError, Staff};

use crate::AppState;
use crate::error::ApiError;

pub const ADMIN_CSS: &str = include_str!("../../../../web/admin.css");
pub const ADMIN_JS: &str = include_str!("../../../../web/admin.js");

/// What every staff page's frame shows: who is signed in, the navigation, the CSRF token of
/// the log-out form.
pub struct Layout {
    pub title: String,
    pub tenant_name: String,
    pub email: String,
    pub role: &'static str,
    pub csrf: String,
    /// Whether the navigation offers the audit log (reviewers and admins).
    pub can_audit: bool,
    /// Whether the navigation offers user management (admins).
    pub can_admin: bool,
    /// Whether the navigation offers the platform page (platform admins).
    pub platform: bool,
    /// Which navigation entry is current (`antworten`, `eingang`, `konsole`, `passwort`).
    pub nav: &'static str,
}

impl Layout {
    pub fn new(
        state: &AppState,
        staff: &Staff,
        title: impl Into<String>,
        nav: &'static str,
    ) -> Self {
        Layout {
            title: title.into(),
            tenant_name: state
                .app
                .kb(&staff.tenant)
                .map(|kb| kb.tenant_name.clone())
                .unwrap_or_else(|_| staff.tenant.clone()),
            email: staff.email.clone(),
            role: staff.role.label(),
            csrf: staff.csrf_token.clone(),
            can_audit: staff.role >= lotse_app::Role::Reviewer,
            can_admin: staff.role >= lotse_app::Role::Admin,
            platform: staff.platform_admin,
            nav,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage {
    status: u16,
    message: String,
}

/// Renders a template with a status code; a template failure is an opaque 500.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Interner Fehler").into_response()
        }
    }
}

/// An error as an HTML page for staff (the same codes and sentences as the JSON API).
pub fn error_page(e: ApiError) -> Response {
    let status = e.status;
    let page = ErrorPage {
        status: status.as_u16(),
        message: e.message,
    };
    let mut response = render(status, &page);
    crate::error::set_retry_after(&mut response, e.retry_after);
    response
}

/// Errors of staff page handlers.
pub struct PageError(pub ApiError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

pub async fn not_found() -> Response {
    error_page(ApiError::not_found("page"))
}

pub async fn admin_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        ADMIN_CSS,
    )
        .into_response()
}

pub async fn admin_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        ADMIN_JS,
    )
        .into_response()
}
