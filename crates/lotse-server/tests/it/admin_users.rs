//! User management at `/admin/benutzer` over HTTP: admins only, CSRF on every form, another
//! tenant's accounts are 404, and a one-time password shown once works for the first sign-in.

use axum::Router;
use axum::http::StatusCode;
use lotse_app::{App, Role};

use super::admin::{PW, Session, default_setup, form, get_with, location, login, try_login};
use super::send;

const ADMIN: &str = "admin@demo.example";

async fn setup() -> (Router, App, Session) {
    let (r, app) = default_setup().await;
    app.add_user("demo", ADMIN, Role::Admin, Some(PW))
        .await
        .expect("admin");
    let s = login(&r, ADMIN).await;
    (r, app, s)
}

/// Posts the user-management form with the session's CSRF token.
async fn act(r: &Router, s: &Session, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let mut all = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    let (status, headers, _, html) = send(r, form("/admin/benutzer", &s.cookie, &all)).await;
    (status, location(&headers).to_owned(), html)
}

fn one_time_password(html: &str) -> String {
    let start = html
        .find("<code id=\"einmal-passwort\">")
        .expect("one-time password shown")
        + 27;
    let end = start + html[start..].find("</code>").expect("end");
    html[start..end].to_owned()
}

#[tokio::test]
async fn only_admins_see_and_use_user_management() {
    let (r, app, admin) = setup().await;
    let (status, headers, _, _) = send(&r, get_with("/admin/benutzer", "")).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/login"),
        "no page without a session"
    );
    let (status, _, _, html) = send(&r, get_with("/admin/benutzer", &admin.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "href=\"/admin/benutzer\" aria-current=\"page\"",
        "editor@demo.example",
        "viewer@demo.example",
        "Konto anlegen",
    ] {
        assert!(html.contains(text), "{text}");
    }
    assert!(!html.contains("editor@b.example"), "only the own tenant");

    for email in [
        "viewer@demo.example",
        "editor@demo.example",
        "reviewer@demo.example",
    ] {
        let s = login(&r, email).await;
        let (status, _, _, html) = send(&r, get_with("/admin/benutzer", &s.cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        assert!(
            !html.contains("viewer@demo.example"),
            "{email} sees no list"
        );
        let (_, _, _, page) = send(&r, get_with("/admin/antworten", &s.cookie)).await;
        assert!(!page.contains("/admin/benutzer"), "{email} gets no link");
        for fields in [
            vec![
                ("action", "add"),
                ("email", "neu@demo.example"),
                ("role", "admin"),
            ],
            vec![("action", "role"), ("email", email), ("role", "admin")],
            vec![("action", "reset"), ("email", ADMIN)],
            vec![("action", "delete"), ("email", ADMIN), ("confirm", "1")],
        ] {
            let (status, _, _) = act(&r, &s, &fields).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}: {fields:?}");
        }
    }
    let users = app.db().users("demo").await.expect("users");
    assert!(users.iter().all(|u| u.email != "neu@demo.example"));
    assert!(users.iter().any(|u| u.email == ADMIN));
    assert_eq!(
        app.db()
            .user("demo", "viewer@demo.example")
            .await
            .expect("u")
            .role,
        "viewer"
    );
}

#[tokio::test]
async fn user_management_posts_without_the_csrf_token_are_refused() {
    let (r, app, admin) = setup().await;
    for csrf in [None, Some("0".repeat(64))] {
        let mut fields = vec![
            ("action", "role"),
            ("email", "viewer@demo.example"),
            ("role", "admin"),
        ];
        if let Some(c) = &csrf {
            fields.push(("csrf", c));
        }
        let (status, _, _, _) = send(&r, form("/admin/benutzer", &admin.cookie, &fields)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{csrf:?}");
        let fields = [
            ("action", "add"),
            ("email", "neu@demo.example"),
            ("role", "admin"),
        ];
        let (status, _, _, _) = send(&r, form("/admin/benutzer", &admin.cookie, &fields)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.db()
            .user("demo", "viewer@demo.example")
            .await
            .expect("u")
            .role,
        "viewer",
        "nothing changed"
    );
    assert!(app.db().user("demo", "neu@demo.example").await.is_err());
}

#[tokio::test]
async fn admins_get_404_for_another_tenants_accounts() {
    let (r, app, admin) = setup().await;
    for fields in [
        vec![("action", "role"), ("role", "admin")],
        vec![("action", "reset")],
        vec![("action", "unlock")],
        vec![("action", "delete")],
        vec![("action", "delete"), ("confirm", "1")],
    ] {
        let mut fields = fields;
        fields.push(("email", "editor@b.example"));
        let (status, _, html) = act(&r, &admin, &fields).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{fields:?}");
        assert!(!html.contains("einmal-passwort"));
    }
    let b = app.db().user("b", "editor@b.example").await.expect("b");
    assert_eq!((b.role.as_str(), b.must_change_password), ("editor", false));
    let (status, _, _) = try_login(&r, "editor@b.example", PW).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "B's password untouched");
}

#[tokio::test]
async fn an_added_account_signs_in_once_with_its_one_time_password() {
    let (r, _, admin) = setup().await;
    let (status, _, html) = act(
        &r,
        &admin,
        &[
            ("action", "add"),
            ("email", "neu@demo.example"),
            ("role", "editor"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let otp = one_time_password(&html);
    assert_eq!(otp.len(), 20);
    let (_, _, _, list) = send(&r, get_with("/admin/benutzer", &admin.cookie)).await;
    assert!(!list.contains(&otp), "shown only once");
    assert!(list.contains("neu@demo.example"));

    let (status, headers, _) = try_login(&r, "neu@demo.example", &otp).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/passwort")
    );
    let token = super::admin::cookie_value(&super::admin::set_cookies(&headers), "lotse_admin")
        .expect("session");
    let cookie = format!("lotse_admin={token}");
    let (status, headers, _, _) = send(&r, get_with("/admin/antworten", &cookie)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/passwort"),
        "the one-time password must be changed first"
    );
    let (_, _, _, page) = send(&r, get_with("/admin/passwort", &cookie)).await;
    let csrf = super::admin::hidden_csrf(&page);
    let fields = [
        ("csrf", csrf.as_str()),
        ("current", otp.as_str()),
        ("new", PW),
        ("confirm", PW),
    ];
    let (status, _, _, _) = send(&r, form("/admin/passwort", &cookie, &fields)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _, _) = send(&r, get_with("/admin/antworten", &cookie)).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _, html) = act(
        &r,
        &admin,
        &[
            ("action", "add"),
            ("email", "neu@demo.example"),
            ("role", "viewer"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("bereits ein Konto"));
}

#[tokio::test]
async fn reset_role_change_unlock_and_delete_through_the_page() {
    let (r, app, admin) = setup().await;
    let editor = login(&r, "editor@demo.example").await;
    let (status, _, html) = act(
        &r,
        &admin,
        &[("action", "reset"), ("email", "editor@demo.example")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let otp = one_time_password(&html);
    let (status, headers, _, _) = send(&r, get_with("/admin/antworten", &editor.cookie)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/login"),
        "the reset ends the editor's session"
    );
    let (status, _, _) = try_login(&r, "editor@demo.example", PW).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (status, headers, _) = try_login(&r, "editor@demo.example", &otp).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/passwort")
    );

    let (status, to, _) = act(
        &r,
        &admin,
        &[
            ("action", "role"),
            ("email", "viewer@demo.example"),
            ("role", "reviewer"),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/admin/benutzer?ok=rolle")
    );
    assert_eq!(
        app.db()
            .user("demo", "viewer@demo.example")
            .await
            .expect("u")
            .role,
        "reviewer"
    );

    app.db()
        .set_login_state(
            "demo",
            "reviewer@demo.example",
            0,
            lotse_app::now_ms() + 600_000,
        )
        .await
        .expect("lock");
    let (_, _, _, list) = send(&r, get_with("/admin/benutzer", &admin.cookie)).await;
    assert!(
        list.contains("value=\"unlock\""),
        "locked accounts offer unlocking"
    );
    let (status, _, _) = act(
        &r,
        &admin,
        &[("action", "unlock"), ("email", "reviewer@demo.example")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = try_login(&r, "reviewer@demo.example", PW).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "unlocked");

    // Deleting asks first (no JavaScript needed), then deletes.
    let (status, _, html) = act(
        &r,
        &admin,
        &[("action", "delete"), ("email", "viewer@demo.example")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ja, Konto löschen"));
    assert!(app.db().user("demo", "viewer@demo.example").await.is_ok());
    let (status, to, _) = act(
        &r,
        &admin,
        &[
            ("action", "delete"),
            ("email", "viewer@demo.example"),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/admin/benutzer?ok=geloescht")
    );
    assert!(app.db().user("demo", "viewer@demo.example").await.is_err());

    // Not oneself, and the last admin stays an admin.
    let (status, _, html) = act(
        &r,
        &admin,
        &[("action", "delete"), ("email", ADMIN), ("confirm", "1")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("eigenes Konto"));
    let (status, _, html) = act(
        &r,
        &admin,
        &[("action", "role"), ("email", ADMIN), ("role", "editor")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("letzte Person mit der Rolle Verwaltung"));

    let actions: Vec<String> = app
        .db()
        .audit_log("demo", 50)
        .await
        .expect("log")
        .into_iter()
        .filter(|e| e.actor == ADMIN)
        .map(|e| e.action)
        .collect();
    for a in [
        "user.password_reset",
        "user.role",
        "user.unlock",
        "user.delete",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}
