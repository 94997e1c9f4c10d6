//! The public transparency page: counts only, no question text, 404 for unknown tenants.

use axum::http::StatusCode;
use lotse_app::Config;
use lotse_server::{AppState, router};

use crate::{app_with, get, send};

const SECRET_QUESTION: &str = "Xylophon Quadratwurzel Gurkensalat";

#[tokio::test]
async fn statistik_shows_counts_and_topics_but_no_question_text() {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    let app = app_with(config).await;
    let regelsatz = "Wie hoch ist der Regelsatz?";
    let mut answer_id = None;
    for _ in 0..5 {
        let r = app.ask("demo", regelsatz, None).expect("ask");
        answer_id = r.answer.map(|a| a.id);
    }
    app.ask("demo", SECRET_QUESTION, None).expect("ask");
    app.flush().await;
    let r = router(AppState::new(app.clone(), None));

    let (status, headers, _, body) = send(&r, get("/t/demo/statistik")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/html")),
        "{headers:?}"
    );
    assert!(body.contains("<html lang=\"de\">"));
    assert!(
        body.contains("<svg") && body.contains("role=\"img\""),
        "{body}"
    );
    assert!(!body.contains("<script"), "no scripts on the page");
    assert!(body.contains("<strong>6</strong> Fragen"), "{body}");
    assert!(
        body.contains("<strong>83 %</strong>"),
        "5 of 6 answered: {body}"
    );
    // The Regelsatz answer's topic was asked 5 times: it is shown, by its German title.
    let kb = app.kb("demo").expect("kb");
    let id = answer_id.expect("answered");
    let topic = &kb.views[kb.by_id[&id]].topics[0];
    let title = lotse_app::stats::topic_titles()[topic].clone();
    let escaped = title.replace('&', "&amp;").replace('"', "&#34;");
    assert!(body.contains(&escaped), "topic {title} missing: {body}");
    for text in [SECRET_QUESTION, "Xylophon", regelsatz, "Regelsatz?"] {
        assert!(
            !body.contains(text),
            "question text '{text}' on the public page"
        );
    }

    // An unknown job centre: a readable page with the stable code, not JSON.
    let (status, _, _, page) = send(&r, get("/t/gibt-es-nicht/statistik")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.contains("tenant_not_found") && page.contains("role=\"alert\""),
        "{page}"
    );
}

#[tokio::test]
async fn statistik_hides_rare_topics() {
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    let app = app_with(config).await;
    app.ask("demo", "Wie hoch ist der Regelsatz?", None)
        .expect("ask");
    app.flush().await;
    let r = router(AppState::new(app, None));
    let (status, _, _, body) = send(&r, get("/t/demo/statistik")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Noch zu wenige Fragen"),
        "a topic asked once is not shown: {body}"
    );
}
