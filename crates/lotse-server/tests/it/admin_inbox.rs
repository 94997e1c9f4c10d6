//! The inbox over HTTP: the page and its forms, the JSON API, CSRF, roles, tenant isolation,
//! and the "done means" test of issue 4: an assignment answers the very next citizen.

use axum::Router;
use axum::http::{StatusCode, header};
use lotse_app::App;
use serde_json::{Value, json};

use super::admin::{Session, default_setup, form, get_with, location, login};
use super::{post_json, send};

// A topic no knowledge base covers (docs/style.md): the vet's bill ends as a clarify far below
// the answer threshold, whatever the shipped content learns next; an editor decides that the
// answer on one-off needs is the place for it.
const CLARIFY: &str = "Zahlt das Jobcenter den Tierarzt für meinen Hund?";
const CLARIFY_2: &str = "Zahlt das Jobcenter den Tierarzt für meine Katze?";
const SIMILAR: &str = "Zahlt das Jobcenter auch den Tierarzt für mein Kaninchen?";
const FALLBACK: &str = "Xylophon Quadratwurzel Gurkensalat";
const VET_ANSWER: &str = "einmalige-leistungen-sonderbedarf";

/// Asks as a citizen over the public API; returns the reply.
async fn ask(r: &Router, question: &str) -> Value {
    let body = json!({ "text": question }).to_string();
    let (status, _, reply, _) = send(r, post_json("/api/v1/tenants/demo/ask", &body)).await;
    assert_eq!(status, StatusCode::OK);
    reply
}

/// Citizens ask two phrasings of the vet question and one nonsense question.
async fn fill_inbox(r: &Router, app: &App) {
    for q in [CLARIFY, CLARIFY_2, FALLBACK] {
        ask(r, q).await;
    }
    app.flush().await;
}

/// The message ids of the inbox cluster whose questions mention the vet.
async fn ticket_ids(app: &App) -> Vec<String> {
    let inbox = app.inbox("demo").await.expect("inbox");
    inbox
        .clusters
        .iter()
        .find(|c| c.representative.contains("Tierarzt"))
        .expect("vet cluster")
        .questions
        .iter()
        .map(|q| q.message_id.clone())
        .collect()
}

fn inbox_form(
    s: &Session,
    csrf: Option<&str>,
    ids: &[String],
    extra: &[(&str, &str)],
) -> axum::http::Request<axum::body::Body> {
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|id| ("m", id.as_str())).collect();
    fields.extend_from_slice(extra);
    if let Some(c) = csrf {
        fields.push(("csrf", c));
    }
    form("/admin/eingang", &s.cookie, &fields)
}

fn api_post(
    s: &Session,
    uri: &str,
    body: &Value,
    csrf: Option<&str>,
) -> axum::http::Request<axum::body::Body> {
    let mut req = post_json(uri, &body.to_string());
    req.headers_mut()
        .insert(header::COOKIE, s.cookie.parse().expect("cookie"));
    if let Some(c) = csrf {
        req.headers_mut()
            .insert("x-csrf-token", c.parse().expect("csrf"));
    }
    req
}

