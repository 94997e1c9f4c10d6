//! The TOTP second factor over HTTP: set-up on the staff member's own page (QR code, secret,
//! confirmation), the code step of the sign-in with wrong and replayed codes and the lock-out,
//! switching off, and the admin reset on the users page. The test computes codes from the
//! secret shown on the page, as an authenticator app would.

use axum::Router;
use axum::http::{StatusCode, header};
use lotse_app::staff::totp::code_at;
use lotse_app::{Role, now_ms};

use super::admin::{
    PW, Session, cookie_value, default_setup, form, get_with, hidden_csrf, location, login,
    set_cookies, try_login,
};
use super::send;

const STEP: i64 = 30_000;

/// The secret as the set-up page shows it (groups of four), without spaces.
fn shown_secret(html: &str) -> String {
    let start = html
        .find("<code id=\"totp-secret\">")
        .expect("secret shown")
        + 23;
    let end = start + html[start..].find("</code>").expect("end");
    html[start..end].replace(' ', "")
}

fn wrong_code(secret: &str) -> String {
    let now = now_ms();
    let right: Vec<String> = (-2..=2)
        .map(|k| code_at(secret, now + k * STEP).expect("code"))
        .collect();
    ["123456", "654321", "111111"]
        .into_iter()
        .find(|c| !right.iter().any(|r| r == c))
        .expect("a wrong code")
        .to_owned()
}

async fn totp_post(r: &Router, s: &Session, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let mut all = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    let (status, _, _, html) = send(r, form("/admin/zwei-faktor", &s.cookie, &all)).await;
    (status, html)
}

/// The password step; returns the cookies for the code step (sign-in CSRF and challenge)
/// and the CSRF field of the code form.
async fn password_step(r: &Router, email: &str) -> (String, String) {
    let (status, headers, html) = try_login(r, email, PW).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Bestätigungscode eingeben"), "{html}");
    let cookies = set_cookies(&headers);
    assert!(
        cookie_value(&cookies, "lotse_admin").is_none(),
        "the password alone is no session"
    );
    let challenge = cookie_value(&cookies, "lotse_2fa").expect("challenge cookie");
    assert!(
        cookies.iter().any(|c| c.starts_with("lotse_2fa=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")),
        "{cookies:?}"
    );
    let login_csrf = cookie_value(&cookies, "lotse_login").expect("csrf cookie");
    (
        format!("lotse_login={login_csrf}; lotse_2fa={challenge}"),
        hidden_csrf(&html),
    )
}

async fn code_step(
    r: &Router,
    (cookie, csrf): &(String, String),
    code: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let (status, headers, _, html) = send(
        r,
        form(
            "/admin/login/code",
            cookie,
            &[("csrf", csrf), ("code", code)],
        ),
    )
    .await;
    (status, headers, html)
}

