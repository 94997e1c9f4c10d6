//! Security tests of the staff workspace, in-process over HTTP, and the helpers that sign in
//! like a browser (also used by `admin_workflow`).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use lotse_app::{App, Config, Role};
use lotse_core::content::Answer;
use serde_json::json;

use super::{app_with, post_json, send};

pub(crate) const PW: &str = "richtig-langes-passwort";

/// A router over the demo tenant and a second tenant `b` with an answer `nur-b`, and staff:
/// editor, reviewer and viewer of `demo`, an editor of `b`.
pub(crate) async fn setup(mut config: Config) -> (Router, App) {
    // Publishing runs the regression check over every variant (twice, with a re-trained
    // classifier). In a debug build on a shared two-core machine running the other tests in
    // parallel that has taken longer than the production default of 30 s, so the timeout layer
    // answered instead. These tests are about staff rules, not about the time limit.
    config.server.request_timeout_secs = config.server.request_timeout_secs.max(600);
    let app = app_with(config).await;
    for (email, role) in [
        ("editor@demo.example", Role::Editor),
        ("reviewer@demo.example", Role::Reviewer),
        ("viewer@demo.example", Role::Viewer),
    ] {
        app.add_user("demo", email, role, Some(PW))
            .await
            .expect("user");
    }
    app.create_tenant("b", "Jobcenter B")
        .await
        .expect("tenant b");
    let only_b = Answer::new(
        "nur-b",
        "Nur in B",
        vec!["antrag-erstantrag".into()],
        vec!["Geheimfrage B".into()],
        "Text B",
    );
    app.save_answers("b", &[only_b], "system")
        .await
        .expect("answer b");
    app.add_user("b", "editor@b.example", Role::Editor, Some(PW))
        .await
        .expect("user b");
    (
        lotse_server::router(lotse_server::AppState::new(app.clone(), None)),
        app,
    )
}

pub(crate) async fn default_setup() -> (Router, App) {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    setup(config).await
}

/// A signed-in browser: the session cookie and the CSRF token.
pub(crate) struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub(crate) fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_owned())
    })
}

pub(crate) fn hidden_csrf(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[start..start + 64].to_owned()
}

pub(crate) fn form(uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(
            serde_urlencoded::to_string(fields).expect("form"),
        ))
        .expect("request")
}

pub(crate) fn get_with(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request")
}

