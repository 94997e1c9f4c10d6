//! The staff member's own second factor (`/admin/zwei-faktor`): set up with a QR code or the
//! secret typed in, confirm with a first code, switch off with password and code. The rules
//! live in `lotse_app::staff::totp`; this module maps forms to them and errors to German
//! sentences.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use lotse_app::staff::totp::{TotpSetup, TotpState};
use lotse_app::{AppError, Staff, now_ms};
use serde::Deserialize;

use super::page::{Layout, PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/totp.html")]
struct TotpPage {
    layout: Layout,
    on: bool,
    setup: Option<SetupView>,
    notice: Option<&'static str>,
    error: Option<String>,
    /// The form field the error is about (`code`, `password`), for `aria-invalid`.
    error_field: &'static str,
}

/// What the set-up shows: the secret in groups of four, the URI and the QR code.
struct SetupView {
    secret_grouped: String,
    uri: String,
    /// Inline SVG drawn by the server (no script, no external image).
    qr_svg: Option<String>,
}

/// The QR code of the `otpauth://` URI as an inline SVG element.
fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    // The renderer writes a whole SVG document; inside HTML only the element belongs.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_owned())
}

fn setup_view(setup: &TotpSetup) -> SetupView {
    let secret_grouped = setup
        .secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    SetupView {
        secret_grouped,
        uri: setup.uri.clone(),
        qr_svg: qr_svg(&setup.uri),
    }
}

#[derive(Default)]
struct Extras {
    notice: Option<&'static str>,
    error: Option<String>,
    error_field: &'static str,
}

async fn totp_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    extras: Extras,
) -> Result<Response, PageError> {
    let (on, setup) = match state.app.totp_state(staff).await? {
        TotpState::Off => (false, None),
        TotpState::Pending(s) => (false, Some(setup_view(&s))),
        TotpState::On => (true, None),
    };
    let page = TotpPage {
        layout: Layout::new(state, staff, "Zweiter Faktor", "zwei-faktor"),
        on,
        setup,
        notice: extras.notice,
        error: extras.error,
        error_field: extras.error_field,
    };
    Ok(render(status, &page))
}

/// `GET /admin/zwei-faktor`.
pub async fn page(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
) -> Result<Response, PageError> {
    totp_page(&state, &staff, StatusCode::OK, Extras::default()).await
}

#[derive(Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/zwei-faktor` with `action` = `start`, `confirm`, `cancel` or `disable`.
pub async fn act(
    State(state): State<AppState>,
    Extension(staff): Extension<Staff>,
    Form(form): Form<TotpForm>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let now = now_ms();
    let outcome = match form.action.as_str() {
        "start" => app.totp_begin(&staff).await.map(|_| None),
        "confirm" => app
            .totp_confirm(&staff, &form.code, now)
            .await
            .map(|()| Some("Der zweite Faktor ist eingeschaltet. Bei der nächsten Anmeldung fragt Lotse nach dem Code aus Ihrer App.")),
        "cancel" => app
            .totp_cancel(&staff)
            .await
            .map(|()| Some("Die Einrichtung wurde abgebrochen.")),
        "disable" => app
            .totp_disable(&staff, &form.password, &form.code, now)
            .await
            .map(|()| Some("Der zweite Faktor ist ausgeschaltet. Sie melden sich jetzt nur mit Ihrem Passwort an.")),
        _ => Err(AppError::Invalid {
            field: "action".into(),
            reason: format!("unknown action '{}'", form.action),
        }),
    };
    let (status, extras) = match outcome {
        Ok(notice) => (
            StatusCode::OK,
            Extras {
                notice,
                ..Extras::default()
            },
        ),
        Err(e) => {
            let (field, message) = match &e {
                AppError::Invalid { field, reason } if field == "code" => (
                    "code",
                    if reason.contains("used already") {
                        "Dieser Code wurde schon verwendet. Bitte warten Sie auf den nächsten Code."
                    } else {
                        "Der Code stimmt nicht. Bitte geben Sie den aktuellen sechsstelligen Code aus Ihrer App ein. Stimmt die Uhrzeit Ihres Telefons?"
                    },
                ),
                AppError::Invalid { field, .. } if field == "current_password" => {
                    ("password", "Das Passwort ist falsch.")
                }
                AppError::Conflict(_) => ("", "Der zweite Faktor ist schon eingeschaltet."),
                AppError::NotFound { .. } => (
                    "",
                    "Dafür gibt es keine laufende Einrichtung. Bitte beginnen Sie von vorn.",
                ),
                _ => return Err(e.into()),
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Extras {
                    notice: None,
                    error: Some(message.to_owned()),
                    error_field: field,
                },
            )
        }
    };
    totp_page(&state, &staff, status, extras).await
}
