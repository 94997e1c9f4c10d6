//! Sign-in, sign-out and password change.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use lotse_app::staff::{LoginError, MIN_PASSWORD_CHARS};
use lotse_app::{AppError, Staff, now_ms};
use serde::Deserialize;

use super::page::{Layout, PageError, error_page, render};
use super::{cookie, same_secret, session_cookies, staff_of};
use crate::AppState;

/// The sign-in form's own CSRF cookie (there is no session yet to hold a token).
const LOGIN_COOKIE: &str = "lotse_login";
/// The second sign-in step (TOTP code): the challenge token after the right password.
const CHALLENGE_COOKIE: &str = "lotse_2fa";

#[derive(Template)]
#[template(path = "admin/login_code.html")]
struct CodePage {
    csrf: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `GET /admin/login`.
pub async fn login_page(State(state): State<AppState>, request: Request) -> Response {
    if let Ok(Some(_)) = staff_of(&state, request.headers()).await {
        return Redirect::to("/admin/antworten").into_response();
    }
    login_form(&state, StatusCode::OK, String::new(), None)
}

fn login_form(
    state: &AppState,
    status: StatusCode,
    email: String,
    error: Option<String>,
) -> Response {
    with_login_csrf(state, |csrf| {
        render(status, &LoginPage { csrf, email, error })
    })
}

/// The form for the TOTP code (second sign-in step).
fn code_form(state: &AppState, status: StatusCode, error: Option<String>) -> Response {
    with_login_csrf(state, |csrf| render(status, &CodePage { csrf, error }))
}

/// A sign-in page with a fresh double-submit CSRF token (hidden field and cookie).
fn with_login_csrf(state: &AppState, page: impl FnOnce(String) -> Response) -> Response {
    let csrf = match lotse_app::staff::random_token() {
        Ok(t) => t,
        Err(e) => return error_page(e.into()),
    };
    let cookie = login_cookie(state, LOGIN_COOKIE, &csrf, 3600);
    let mut response = page(csrf);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// A cookie of the sign-in pages (`Path=/admin/login`, so the code step gets it too); an empty
/// value with `max_age` 0 deletes it.
fn login_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.admin.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/admin/login; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Too many failures: the sign-in form with `Retry-After`.
fn locked(state: &AppState, email: String, secs: u64) -> Response {
    let mut r = login_form(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        email,
        Some(format!(
            "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in {} Minuten noch einmal.",
            secs.div_ceil(60)
        )),
    );
    crate::error::set_retry_after(&mut r, Some(secs));
    r
}

/// Signed in: the session cookies, the sign-in cookies cleared, on to the workspace.
fn signed_in(state: &AppState, session: &lotse_app::staff::NewSession) -> Response {
    let target = if session.staff.must_change_password {
        "/admin/passwort"
    } else {
        "/admin/antworten"
    };
    let [a, b] = session_cookies(&session.token, state.admin.secure_cookies);
    (
        AppendHeaders([
            (header::SET_COOKIE, a),
            (header::SET_COOKIE, b),
            (header::SET_COOKIE, login_cookie(state, LOGIN_COOKIE, "", 0)),
            (
                header::SET_COOKIE,
                login_cookie(state, CHALLENGE_COOKIE, "", 0),
            ),
        ]),
        Redirect::to(target),
    )
        .into_response()
}

/// `POST /admin/login`.
pub async fn login(State(state): State<AppState>, request: Request) -> Response {
    let ip = crate::client_ip(&state, &request);
    let expected = cookie(request.headers(), LOGIN_COOKIE).map(str::to_owned);
    let Ok(Form(form)) = Form::<LoginForm>::from_request(request, &state).await else {
        return error_page(super::csrf_error());
    };
    if !expected.is_some_and(|c| same_secret(&c, &form.csrf)) {
        return error_page(super::csrf_error());
    }
    let now = now_ms();
    if let Some(secs) = state.admin.client_locked(ip, now) {
        return locked(&state, form.email, secs);
    }
    match state.app.login(&form.email, &form.password, now).await {
        Ok(session) => signed_in(&state, &session),
        Err(LoginError::SecondFactorNeeded(challenge)) => {
            let cookie = login_cookie(
                &state,
                CHALLENGE_COOKIE,
                &challenge.0,
                lotse_app::staff::CHALLENGE_MS / 1000,
            );
            let mut r = code_form(&state, StatusCode::OK, None);
            r.headers_mut().append(header::SET_COOKIE, cookie);
            r
        }
        Err(LoginError::Locked { retry_after_secs }) => {
            state.admin.client_failed(ip, now);
            locked(&state, form.email, retry_after_secs)
        }
        Err(LoginError::Other(e)) => error_page(e.into()),
        Err(_) => {
            state.admin.client_failed(ip, now);
            login_form(
                &state,
                StatusCode::UNAUTHORIZED,
                form.email,
                Some("E-Mail-Adresse oder Passwort ist falsch.".into()),
            )
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /admin/login/code`: the TOTP code after the right password.
pub async fn login_code(State(state): State<AppState>, request: Request) -> Response {
    let ip = crate::client_ip(&state, &request);
    let expected = cookie(request.headers(), LOGIN_COOKIE).map(str::to_owned);
    let challenge = cookie(request.headers(), CHALLENGE_COOKIE)
        .unwrap_or_default()
        .to_owned();
    let Ok(Form(form)) = Form::<CodeForm>::from_request(request, &state).await else {
        return error_page(super::csrf_error());
    };
    if !expected.is_some_and(|c| same_secret(&c, &form.csrf)) {
        return error_page(super::csrf_error());
    }
    let now = now_ms();
    if let Some(secs) = state.admin.client_locked(ip, now) {
        return locked(&state, String::new(), secs);
    }
    let wrong = |message: &str| code_form(&state, StatusCode::UNAUTHORIZED, Some(message.into()));
    match state
        .app
        .login_second_factor(&challenge, &form.code, now)
        .await
    {
        Ok(session) => signed_in(&state, &session),
        Err(LoginError::WrongCode) => {
            state.admin.client_failed(ip, now);
            wrong("Der Code ist falsch. Bitte geben Sie den aktuellen Code aus Ihrer App ein.")
        }
        Err(LoginError::CodeReused) => {
            state.admin.client_failed(ip, now);
            wrong(
                "Dieser Code wurde schon verwendet. Bitte warten Sie, bis die App einen neuen Code zeigt.",
            )
        }
        Err(LoginError::Locked { retry_after_secs }) => {
            state.admin.client_failed(ip, now);
            locked(&state, String::new(), retry_after_secs)
        }
        Err(LoginError::Other(e)) => error_page(e.into()),
        Err(_) => login_form(
            &state,
            StatusCode::UNAUTHORIZED,
            String::new(),
            Some("Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.".into()),
        ),
    }
}

/// `POST /admin/logout`.
pub async fn logout(State(state): State<AppState>, Extension(staff): Extension<Staff>) -> Response {
    if let Err(e) = state.app.logout(&staff).await {
        return error_page(e.into());
    }
    let [a, b] = session_cookies("", state.admin.secure_cookies);
    (
        AppendHeaders([(header::SET_COOKIE, a), (header::SET_COOKIE, b)]),
        Redirect::to("/admin/login"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    layout: Layout,
    must_change: bool,
    min_chars: usize,
    error: Option<String>,
    done: bool,
}

/// `GET /admin/passwort`.
pub async fn password_page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Response {
    password_form(&state, &staff, StatusCode::OK, None, false)
}

fn password_form(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
    done: bool,
) -> Response {
    render(
        status,
        &PasswordPage {
            layout: Layout::new(state, staff, "Passwort ändern", "passwort"),
            must_change: staff.must_change_password && !done,
            min_chars: MIN_PASSWORD_CHARS,
            error,
            done,
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /admin/passwort`.
pub async fn change_password(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    if form.new != form.confirm {
        let msg = "Die beiden neuen Passwörter stimmen nicht überein.".to_owned();
        return Ok(password_form(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
            false,
        ));
    }
    match state
        .app
        .change_password(&staff, &form.current, &form.new)
        .await
    {
        Ok(()) => Ok(password_form(&state, &staff, StatusCode::OK, None, true)),
        Err(AppError::Invalid { field, .. }) => {
            let msg = if field == "current_password" {
                "Das bisherige Passwort ist falsch.".to_owned()
            } else if field == "new_password" {
                "Das neue Passwort muss sich vom bisherigen unterscheiden.".to_owned()
            } else {
                format!("Das neue Passwort muss mindestens {MIN_PASSWORD_CHARS} Zeichen lang sein.")
            };
            Ok(password_form(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(msg),
                false,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
