//! Server-rendered public pages and embedded assets.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

pub const WIDGET_JS: &str = include_str!("../../../web/widget.js");
pub const PAGE_CSS: &str = include_str!("../../../web/page.css");
/// What the accessibility statement says, and the browser tests behind it (see
/// tests/browser/a11y-statement.mjs, which holds this file to a test run in CI).
const ACCESSIBILITY_JSON: &str = include_str!("../../../web/accessibility.json");

#[derive(Template)]
#[template(path = "chat.html")]
struct ChatPage<'a> {
    tenant: &'a str,
    name: &'a str,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage<'a> {
    tenant: &'a str,
    name: &'a str,
    address: &'a str,
    phone: &'a str,
    email: &'a str,
    retention_days: i64,
}

#[derive(serde::Deserialize)]
struct Accessibility {
    standard: String,
    tool: String,
    last_run: AccessibilityRun,
    checks: Vec<AccessibilityCheck>,
    limits: Vec<String>,
}

#[derive(serde::Deserialize)]
struct AccessibilityRun {
    date: String,
    axe_core: String,
}

#[derive(serde::Deserialize)]
struct AccessibilityCheck {
    text: String,
    criteria: Vec<String>,
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage<'a> {
    tenant: &'a str,
    name: &'a str,
    phone: &'a str,
    email: &'a str,
    statement: &'a Accessibility,
}

/// The statement, parsed once (the file is part of the binary; a test parses it too).
fn accessibility() -> Option<&'static Accessibility> {
    static PARSED: std::sync::OnceLock<Option<Accessibility>> = std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| match serde_json::from_str(ACCESSIBILITY_JSON) {
            Ok(a) => Some(a),
            Err(e) => {
                tracing::error!(error = %e, "web/accessibility.json does not parse");
                None
            }
        })
        .as_ref()
}

pub struct DocOperation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub responses: Vec<String>,
}

#[derive(Template)]
#[template(path = "docs.html")]
struct DocsPage {
    version: String,
    operations: Vec<DocOperation>,
}

pub(crate) fn html<T: Template>(t: &T) -> Result<Html<String>, ApiError> {
    t.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "template failed");
        ApiError::internal()
    })
}

pub async fn widget_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        WIDGET_JS,
    )
        .into_response()
}

pub async fn page_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        PAGE_CSS,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "public_error.html")]
struct PublicErrorPage<'a> {
    heading: &'a str,
    message: &'a str,
    code: &'a str,
}

/// Errors of the citizens' pages under `/t/{tenant}`: the same status, stable code and German
/// sentence as the API's error, but as a readable page (a citizen who opens the link of a suspended or
/// unknown job centre would otherwise see raw JSON).
pub struct PublicPageError(pub ApiError);

impl From<ApiError> for PublicPageError {
    fn from(e: ApiError) -> Self {
        PublicPageError(e)
    }
}

impl From<lotse_app::AppError> for PublicPageError {
    fn from(e: lotse_app::AppError) -> Self {
        PublicPageError(e.into())
    }
}

impl IntoResponse for PublicPageError {
    fn into_response(self) -> Response {
        let e = self.0;
        let heading = match e.status.as_u16() {
            404 => "Diese Seite gibt es nicht",
            403 => "Dieser Chat ist gerade nicht verfügbar",
            _ => "Das hat nicht geklappt",
        };
        let body = PublicErrorPage {
            heading,
            message: &e.message,
            code: e.code,
        }
        .render()
        .unwrap_or_else(|_| e.message.clone());
        let mut response = (e.status, Html(body)).into_response();
        crate::error::set_retry_after(&mut response, e.retry_after);
        response
    }
}

/// `GET /t/{tenant}`: a full-page chat.
pub async fn chat_page(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Html<String>, PublicPageError> {
    let kb = state.app.kb(&tenant)?;
    Ok(html(&ChatPage {
        tenant: &tenant,
        name: &kb.tenant_name,
    })?)
}

/// `GET /t/{tenant}/datenschutz`: the privacy notice, generated from the tenant's settings.
pub async fn privacy_page(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Html<String>, PublicPageError> {
    let kb = state.app.kb(&tenant)?;
    let settings = state.app.db().tenant(&tenant).await.map_err(|e| {
        tracing::error!(error = %e, "privacy page: tenant settings");
        ApiError::internal()
    })?;
    let var = |k: &str| kb.variables.get(k).map_or("", String::as_str);
    Ok(html(&PrivacyPage {
        tenant: &tenant,
        retention_days: lotse_app::retention::retention_days(&settings.settings),
        name: &kb.tenant_name,
        address: var("jobcenter.adresse"),
        phone: var("jobcenter.telefon"),
        email: var("jobcenter.email"),
    })?)
}

/// `GET /t/{tenant}/barrierefreiheit`: the accessibility statement (BITV 2.0), generated from the
/// automatic checks in web/accessibility.json and the tenant's contact details for feedback.
pub async fn accessibility_page(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Html<String>, PublicPageError> {
    let kb = state.app.kb(&tenant)?;
    let statement = accessibility().ok_or_else(ApiError::internal)?;
    let var = |k: &str| kb.variables.get(k).map_or("", String::as_str);
    Ok(html(&AccessibilityPage {
        tenant: &tenant,
        name: &kb.tenant_name,
        phone: var("jobcenter.telefon"),
        email: var("jobcenter.email"),
        statement,
    })?)
}

/// `GET /api/docs`: the OpenAPI description as a readable page (no external scripts).
pub async fn api_docs() -> Result<Html<String>, ApiError> {
    let doc = crate::openapi();
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            operations.push(DocOperation {
                method: method.into(),
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                responses: op.responses.responses.keys().cloned().collect(),
            });
        }
    }
    html(&DocsPage {
        version: doc.info.version.clone(),
        operations,
    })
}

pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi().to_pretty_json().unwrap_or_default(),
    )
        .into_response()
}
