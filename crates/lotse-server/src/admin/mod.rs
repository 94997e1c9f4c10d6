//! The staff workspace under `/admin` (server-rendered pages) and its JSON API under
//! `/api/v1/admin`.
//!
//! Security is enforced by middleware, not by each handler: every page except the sign-in page
//! needs a session (else a redirect to `/admin/login`), every API route needs one (else 401
//! JSON), and every POST must carry the session's CSRF token (a hidden form field `csrf` for
//! pages, the `X-CSRF-Token` header for the API). The tenant always comes from the session,
//! never from the URL, so a staff member cannot even name another tenant's data.

mod answers;
mod api;
mod auth;
mod console;
mod dashboard;
mod history;
mod inbox;
mod page;
mod platform;
mod settings;
mod shared;
mod totp;
mod users;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use lotse_app::Staff;
use lotse_app::now_ms;

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name (one cookie each for `/admin` and `/api/v1/admin`).
pub const SESSION_COOKIE: &str = "lotse_admin";
/// The header that carries the CSRF token on admin API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Failed sign-ins from one client address within [`CLIENT_WINDOW_MS`] before it is locked out.
/// Higher than the per-account limit because a whole office may share one address.
pub const CLIENT_MAX_FAILURES: u32 = 10;
pub const CLIENT_WINDOW_MS: i64 = 15 * 60 * 1000;

/// State of the staff workspace: the per-client sign-in throttle. Addresses are only kept in
/// memory as map keys, never stored.
#[derive(Debug, Default)]
pub struct AdminState {
    throttle: Mutex<HashMap<IpAddr, (u32, i64)>>,
    secure_cookies: bool,
}

impl AdminState {
    pub fn new(secure_cookies: bool) -> Self {
        AdminState {
            throttle: Mutex::default(),
            secure_cookies,
        }
    }

    /// Seconds until this client may try again, if it is locked out.
    fn client_locked(&self, ip: IpAddr, now: i64) -> Option<u64> {
        let map = self.throttle.lock().ok()?;
        let &(failures, since) = map.get(&ip)?;
        let until = since + CLIENT_WINDOW_MS;
        (failures >= CLIENT_MAX_FAILURES && until > now)
            .then(|| u64::try_from((until - now) / 1000 + 1).unwrap_or(1))
    }

