//! Issue 8: security headers on every response, answers that cannot inject script, framing
//! only by the tenant's own sites, and no question text in the application log.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lotse_app::Config;
use lotse_server::{AppState, router};

use crate::{app_with, get, post_json, send};

fn requests() -> Vec<(&'static str, Request<Body>)> {
    let big = format!(r#"{{"text":"{}"}}"#, "a".repeat(100_000));
    vec![
        ("healthz", get("/healthz")),
        ("readyz", get("/readyz")),
        ("metrics", get("/metrics")),
        ("widget", get("/widget.js")),
        ("css", get("/assets/page.css")),
        ("chat page", get("/t/demo")),
        ("privacy page", get("/t/demo/datenschutz")),
        ("accessibility statement", get("/t/demo/barrierefreiheit")),
        ("statistics page", get("/t/demo/statistik")),
        ("unknown tenant page", get("/t/nope")),
        ("api docs", get("/api/docs")),
        ("openapi", get("/api/openapi.json")),
        ("no such route", get("/nope")),
        ("staff sign-in", get("/admin/login")),
        ("staff redirect", get("/admin/antworten")),
        ("staff api without session", get("/api/v1/admin/me")),
        (
            "ask",
            post_json(
                "/api/v1/tenants/demo/ask",
                r#"{"text":"Wie hoch ist der Regelsatz?"}"#,
            ),
        ),
        (
            "malformed json",
            post_json("/api/v1/tenants/demo/ask", "{\"text\":"),
        ),
        ("too large", post_json("/api/v1/tenants/demo/ask", &big)),
        (
            "unknown tenant",
            post_json("/api/v1/tenants/nope/ask", r#"{"text":"Hallo"}"#),
        ),
    ]
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    let r = router(AppState::new(app_with(config).await, None));
    for (what, req) in requests() {
        let (status, headers, _, _) = send(&r, req).await;
        let h = |name: header::HeaderName| {
            headers
                .get(&name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{what} ({status}): no {name}"))
                .to_owned()
        };
        let csp = h(header::CONTENT_SECURITY_POLICY);
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_else(|| panic!("{what}: no script-src in {csp}"));
        assert_eq!(script_src, "script-src 'self'", "{what}: {csp}");
        for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors"] {
            assert!(
                csp.contains(directive),
                "{what}: {directive} missing in {csp}"
            );
        }
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
        assert_eq!(h(header::REFERRER_POLICY), "no-referrer", "{what}");
        assert!(
            headers.get(header::SET_COOKIE).is_none() || what.starts_with("staff"),
            "{what}: citizens get no cookies"
        );
    }
}

#[tokio::test]
async fn tenant_pages_may_be_framed_only_by_the_tenants_own_sites() {
    let app = app_with(Config::default()).await;
    let r = router(AppState::new(app.clone(), None));
    let (_, headers, _, _) = send(&r, get("/t/demo")).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    app.db()
        .set_tenant_settings(
            "demo",
            &serde_json::json!({"allowed_origins": [
                "https://www.jobcenter-musterkreis.example",
                "https://x.example; script-src *",
                "javascript:alert(1)",
                "https://portal.example:8443"
            ]}),
        )
        .await
        .expect("settings");
    // The origins are part of the tenant's knowledge in memory, like its placeholders.
    app.reload_tenant("demo").await.expect("reload");
    for page in [
        "/t/demo",
        "/t/demo/datenschutz",
        "/t/demo/barrierefreiheit",
        "/t/demo/statistik",
    ] {
        let (status, headers, _, _) = send(&r, get(page)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let csp = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp");
        assert!(
            csp.ends_with(
                "frame-ancestors 'self' https://www.jobcenter-musterkreis.example https://portal.example:8443"
            ),
            "{page}: {csp}"
        );
        assert!(
            !csp.contains("script-src *") && !csp.contains("javascript"),
            "{csp}"
        );
    }
    // The API and other pages stay unframeable.
    let (_, headers, _, _) = send(&r, get("/api/docs")).await;
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn answers_cannot_inject_script_even_from_a_staff_account() {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    let app = app_with(config).await;
    let mut a = lotse_core::content::Answer::new(
        "boese-antwort",
        "Wie beantrage ich Zebrafinkenfutter?",
        vec!["einmalige-leistungen-sonderbedarf".into()],
        vec![
            "Zebrafinkenfutter beantragen".into(),
            "Wie beantrage ich Zebrafinkenfutter?".into(),
            "Zuschuss Zebrafinkenfutter".into(),
        ],
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[Antrag](javascript:alert(1)) \
         ![Zaehlpixel](https://tracker.example/p.gif) <a href=\"javascript:alert(2)\">x</a>",
    );
    a.as_of = Some("2026-07-01".into());
    app.save_answers("demo", &[a], "test").await.expect("save");
    let r = router(AppState::new(app, None));
    let (status, _, body, _) = send(
        &r,
        post_json(
            "/api/v1/tenants/demo/ask",
            r#"{"text":"Wie beantrage ich Zebrafinkenfutter?"}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["answer"]["id"], "boese-antwort", "{body}");
    let html = body["answer"]["body_html"].as_str().expect("body_html");
    for bad in [
        "<script",
        "<img",
        "src=\"https://tracker",
        "<a href=\"javascript",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("&lt;script&gt;"), "shown as text: {html}");
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_application_log_never_contains_question_text() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, because the database driver logs from its own threads.
    let global = tracing::subscriber::set_global_default(subscriber).is_ok();
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    let app = app_with(config).await;
    let r = router(AppState::new(app.clone(), None));
    let question = "Ich heiße Quastenflosser Zebrafink, Tel. 0171 9876543, wann kommt mein Geld?";
    let (status, _, body, _) = send(
        &r,
        post_json(
            "/api/v1/tenants/demo/ask",
            &serde_json::json!({ "text": question }).to_string(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let feedback = serde_json::json!({
        "message_id": body["message_id"],
        "helpful": false,
        "comment": "Kommentar Quastenflosser an quasten@example.org"
    });
    let (status, _, _, _) = send(
        &r,
        post_json("/api/v1/tenants/demo/feedback", &feedback.to_string()),
    )
    .await;
    assert!(status.is_success(), "{status}");
    // An over-long and a malformed question go through the error paths.
    let long = serde_json::json!({ "text": format!("Quastenflosser {}", "x".repeat(2000)) });
    send(&r, post_json("/api/v1/tenants/demo/ask", &long.to_string())).await;
    send(
        &r,
        post_json("/api/v1/tenants/demo/ask", "{\"text\": \"Quastenflosser"),
    )
    .await;
    app.flush().await;
    tracing::info!("log capture probe");

    let stored = app.db().messages("demo", 10).await.expect("messages");
    assert!(
        stored
            .iter()
            .all(|m| !m.text_redacted.contains("Quastenflosser")
                && !m.text_redacted.contains("9876543")),
        "{stored:?}"
    );
    let log = String::from_utf8_lossy(&captured.0.lock().expect("log")).into_owned();
    // Nothing else in this test binary installs a global subscriber, so the capture is ours.
    assert!(global, "the log capture could not be installed");
    assert!(log.contains("log capture probe"), "the capture works");
    for secret in [
        "Quastenflosser",
        "Zebrafink",
        "9876543",
        "quasten@example.org",
        "wann kommt mein Geld",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

/// A client that sends its body too slowly (or never) gets the time limit as a JSON error with
/// a stable code and a German sentence, not an empty 503, and the server keeps serving others.
#[tokio::test]
async fn a_request_over_the_time_limit_gets_a_clear_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut config = Config::default();
    config.rate_limit.enabled = false;
    config.server.request_timeout_secs = 1;
    let addr = crate::serve_on_loopback(app_with(config).await).await;

    // Announces 40 bytes of JSON, sends 10 and then nothing (a slow or stalled client).
    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    slow.write_all(
        b"POST /api/v1/tenants/demo/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 40\r\nConnection: close\r\n\r\n{\"text\": \"",
    )
    .await
    .expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        slow.read_to_end(&mut response),
    )
    .await
    .expect("the server answers a stalled request instead of waiting for ever")
    .expect("read");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    let body = &response[response.find("\r\n\r\n").expect("head") + 4..];
    let error: serde_json::Value = serde_json::from_str(body).expect("a JSON error body");
    assert_eq!(error["error"]["code"], "timeout", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("zu lange")),
        "{error}"
    );

    let ok = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(ok.status(), 200, "others are still served");
}