#[tokio::test]
async fn the_inbox_page_shows_clusters_with_counts_and_suggestions() {
    let (r, app) = default_setup().await;
    fill_inbox(&r, &app).await;
    let s = login(&r, "editor@demo.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/eingang", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<a href=\"/admin/eingang\" aria-current=\"page\">Eingang</a>"));
    assert!(html.contains("3 offene Fragen in 2 Gruppen"), "{html}");
    assert!(
        html.contains("2 Fragen</span>"),
        "the vet cluster counts both phrasings"
    );
    let vet = html.find("Tierarzt").expect("vet cluster");
    let nonsense = html.find(FALLBACK).expect("fallback question");
    assert!(vet < nonsense, "largest cluster first");
    // The engine's suggestions for the cluster are offered as choices.
    let inbox = app.inbox("demo").await.expect("inbox");
    let suggested = &inbox.clusters[0].suggestions[0].id;
    assert!(
        html.contains(&format!("value=\"{suggested}\"")),
        "suggestion {suggested}"
    );
    assert!(html.contains("Zuerst gefragt:") && html.contains("Rückfrage"));
    assert!(html.contains("value=\"assign\"") && html.contains("name=\"csrf\""));

    let viewer = login(&r, "viewer@demo.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/eingang", &viewer.cookie)).await;
    assert_eq!(status, StatusCode::OK, "viewers may look");
    assert!(
        !html.contains("value=\"assign\""),
        "but get no action buttons"
    );

    for cookie in ["", "lotse_admin=gefälscht"] {
        let (status, headers, _, _) = send(&r, get_with("/admin/eingang", cookie)).await;
        assert_eq!(
            (status, location(&headers)),
            (StatusCode::SEE_OTHER, "/admin/login")
        );
        let (status, _, _, _) = send(&r, get_with("/api/v1/admin/inbox", cookie)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn assigning_an_inbox_question_answers_the_very_next_citizen() {
    let (r, app) = default_setup().await;
    assert_eq!(ask(&r, CLARIFY).await["kind"], "clarify");
    app.flush().await;
    let s = login(&r, "editor@demo.example").await;
    let ids = ticket_ids(&app).await;

    let started = std::time::Instant::now();
    let req = inbox_form(
        &s,
        Some(&s.csrf),
        &ids,
        &[("answer", VET_ANSWER), ("action", "assign")],
    );
    let (status, headers, _, _) = send(&r, req).await;
    let reply = ask(&r, CLARIFY).await;
    // SPEC §4 asks for under 1 s. Measured and printed, not asserted: no timing thresholds in
    // tests (they flake on a busy machine).
    eprintln!(
        "inbox assign → first correct citizen reply: {:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).starts_with("/admin/eingang?ok=assign&n=1"));
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert_eq!(reply["answer"]["id"], VET_ANSWER);
    // Similar questions follow when the rebuilt index is swapped in (in the background).
    app.settle().await;
    let similar = ask(&r, SIMILAR).await;
    eprintln!(
        "inbox assign → similar question answered from the rebuilt index: {:?}",
        started.elapsed()
    );
    assert_eq!(
        (similar["kind"].as_str(), similar["answer"]["id"].as_str()),
        (Some("answer"), Some(VET_ANSWER)),
        "a similar question too: {similar}"
    );

    let (_, _, _, html) = send(&r, get_with(location(&headers), &s.cookie)).await;
    assert!(
        html.contains("zugeordnet") && html.contains("role=\"status\""),
        "{html}"
    );
    assert!(
        !html.contains(&format!("value=\"{}\"", ids[0])),
        "the question left the inbox"
    );
}

#[tokio::test]
async fn inbox_actions_need_csrf_an_editor_and_the_own_tenant() {
    let (r, app) = default_setup().await;
    fill_inbox(&r, &app).await;
    let ids = ticket_ids(&app).await;
    let assign = [("answer", VET_ANSWER), ("action", "assign")];

    let editor = login(&r, "editor@demo.example").await;
    for csrf in [None, Some("0".repeat(64))] {
        let (status, _, _, _) = send(&r, inbox_form(&editor, csrf.as_deref(), &ids, &assign)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _, err, _) = send(
        &r,
        api_post(
            &editor,
            "/api/v1/admin/inbox/dismiss",
            &json!({"message_ids": ids}),
            None,
        ),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf_failed"))
    );

    let viewer = login(&r, "viewer@demo.example").await;
    let (status, _, _, _) = send(&r, inbox_form(&viewer, Some(&viewer.csrf), &ids, &assign)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers cannot act");
    let (status, _, err, _) = send(
        &r,
        api_post(
            &viewer,
            "/api/v1/admin/inbox/dismiss",
            &json!({"message_ids": ids}),
            Some(&viewer.csrf),
        ),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    let other = login(&r, "editor@b.example").await;
    let (status, _, _, _) = send(&r, inbox_form(&other, Some(&other.csrf), &ids, &assign)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "tenant B cannot name A's questions"
    );
    let (status, _, _, _) = send(
        &r,
        api_post(
            &other,
            "/api/v1/admin/inbox/dismiss",
            &json!({"message_ids": ids}),
            Some(&other.csrf),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, inbox_b, _) = send(&r, get_with("/api/v1/admin/inbox", &other.cookie)).await;
    assert_eq!(inbox_b["open"], 0, "{inbox_b}");
    let (_, _, _, html_b) = send(&r, get_with("/admin/eingang", &other.cookie)).await;
    assert!(!html_b.contains("Tierarzt"));

    assert_eq!(
        app.inbox("demo").await.expect("inbox").open,
        3,
        "nothing was decided"
    );
    let (status, _, _, html) =
        send(&r, inbox_form(&editor, Some(&editor.csrf), &[], &assign)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("mindestens eine Frage"));
    let unknown = [("answer_other", "gibt-es-nicht"), ("action", "assign")];
    let req = inbox_form(&editor, Some(&editor.csrf), &ids, &unknown);
    let (status, _, _, html) = send(&r, req).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("gibt-es-nicht") && html.contains("role=\"alert\""));
    assert_eq!(app.inbox("demo").await.expect("inbox").open, 3);
}

#[tokio::test]
async fn the_json_api_lists_and_decides() {
    let (r, app) = default_setup().await;
    fill_inbox(&r, &app).await;
    let s = login(&r, "editor@demo.example").await;
    let (status, _, inbox, _) = send(&r, get_with("/api/v1/admin/inbox", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(inbox["open"], 3);
    let first = &inbox["clusters"][0];
    assert_eq!(first["count"], 2);
    assert!(first["first_seen"].as_i64() <= first["last_seen"].as_i64());
    assert!(
        first["suggestions"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(first["questions"][0]["text"].as_str().is_some());

    let nonsense = inbox["clusters"][1]["questions"][0]["message_id"].clone();
    let (status, _, done, _) = send(
        &r,
        api_post(
            &s,
            "/api/v1/admin/inbox/dismiss",
            &json!({"message_ids": [nonsense]}),
            Some(&s.csrf),
        ),
    )
    .await;
    assert_eq!(
        (status, done["questions"].as_i64()),
        (StatusCode::OK, Some(1))
    );

    let ids = ticket_ids(&app).await;
    let (status, _, draft, _) = send(
        &r,
        api_post(
            &s,
            "/api/v1/admin/inbox/draft",
            &json!({"message_ids": ids}),
            Some(&s.csrf),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["questions"].as_array().map(Vec::len), Some(2));
    let mut answer = draft.clone();
    answer["id"] = json!("tierarzt-kosten");
    answer["topics"] = json!(["einmalige-leistungen-sonderbedarf"]);
    answer["body"] = json!("Tierarztkosten …");
    let save =
        json!({"answer": answer, "action": "draft", "create": true, "inbox_message_ids": ids});
    let (status, _, saved, _) = send(
        &r,
        api_post(
            &s,
            "/api/v1/admin/answers/tierarzt-kosten",
            &save,
            Some(&s.csrf),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, _, inbox, _) = send(&r, get_with("/api/v1/admin/inbox", &s.cookie)).await;
    assert_eq!(inbox["open"], 0, "{inbox}");
}

#[tokio::test]
async fn a_new_answer_from_a_cluster_opens_the_prefilled_editor() {
    let (r, app) = default_setup().await;
    fill_inbox(&r, &app).await;
    let s = login(&r, "editor@demo.example").await;
    let ids = ticket_ids(&app).await;
    let (status, _, _, html) = send(
        &r,
        inbox_form(&s, Some(&s.csrf), &ids, &[("action", "new")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("action=\"/admin/antworten/neu\""));
    assert!(html.contains("Aus dem Eingang"));
    assert!(
        html.contains(CLARIFY) && html.contains(CLARIFY_2),
        "questions as variants"
    );
    for id in &ids {
        assert!(html.contains(&format!("name=\"inbox\" value=\"{id}\"")));
    }
    assert_eq!(
        app.inbox("demo").await.expect("inbox").open,
        3,
        "nothing saved yet"
    );

    let questions = format!("{CLARIFY}\n{CLARIFY_2}");
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &s.csrf),
        ("id", "tierarzt-kosten"),
        ("title", "Zahlt das Jobcenter den Tierarzt?"),
        ("body", "Tierarztkosten …"),
        ("questions", &questions),
        ("topics", "einmalige-leistungen-sonderbedarf"),
        ("action", "draft"),
    ];
    fields.extend(ids.iter().map(|id| ("inbox", id.as_str())));
    let (status, headers, _, body) =
        send(&r, form("/admin/antworten/neu", &s.cookie, &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        location(&headers),
        "/admin/antworten/tierarzt-kosten?ok=draft"
    );
    assert_eq!(
        app.inbox("demo").await.expect("inbox").open,
        1,
        "the cluster left the inbox"
    );
}