    fn client_failed(&self, ip: IpAddr, now: i64) {
        let Ok(mut map) = self.throttle.lock() else {
            return;
        };
        if map.len() > 10_000 {
            map.retain(|_, (_, since)| *since + CLIENT_WINDOW_MS > now);
        }
        let entry = map.entry(ip).or_insert((0, now));
        if entry.1 + CLIENT_WINDOW_MS <= now {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

/// The routes of the staff workspace.
pub fn routes(state: &AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/antworten") }))
        .route(
            "/admin/",
            get(|| async { Redirect::to("/admin/antworten") }),
        )
        .route("/admin/logout", post(auth::logout))
        .route(
            "/admin/passwort",
            get(auth::password_page).post(auth::change_password),
        )
        .route("/admin/zwei-faktor", get(totp::page).post(totp::act))
        .route("/admin/antworten", get(answers::list))
        .route(
            "/admin/antworten/neu",
            get(answers::new_form).post(answers::create),
        )
        .route(
            "/admin/antworten/{id}",
            get(answers::edit_form).post(answers::update),
        )
        .route("/admin/antworten/{id}/verlauf", get(history::page))
        .route(
            "/admin/antworten/{id}/verlauf/{version}/wiederherstellen",
            post(history::restore),
        )
        .route("/admin/eingang", get(inbox::show).post(inbox::act))
        .route("/admin/konsole", get(console::page))
        .route("/admin/dashboard", get(dashboard::page))
        .route("/admin/dashboard.csv", get(dashboard::csv))
        .route(
            "/admin/einstellungen",
            get(settings::page).post(settings::save),
        )
        .route("/admin/protokoll", get(settings::audit))
        .route("/admin/benutzer", get(users::list).post(users::act))
        .route("/admin/plattform", get(platform::page).post(platform::act))
        .route("/admin/gemeinsam", get(shared::page).post(shared::act))
        .route(
            "/admin/uebernehmen",
            get(shared::adopt_page).post(shared::adopt),
        )
        .route("/admin/{*rest}", get(page::not_found).post(page::not_found))
        .route_layer(middleware::from_fn_with_state(state.clone(), page_session));
    let api = Router::new()
        .route("/api/v1/admin/me", get(api::me))
        .route("/api/v1/admin/answers", get(api::list))
        .route(
            "/api/v1/admin/answers/{id}",
            get(api::get_answer).post(api::save),
        )
        .route(
            "/api/v1/admin/answers/{id}/impact",
            get(api::impact_current).post(api::impact_of),
        )
        .route("/api/v1/admin/console", post(api::console))
        .route("/api/v1/admin/inbox", get(inbox::api_show))
        .route("/api/v1/admin/inbox/assign", post(inbox::api_assign))
        .route(
            "/api/v1/admin/inbox/out-of-scope",
            post(inbox::api_out_of_scope),
        )
        .route("/api/v1/admin/inbox/dismiss", post(inbox::api_dismiss))
        .route("/api/v1/admin/inbox/draft", post(inbox::api_draft))
        .route("/api/v1/admin/preview", post(api::preview))
        .route("/api/v1/admin/", get(api::not_found).post(api::not_found))
        .route(
            "/api/v1/admin/{*rest}",
            get(api::not_found).post(api::not_found),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), api_session));
    let staff_only = Router::new()
        .route("/admin/login", get(auth::login_page).post(auth::login))
        .route("/admin/login/code", post(auth::login_code))
        .merge(pages)
        .merge(api)
        .layer(middleware::map_response(harden));
    Router::new()
        .route("/assets/admin.css", get(page::admin_css))
        .route("/assets/admin.js", get(page::admin_js))
        .merge(staff_only)
}

/// Staff pages and API answers are never cached and never framed (no clickjacking).
async fn harden(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::CSP_NO_FRAMES),
    );
    response
}

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Compares secrets without leaking the position of the first difference through timing.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `Set-Cookie` values for the session cookie on both admin paths; an empty token deletes it.
fn session_cookies(token: &str, secure: bool) -> [HeaderValue; 2] {
    let max_age = if token.is_empty() {
        0
    } else {
        lotse_app::staff::SESSION_MS / 1000
    };
    let secure = if secure { "; Secure" } else { "" };
    ["/admin", "/api/v1/admin"].map(|path| {
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={token}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    })
}

async fn staff_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Staff>, ApiError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state.app.staff_session(token, now_ms()).await?)
}

/// Pages: a session or a redirect to the sign-in page; on POST the form's CSRF token.
async fn page_session(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let staff = match staff_of(&state, request.headers()).await {
        Ok(Some(staff)) => staff,
        Ok(None) => return Redirect::to("/admin/login").into_response(),
        Err(e) => return page::error_page(e),
    };
    let path = request.uri().path();
    if staff.must_change_password && path != "/admin/passwort" && path != "/admin/logout" {
        return Redirect::to("/admin/passwort").into_response();
    }
    let mut request = request;
    if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        let limit = state.app.config().limits.max_body_bytes;
        let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
            return page::error_page(crate::error::payload_too_large());
        };
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let token = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        if !token.is_some_and(|t| same_secret(t, &staff.csrf_token)) {
            return page::error_page(csrf_error());
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    request.extensions_mut().insert(staff);
    next.run(request).await
}

/// API: a session or 401 JSON; on writes the `X-CSRF-Token` header.
async fn api_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let staff = match staff_of(&state, request.headers()).await {
        Ok(Some(staff)) => staff,
        Ok(None) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Bitte melden Sie sich an.",
                "Sign in first: this API needs a staff session.",
            )
            .into_response();
        }
        Err(e) => return e.into_response(),
    };
    if staff.must_change_password && request.uri().path() != "/api/v1/admin/me" {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "Bitte ändern Sie zuerst Ihr Einmal-Passwort unter /admin/passwort.",
            "Change the one-time password first.",
        )
        .into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let token = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok());
        if !token.is_some_and(|t| same_secret(t, &staff.csrf_token)) {
            return csrf_error().into_response();
        }
    }
    request.extensions_mut().insert(staff);
    next.run(request).await
}

fn csrf_error() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
        "Missing or wrong CSRF token.",
    )
}