/// Submits the sign-in form; returns status, headers and body.
pub(crate) async fn try_login(
    r: &Router,
    email: &str,
    password: &str,
) -> (StatusCode, HeaderMap, String) {
    let (status, headers, _, html) = send(
        r,
        Request::get("/admin/login")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let login_cookie = cookie_value(&set_cookies(&headers), "lotse_login").expect("login cookie");
    let req = form(
        "/admin/login",
        &format!("lotse_login={login_cookie}"),
        &[
            ("csrf", &hidden_csrf(&html)),
            ("email", email),
            ("password", password),
        ],
    );
    let (status, headers, _, body) = send(r, req).await;
    (status, headers, body)
}

pub(crate) async fn login(r: &Router, email: &str) -> Session {
    let (status, headers, body) = try_login(r, email, PW).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let token = cookie_value(&set_cookies(&headers), "lotse_admin").expect("session cookie");
    let cookie = format!("lotse_admin={token}");
    let (status, _, me, _) = send(r, get_with("/api/v1/admin/me", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    Session {
        cookie,
        csrf: me["csrf_token"].as_str().expect("csrf").to_owned(),
    }
}

pub(crate) fn location(headers: &HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The demo answer to "Wie hoch ist der Regelsatz?" as citizens get it.
pub(crate) async fn citizen_answer(r: &Router, question: &str) -> serde_json::Value {
    let body = json!({ "text": question }).to_string();
    let (status, _, reply, _) = send(r, post_json("/api/v1/tenants/demo/ask", &body)).await;
    assert_eq!(status, StatusCode::OK);
    reply["answer"].clone()
}

/// The edit form's fields for an answer, as a browser would submit them.
pub(crate) fn edit_fields(a: &Answer) -> Vec<(String, String)> {
    let mut f = vec![
        ("title".to_owned(), a.title.clone()),
        ("body".to_owned(), a.body.clone()),
        ("questions".to_owned(), a.questions.join("\n")),
        ("as_of".to_owned(), a.as_of.clone().unwrap_or_default()),
    ];
    f.extend(a.topics.iter().map(|t| ("topics".to_owned(), t.clone())));
    let sources: Vec<String> = a
        .sources
        .iter()
        .map(|s| format!("{} | {}", s.title, s.url))
        .collect();
    f.push(("sources".to_owned(), sources.join("\n")));
    f.push(("keywords".to_owned(), a.keywords.join("\n")));
    f.push(("legal".to_owned(), a.legal.join("\n")));
    for (i, v) in a.versions.iter().enumerate() {
        let review = match v.review {
            lotse_core::content::Review::Human => "human",
            lotse_core::content::Review::Machine => "machine",
        };
        f.extend([
            (format!("v{i}_lang"), v.lang.clone()),
            (format!("v{i}_review"), review.to_owned()),
            (format!("v{i}_title"), v.title.clone()),
            (format!("v{i}_questions"), v.questions.join("\n")),
            (format!("v{i}_body"), v.body.clone()),
        ]);
    }
    if a.legal_check {
        f.push(("legal_check".to_owned(), "1".to_owned()));
    }
    f
}

pub(crate) async fn submit(
    r: &Router,
    s: &Session,
    id: &str,
    a: &Answer,
    action: &str,
    csrf: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let mut fields = edit_fields(a);
    fields.push(("action".into(), action.into()));
    if let Some(c) = csrf {
        fields.push(("csrf".into(), c.into()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, headers, _, body) = send(
        r,
        form(&format!("/admin/antworten/{id}"), &s.cookie, &pairs),
    )
    .await;
    (status, headers, body)
}

#[tokio::test]
async fn no_admin_page_or_api_works_without_login() {
    let (r, _) = default_setup().await;
    let pages = [
        "/admin",
        "/admin/antworten",
        "/admin/antworten/neu",
        "/admin/antworten/regelbedarf-hoehe",
        "/admin/antworten/regelbedarf-hoehe/verlauf",
        "/admin/konsole?q=Hallo",
        "/admin/passwort",
        "/admin/gibt-es-nicht",
        "/admin/",
        "/admin/a/b/c",
    ];
    for cookie in [
        "",
        "lotse_admin=gefälscht",
        "lotse_admin=0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        for page in pages {
            let (status, headers, _, _) = send(&r, get_with(page, cookie)).await;
            assert_eq!(
                (status, location(&headers)),
                (StatusCode::SEE_OTHER, "/admin/login"),
                "GET {page} with '{cookie}'"
            );
        }
        for page in [
            "/admin/antworten/neu",
            "/admin/antworten/regelbedarf-hoehe",
            "/admin/logout",
            "/admin/passwort",
            "/admin/antworten/regelbedarf-hoehe/verlauf/1/wiederherstellen",
        ] {
            let (status, headers, _, _) = send(&r, form(page, cookie, &[("title", "x")])).await;
            assert_eq!(
                (status, location(&headers)),
                (StatusCode::SEE_OTHER, "/admin/login"),
                "POST {page}"
            );
        }
        for api in [
            "/api/v1/admin/me",
            "/api/v1/admin/answers",
            "/api/v1/admin/answers/regelbedarf-hoehe",
            "/api/v1/admin/answers/regelbedarf-hoehe/impact",
            "/api/v1/admin/other",
            "/api/v1/admin/",
        ] {
            let (status, _, body, _) = send(&r, get_with(api, cookie)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "GET {api}");
            assert_eq!(body["error"]["code"], "unauthorized");
        }
        for api in [
            "/api/v1/admin/answers/regelbedarf-hoehe",
            "/api/v1/admin/answers/regelbedarf-hoehe/impact",
            "/api/v1/admin/console",
        ] {
            let mut req = post_json(api, r#"{"text":"Hallo"}"#);
            req.headers_mut()
                .insert(header::COOKIE, cookie.parse().expect("header"));
            let (status, _, body, _) = send(&r, req).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "POST {api}");
            assert_eq!(body["error"]["code"], "unauthorized");
        }
    }
    let (status, headers, _, html) = send(
        &r,
        Request::get("/admin/login")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<form method=\"post\" action=\"/admin/login\">")
            && html.contains("lang=\"de\"")
    );
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    assert_eq!(header(header::X_FRAME_OPTIONS), "DENY", "no clickjacking");
    assert!(header(header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
    assert_eq!(header(header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn session_cookies_are_strict_and_logout_ends_the_session() {
    let (r, _) = default_setup().await;
    let (status, headers, _) = try_login(&r, "editor@demo.example", PW).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/antworten")
    );
    let cookies: Vec<String> = set_cookies(&headers)
        .into_iter()
        .filter(|c| c.starts_with("lotse_admin="))
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for c in &cookies {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict") && !c.contains("Secure"),
            "{c}"
        );
    }
    assert!(
        cookies.iter().any(|c| c.contains("Path=/admin;"))
            && cookies.iter().any(|c| c.contains("Path=/api/v1/admin;"))
    );

    let s = login(&r, "editor@demo.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/antworten", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Beispielinhalt – bitte fachlich prüfen"),
        "{html}"
    );
    let (status, headers, _, _) =
        send(&r, form("/admin/logout", &s.cookie, &[("csrf", &s.csrf)])).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/login")
    );
    let (status, headers, _, _) = send(&r, get_with("/admin/antworten", &s.cookie)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/login"),
        "the old cookie is dead"
    );

    let mut config = Config::default();
    config.server.secure_cookies = true;
    let (r, _) = setup(config).await;
    let (_, headers, _) = try_login(&r, "editor@demo.example", PW).await;
    assert!(set_cookies(&headers).iter().all(|c| c.contains("; Secure")));
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused() {
    let (r, app) = default_setup().await;
    let s = login(&r, "editor@demo.example").await;
    let (mut answer, _) = app
        .answer_for_edit("demo", "regelbedarf-hoehe")
        .await
        .expect("answer");
    let original = answer.clone();
    answer.body = "Gefälscht".into();
    for csrf in [None, Some("0".repeat(64).as_str()), Some("")] {
        let (status, _, body) = submit(&r, &s, "regelbedarf-hoehe", &answer, "publish", csrf).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{csrf:?}: {body}");
    }
    assert_eq!(
        app.answer_for_edit("demo", "regelbedarf-hoehe")
            .await
            .expect("a")
            .0,
        original,
        "nothing was saved"
    );
    let (status, _, _, _) = send(&r, form("/admin/logout", &s.cookie, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The JSON API wants the token in a header.
    let body = json!({"answer": answer, "action": "draft"}).to_string();
    let mut req = post_json("/api/v1/admin/answers/regelbedarf-hoehe", &body);
    req.headers_mut()
        .insert(header::COOKIE, s.cookie.parse().expect("h"));
    let (status, _, err, _) = send(&r, req).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf_failed"))
    );
    let mut req = post_json("/api/v1/admin/answers/regelbedarf-hoehe", &body);
    req.headers_mut()
        .insert(header::COOKIE, s.cookie.parse().expect("h"));
    req.headers_mut()
        .insert("x-csrf-token", s.csrf.parse().expect("h"));
    let (status, _, ok, _) = send(&r, req).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["version"], 2);
    let stale = json!({"answer": answer, "action": "draft", "base_version": 1}).to_string();
    let mut req = post_json("/api/v1/admin/answers/regelbedarf-hoehe", &stale);
    req.headers_mut()
        .insert(header::COOKIE, s.cookie.parse().expect("h"));
    req.headers_mut()
        .insert("x-csrf-token", s.csrf.parse().expect("h"));
    let (status, _, err, _) = send(&r, req).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );

    // The sign-in form has its own token (double-submit cookie).
    let req = form(
        "/admin/login",
        "",
        &[("email", "editor@demo.example"), ("password", PW)],
    );
    let (status, headers, _, _) = send(&r, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(cookie_value(&set_cookies(&headers), "lotse_admin").is_none());
}

#[tokio::test]
async fn an_editor_cannot_publish_under_four_eyes() {
    let (r, app) = default_setup().await;
    app.db()
        .set_tenant_settings("demo", &json!({"four_eyes": true}))
        .await
        .expect("settings");
    let editor = login(&r, "editor@demo.example").await;
    let reviewer = login(&r, "reviewer@demo.example").await;
    let question = "Wie hoch ist der Regelsatz?";
    let id = citizen_answer(&r, question).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (mut answer, _) = app.answer_for_edit("demo", &id).await.expect("answer");
    answer.body = "Vier Augen sehen mehr.".into();

    let (status, _, html) = submit(&r, &editor, &id, &answer, "publish", Some(&editor.csrf)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Vier-Augen-Prinzip"), "the form explains why");
    assert!(
        !html.contains("value=\"publish\""),
        "editors get no publish button under four-eyes"
    );
    let (status, headers, _) =
        submit(&r, &editor, &id, &answer, "review", Some(&editor.csrf)).await;
    assert_eq!(
        (status, location(&headers)),
        (
            StatusCode::SEE_OTHER,
            format!("/admin/antworten/{id}?ok=review").as_str()
        )
    );
    assert_ne!(
        citizen_answer(&r, question).await["body_markdown"],
        "Vier Augen sehen mehr.",
        "not live yet"
    );

    let (status, _, _) = submit(&r, &reviewer, &id, &answer, "publish", Some(&reviewer.csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "another person publishes");
    assert_eq!(
        citizen_answer(&r, question).await["body_markdown"],
        "Vier Augen sehen mehr."
    );

    let viewer = login(&r, "viewer@demo.example").await;
    let (status, _, _) = submit(&r, &viewer, &id, &answer, "draft", Some(&viewer.csrf)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers only read");
}

#[tokio::test]
async fn staff_of_tenant_a_get_404_for_tenant_b() {
    let (r, app) = default_setup().await;
    let s = login(&r, "editor@demo.example").await;
    for page in ["/admin/antworten/nur-b", "/admin/antworten/nur-b/verlauf"] {
        let (status, _, _, html) = send(&r, get_with(page, &s.cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
        assert!(!html.contains("Text B"));
    }
    let b = app.answer_for_edit("b", "nur-b").await.expect("b").0;
    let (status, _, _) = submit(&r, &s, "nur-b", &b, "publish", Some(&s.csrf)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _, _) = send(
        &r,
        form(
            "/admin/antworten/nur-b/verlauf/1/wiederherstellen",
            &s.cookie,
            &[("csrf", &s.csrf)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _, _) = send(&r, get_with("/api/v1/admin/answers/nur-b", &s.cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, list, _) = send(
        &r,
        get_with("/api/v1/admin/answers?q=Geheimfrage", &s.cookie),
    )
    .await;
    assert_eq!(list, json!([]));
    let (_, _, _, html_list) = send(&r, get_with("/admin/antworten?q=nur", &s.cookie)).await;
    assert!(!html_list.contains("nur-b"));
    // Creating an answer with B's id makes a separate answer in A; B's stays untouched.
    assert_eq!(app.history("b", "nur-b").await.expect("b").len(), 1);
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_out_account_and_client() {
    let (r, _) = default_setup().await;
    for i in 1..5 {
        let (status, _, html) = try_login(&r, "editor@demo.example", "falsch-falsch").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(html.contains("E-Mail-Adresse oder Passwort ist falsch."));
    }
    let (status, headers, html) = try_login(&r, "editor@demo.example", "falsch-falsch").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        headers.get(header::RETRY_AFTER).is_some()
            && html.contains("Zu viele fehlgeschlagene Anmeldungen")
    );
    let (status, headers, _) = try_login(&r, "editor@demo.example", PW).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert!(cookie_value(&set_cookies(&headers), "lotse_admin").is_none());

    // The client (address) is locked out after more failures, whatever account it tries.
    for _ in 0..4 {
        try_login(&r, "niemand@demo.example", "falsch-falsch").await;
    }
    let (status, _, _) = try_login(&r, "reviewer@demo.example", PW).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the client is locked out"
    );
}
