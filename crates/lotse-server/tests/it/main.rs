//! HTTP tests: in-process (`Router::oneshot`) for every route and error case, and one smoke
//! test over a real listener on port 0.

mod admin;
mod admin_dashboard;
mod admin_inbox;
mod admin_totp;
mod admin_users;
mod admin_workflow;
mod security;
mod speech;
mod statistik;
mod tenants;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lotse_app::{App, Config};
use lotse_server::{AppState, router};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn app_with(config: Config) -> App {
    let db = lotse_store::testing::database().await;
    let app = App::new(db, config).await.expect("app");
    app.seed_demo().await.expect("seed");
    app
}

async fn test_router() -> Router {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    router(AppState::new(app_with(config).await, None))
}

async fn send(
    router: &Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Value, String) {
    let res = router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .expect("body");
    let text = String::from_utf8_lossy(&bytes).to_string();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

#[tokio::test]
async fn ask_answers_with_the_public_contract() {
    let r = test_router().await;
    let (status, _, body, _) = send(
        &r,
        post_json(
            "/api/v1/tenants/demo/ask",
            r#"{"text":"Wie hoch ist der Regelsatz?"}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "answer");
    for key in ["conversation_id", "message_id", "confidence", "answer"] {
        assert!(body.get(key).is_some(), "missing {key}: {body}");
    }
    let answer = &body["answer"];
    for key in [
        "id",
        "title",
        "topics",
        "body_markdown",
        "body_html",
        "sources",
        "as_of",
        "language",
    ] {
        assert!(answer.get(key).is_some(), "answer lacks {key}: {answer}");
    }
    assert_eq!(answer["topics"][0], "regelbedarf-hoehe");
    assert_eq!(answer["language"], "de");

    // The conversation continues and feedback is accepted.
    let conv = body["conversation_id"]
        .as_str()
        .expect("conversation id")
        .to_owned();
    let (status, _, body2, _) = send(
        &r,
        post_json(
            "/api/v1/tenants/demo/ask",
            &json!({"text": "und für Kinder?", "conversation_id": conv}).to_string(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body2["conversation_id"], conv.as_str());
    let fb = json!({"message_id": body["message_id"], "helpful": true}).to_string();
    let (status, _, fb_body, _) = send(&r, post_json("/api/v1/tenants/demo/feedback", &fb)).await;
    assert_eq!(status, StatusCode::OK, "{fb_body}");
    assert_eq!(fb_body["ok"], true);
}

#[tokio::test]
async fn clarify_choices_and_answers_by_id() {
    let r = test_router().await;
    let (status, _, body, _) =
        send(&r, get("/api/v1/tenants/demo/answers/regelbedarf-hoehe")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["answer"]["id"], "regelbedarf-hoehe");
    let (status, _, body, _) = send(&r, get("/api/v1/tenants/demo/answers/gibt-es-nicht")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "answer_not_found");
}

/// Every bad input gets its status and stable code (SPEC §3, issue 2).
#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let r = test_router().await;
    let long = json!({"text": "a".repeat(1001)}).to_string();
    let big = json!({"text": "a".repeat(100_000)}).to_string();
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post_json("/api/v1/tenants/nope/ask", r#"{"text":"Hallo"}"#),
            StatusCode::NOT_FOUND,
            "tenant_not_found",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", r#"{"text": "#),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", "not json"),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", r#"{"text":""}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "question_empty",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", r#"{"text":"   "}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "question_empty",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", &long),
            StatusCode::UNPROCESSABLE_ENTITY,
            "question_too_long",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", r#"{"txt":"Hallo"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", r#"{"text":42}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            post_json("/api/v1/tenants/demo/ask", &big),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            Request::post("/api/v1/tenants/demo/ask")
                .body(Body::from(r#"{"text":"Hallo"}"#))
                .expect("req"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post_json(
                "/api/v1/tenants/demo/feedback",
                r#"{"message_id":"nope","helpful":true}"#,
            ),
            StatusCode::NOT_FOUND,
            "message_not_found",
        ),
        (
            post_json(
                "/api/v1/tenants/nope/feedback",
                r#"{"message_id":"x","helpful":true}"#,
            ),
            StatusCode::NOT_FOUND,
            "tenant_not_found",
        ),
        (
            post_json("/api/v1/tenants/demo/feedback", r#"{"helpful":true}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            get("/api/v1/tenants/demo/ask"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (get("/gibt/es/nicht"), StatusCode::NOT_FOUND, "not_found"),
        (
            post_json("/api/v1/tenants/demo/transcribe", ""),
            StatusCode::SERVICE_UNAVAILABLE,
            "speech_unavailable",
        ),
    ];
    for (req, want_status, want_code) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let (status, _, body, text) = send(&r, req).await;
        assert_eq!(status, want_status, "{what}: {text}");
        assert_eq!(body["error"]["code"], want_code, "{what}: {text}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: a sentence for people"
        );
    }
}

/// The citizens' pages of an unknown job centre are pages a person can read (status, German
/// sentence and the stable code), not the API's JSON.
#[tokio::test]
async fn public_pages_of_an_unknown_tenant_are_readable_pages() {
    let r = router(AppState::new(app_with(Config::default()).await, None));
    for path in [
        "/t/nope",
        "/t/nope/datenschutz",
        "/t/nope/barrierefreiheit",
        "/t/nope/statistik",
    ] {
        let (status, headers, _, text) = send(&r, get(path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let kind = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert!(text.contains("<html lang=\"de\">"), "{path}: {text}");
        assert!(text.contains("role=\"alert\""), "{path}: {text}");
        assert!(text.contains("tenant_not_found"), "{path}: {text}");
        assert!(!text.trim_start().starts_with('{'), "{path}: {text}");
    }
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let mut config = Config::default();
    config.rate_limit.per_minute = 1;
    config.rate_limit.burst = 2;
    let r = router(AppState::new(app_with(config).await, None));
    let ask = || post_json("/api/v1/tenants/demo/ask", r#"{"text":"Hallo"}"#);
    assert_eq!(send(&r, ask()).await.0, StatusCode::OK);
    assert_eq!(send(&r, ask()).await.0, StatusCode::OK);
    let (status, headers, body, _) = send(&r, ask()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(headers.get(header::RETRY_AFTER).is_some());
}

/// Behind a trusted reverse proxy every citizen has a bucket of their own (by X-Forwarded-For);
/// the header of a client that is not a trusted proxy counts for nothing.
#[tokio::test]
async fn rate_limit_behind_a_trusted_proxy_is_per_citizen() {
    let mut config = Config::default();
    config.rate_limit.per_minute = 1;
    config.rate_limit.burst = 1;
    // In-process requests have no peer address: the limiter sees 0.0.0.0, here "the proxy".
    config.server.trusted_proxies = vec!["0.0.0.0".parse().expect("ip")];
    let r = router(AppState::new(app_with(config.clone()).await, None));
    let ask_from = |client: &str| {
        let mut request = post_json("/api/v1/tenants/demo/ask", r#"{"text":"Hallo"}"#);
        request
            .headers_mut()
            .insert("x-forwarded-for", client.parse().expect("header value"));
        request
    };
    assert_eq!(send(&r, ask_from("198.51.100.7")).await.0, StatusCode::OK);
    assert_eq!(
        send(&r, ask_from("198.51.100.7")).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        send(&r, ask_from("203.0.113.9")).await.0,
        StatusCode::OK,
        "another citizen"
    );

    config.server.trusted_proxies = Vec::new();
    let r = router(AppState::new(app_with(config).await, None));
    assert_eq!(send(&r, ask_from("198.51.100.7")).await.0, StatusCode::OK);
    assert_eq!(
        send(&r, ask_from("203.0.113.9")).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "an untrusted client cannot pick a new address with the header"
    );
}

#[tokio::test]
async fn pages_assets_health_and_docs() {
    let r = test_router().await;
    let (status, headers, _, text) = send(&r, get("/widget.js")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .expect("ct")
            .starts_with("text/javascript")
    );
    assert!(text.contains("attachShadow"), "the widget uses shadow DOM");
    let (status, headers, _, text) = send(&r, get("/t/demo")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("Kommunales Jobcenter Musterkreis") && text.contains("data-tenant=\"demo\""),
        "{text}"
    );
    assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_some());
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let (status, _, _, text) = send(&r, get("/t/demo/datenschutz")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("keine Cookies"));
    assert_eq!(send(&r, get("/healthz")).await.0, StatusCode::OK);
    let (status, _, body, _) = send(&r, get("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["speech"], "unavailable");
    assert_eq!(
        body["tenants_matching_by_meaning"], 0,
        "no embedding model here"
    );
    let (status, _, body, _) = send(&r, get("/api/v1/tenants/demo/config")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["speech"], false,
        "no model: the widget hides the microphone"
    );
    assert_eq!(body["name"], "Kommunales Jobcenter Musterkreis");
    let (status, _, _, text) = send(&r, get("/api/docs")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("/api/v1/tenants/{tenant}/ask"), "{text}");
    let (status, _, body, _) = send(&r, get("/api/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["paths"]["/api/v1/tenants/{tenant}/ask"]["post"].is_object());
    let (status, _, _, text) = send(&r, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("lotse_tenants 1"), "{text}");
}

/// The OpenAPI schema of the ask reply names the fields the server sends (those it may leave out as optional).
#[tokio::test]
async fn openapi_matches_the_real_reply() {
    let r = test_router().await;
    let (_, _, body, _) = send(
        &r,
        post_json(
            "/api/v1/tenants/demo/ask",
            r#"{"text":"Wie hoch ist der Regelsatz?"}"#,
        ),
    )
    .await;
    let doc = serde_json::to_value(lotse_server::openapi()).expect("openapi");
    let props = |name: &str| -> Vec<String> {
        let mut keys: Vec<String> = doc["components"]["schemas"][name]["properties"]
            .as_object()
            .expect("schema")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let mut answer_keys: Vec<String> = body["answer"]
        .as_object()
        .expect("answer")
        .keys()
        .cloned()
        .collect();
    answer_keys.sort();
    // Every field sent is documented, and every documented field that is not sent is optional.
    let documented = props("AnswerDoc");
    assert!(
        answer_keys.iter().all(|k| documented.contains(k)),
        "{answer_keys:?} vs {documented:?}"
    );
    let required: Vec<String> = doc["components"]["schemas"]["AnswerDoc"]["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    for k in documented.iter().filter(|k| !answer_keys.contains(k)) {
        assert!(
            !required.contains(k),
            "{k} is documented as required but not sent"
        );
    }
    let reply_keys: Vec<String> = body.as_object().expect("reply").keys().cloned().collect();
    assert!(
        reply_keys.iter().all(|k| props("AskResponse").contains(k)),
        "{reply_keys:?}"
    );
}

/// Serves the app on a real listener on a free loopback port (bound before serving; no sleeps).
pub(crate) async fn serve_on_loopback(app: lotse_app::App) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let service = router(AppState::new(app, None))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    addr
}

#[tokio::test]
async fn smoke_over_a_real_listener() {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    let addr = serve_on_loopback(app_with(config).await).await;
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    let reply: Value = client
        .post(format!("http://{addr}/api/v1/tenants/demo/ask"))
        .json(&json!({"text": "Wer zahlt die Kaution?"}))
        .send()
        .await
        .expect("ask")
        .json()
        .await
        .expect("json");
    assert!(
        reply["kind"] == "answer" || reply["kind"] == "clarify",
        "{reply}"
    );
}

/// The accessibility statement lists every check of web/accessibility.json (the file CI holds to
/// the browser tests), names the tenant's contact for reporting barriers, and is linked from the
/// full-page chat.
#[tokio::test]
async fn accessibility_statement_is_generated_from_the_checks() {
    let r = test_router().await;
    let statement: serde_json::Value =
        serde_json::from_str(include_str!("../../../../web/accessibility.json"))
            .expect("web/accessibility.json is JSON");
    let (status, _, _, text) = send(&r, get("/t/demo/barrierefreiheit")).await;
    assert_eq!(status, StatusCode::OK);
    let checks = statement["checks"].as_array().expect("checks");
    assert!(!checks.is_empty());
    for check in checks {
        let said = check["text"].as_str().expect("text");
        // askama escapes quotes; the check texts use German quotation marks, which stay as they are.
        assert!(text.contains(said), "statement misses {said:?}");
    }
    for limit in statement["limits"].as_array().expect("limits") {
        assert!(text.contains(limit.as_str().expect("limit")), "{limit}");
    }
    assert!(text.contains("teilweise vereinbar"), "{text}");
    assert!(text.contains("Kommunales Jobcenter Musterkreis"), "{text}");
    assert!(text.contains("mailto:"), "the contact for barriers: {text}");
    let (_, _, _, chat) = send(&r, get("/t/demo")).await;
    assert!(chat.contains("href=\"/t/demo/barrierefreiheit\""), "{chat}");
    let (status, _, body, _) = send(&r, get("/t/nope/barrierefreiheit")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// The widget's config names the languages the job centre offers (all until it chooses) and its
/// logo once it has one.
#[tokio::test]
async fn widget_config_offers_the_tenants_languages_and_logo() {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    let app = app_with(config).await;
    let r = router(AppState::new(app.clone(), None));
    let (status, _, body, _) = send(&r, get("/api/v1/tenants/demo/config")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["languages"],
        json!(["de", "de-x-ls", "en", "uk", "ru", "ar", "fa", "tr"])
    );
    assert!(body.get("logo_url").is_none(), "{body}");

    app.db()
        .set_tenant_settings("demo", &json!({"languages": ["tr", "en"]}))
        .await
        .expect("settings");
    let mut vars = app.db().variables("demo").await.expect("vars");
    vars.insert("widget.logo".into(), "/assets/logo.svg".into());
    app.db().set_variables("demo", &vars).await.expect("vars");
    app.reload_tenant("demo").await.expect("reload");
    let (_, _, body, _) = send(&r, get("/api/v1/tenants/demo/config")).await;
    assert_eq!(
        body["languages"],
        json!(["de", "en", "tr"]),
        "German first, then in the switch's order"
    );
    assert_eq!(body["logo_url"], "/assets/logo.svg");
}