#[tokio::test]
async fn the_second_factor_is_set_up_asked_for_and_reset() {
    let (r, app) = default_setup().await;
    app.add_user("demo", "admin@demo.example", Role::Admin, Some(PW))
        .await
        .expect("admin");
    let s = login(&r, "editor@demo.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/zwei-faktor", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Status: ausgeschaltet") && html.contains("aria-current=\"page\""));

    let (status, html) = totp_post(&r, &s, &[("action", "start")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("<svg") && html.contains("role=\"img\""),
        "a QR code: {html}"
    );
    assert!(html.contains("otpauth://totp/Lotse%3Aeditor%40demo.example?secret="));
    let secret = shown_secret(&html);
    assert_eq!(secret.len(), 32, "{secret}");
    // Not active yet: the password still suffices.
    let (status, _, _) = try_login(&r, "editor@demo.example", PW).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (status, html) = totp_post(
        &r,
        &s,
        &[("action", "confirm"), ("code", &wrong_code(&secret))],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Der Code stimmt nicht") && html.contains("aria-invalid=\"true\""),
        "{html}"
    );
    let confirmed_at = now_ms();
    let first = code_at(&secret, confirmed_at).expect("code");
    let (status, html) = totp_post(&r, &s, &[("action", "confirm"), ("code", &first)]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Status: eingeschaltet"), "{html}");
    assert!(
        !html.contains(&secret),
        "the secret is not shown once it is active"
    );

    // Sign-in: password, then the code. Wrong and replayed codes are refused.
    let step = password_step(&r, "editor@demo.example").await;
    let (status, _, html) = code_step(&r, &step, &wrong_code(&secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Der Code ist falsch"), "{html}");
    let (status, _, html) = code_step(&r, &step, &first).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a replay: {html}");
    assert!(html.contains("schon verwendet"), "{html}");
    let next = code_at(&secret, confirmed_at + STEP).expect("code");
    let (status, headers, html) = code_step(&r, &step, &next).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/antworten"),
        "{html}"
    );
    let token = cookie_value(&set_cookies(&headers), "lotse_admin").expect("session");
    let (status, _, _, _) = send(
        &r,
        get_with("/admin/antworten", &format!("lotse_admin={token}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Without the challenge cookie there is nothing to finish.
    let (status, _, html) = code_step(
        &r,
        &(step.0.replace("lotse_2fa=", "x="), step.1.clone()),
        &next,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Die Anmeldung ist abgelaufen"), "{html}");

    // The admin sees it and resets it; then the password alone signs in again.
    let admin = login(&r, "admin@demo.example").await;
    let (_, _, _, html) = send(&r, get_with("/admin/benutzer", &admin.cookie)).await;
    assert!(html.contains("Zweiten Faktor zurücksetzen"), "{html}");
    let (status, headers, _, _) = send(
        &r,
        form(
            "/admin/benutzer",
            &admin.cookie,
            &[
                ("csrf", &admin.csrf),
                ("action", "totp_reset"),
                ("email", "editor@demo.example"),
            ],
        ),
    )
    .await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/benutzer?ok=zweitfaktor")
    );
    let (status, _, _) = try_login(&r, "editor@demo.example", PW).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let log = app.db().audit_log("demo", 100).await.expect("audit");
    for action in ["totp.enable", "user.totp_reset"] {
        assert!(log.iter().any(|e| e.action == action), "{action}");
    }
}

#[tokio::test]
async fn wrong_codes_lock_the_account_and_switching_off_needs_password_and_code() {
    let (r, app) = default_setup().await;
    let s = login(&r, "reviewer@demo.example").await;
    let (_, html) = totp_post(&r, &s, &[("action", "start")]).await;
    let secret = shown_secret(&html);
    let t = now_ms();
    let (status, _) = totp_post(
        &r,
        &s,
        &[
            ("action", "confirm"),
            ("code", &code_at(&secret, t).expect("c")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Switching off: the wrong password, then password and a fresh code.
    let next = code_at(&secret, t + STEP).expect("c");
    let (status, html) = totp_post(
        &r,
        &s,
        &[
            ("action", "disable"),
            ("password", "falsch-falsch"),
            ("code", &next),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Das Passwort ist falsch"), "{html}");
    let (status, html) = totp_post(
        &r,
        &s,
        &[("action", "disable"), ("password", PW), ("code", &next)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Status: ausgeschaltet"), "{html}");

    // On again, then five wrong codes lock the account (the code form without CSRF is refused).
    let (_, html) = totp_post(&r, &s, &[("action", "start")]).await;
    let secret = shown_secret(&html);
    let t = now_ms();
    totp_post(
        &r,
        &s,
        &[
            ("action", "confirm"),
            ("code", &code_at(&secret, t).expect("c")),
        ],
    )
    .await;
    let step = password_step(&r, "reviewer@demo.example").await;
    let (status, _, _, _) = send(
        &r,
        form("/admin/login/code", &step.0, &[("code", "123456")]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let wrong = wrong_code(&secret);
    for i in 1..5 {
        let (status, _, _) = code_step(&r, &step, &wrong).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (status, headers, html) = code_step(&r, &step, &wrong).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{html}");
    assert!(headers.get(header::RETRY_AFTER).is_some());
    assert!(html.contains("Zu viele fehlgeschlagene Anmeldungen"));
    let (status, _, _) = code_step(&r, &step, &code_at(&secret, now_ms() + STEP).expect("c")).await;
    assert_ne!(
        status,
        StatusCode::SEE_OTHER,
        "locked: not even the right code"
    );
    let (status, _, _) = try_login(&r, "reviewer@demo.example", PW).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let user = app
        .db()
        .user("demo", "reviewer@demo.example")
        .await
        .expect("user");
    assert!(user.locked_until > now_ms());
}
