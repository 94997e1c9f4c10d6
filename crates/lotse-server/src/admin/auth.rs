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
use super::{client_ip, cookie, same_secret, session_cookies, staff_of};
use crate::AppState;

/// The sign-in form's own CSRF cookie (there is no session yet to hold a token).
const LOGIN_COOKIE: &str = "lotse_login";

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
    let csrf = match lotse_app::staff::random_token() {
        Ok(t) => t,
        Err(e) => return error_page(e.into()),
    };
    let secure = if state.admin.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={csrf}; Path=/admin/login; Max-Age=3600; HttpOnly; SameSite=Strict{secure}"
    ));
    let mut response = render(status, &LoginPage { csrf, email, error });
    if let Ok(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /admin/login`.
pub async fn login(State(state): State<AppState>, request: Request) -> Response {
    let ip = client_ip(request.extensions());
    let expected = cookie(request.headers(), LOGIN_COOKIE).map(str::to_owned);
    let Ok(Form(form)) = Form::<LoginForm>::from_request(request, &state).await else {
        return error_page(super::csrf_error());
    };
    if !expected.is_some_and(|c| same_secret(&c, &form.csrf)) {
        return error_page(super::csrf_error());
    }
    let now = now_ms();
    let locked = |secs: u64| {
        let mut r = login_form(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            form.email.clone(),
            Some(format!(
                "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in {} Minuten noch einmal.",
                secs.div_ceil(60)
            )),
        );
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    };
    if let Some(secs) = state.admin.client_locked(ip, now) {
        return locked(secs);
    }
    match state.app.login(&form.email, &form.password, now).await {
        Ok(session) => {
            let target = if session.staff.must_change_password {
                "/admin/passwort"
            } else {
                "/admin/antworten"
            };
            let [a, b] = session_cookies(&session.token, state.admin.secure_cookies);
            let secure = if state.admin.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let clear = HeaderValue::from_str(&format!(
                "{LOGIN_COOKIE}=; Path=/admin/login; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
            ))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
            (
                AppendHeaders([
                    (header::SET_COOKIE, a),
                    (header::SET_COOKIE, b),
                    (header::SET_COOKIE, clear),
                ]),
                Redirect::to(target),
            )
                .into_response()
        }
        Err(LoginError::WrongCredentials) => {
            state.admin.client_failed(ip, now);
            login_form(
                &state,
                StatusCode::UNAUTHORIZED,
                form.email,
                Some("E-Mail-Adresse oder Passwort ist falsch.".into()),
            )
        }
        Err(LoginError::Locked { retry_after_secs }) => {
            state.admin.client_failed(ip, now);
            locked(retry_after_secs)
        }
        Err(LoginError::Other(e)) => error_page(e.into()),
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
