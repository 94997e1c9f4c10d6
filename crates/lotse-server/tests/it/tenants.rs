//! Many job centres on one platform, over HTTP: the three-tenant scenario (a shared base, two
//! job centres with their own contact data, an override, a hidden answer, an own answer),
//! isolation of every staff and public route against a foreign tenant's ids, suspension, and
//! the platform and shared-knowledge pages.

use std::collections::{BTreeSet, HashMap};

use axum::Router;
use axum::http::StatusCode;
use lotse_app::{App, Config, Role};
use lotse_core::content::{Answer, Status};
use serde_json::{Value, json};

use super::admin::{PW, Session, form, get_with, hidden_csrf, login, try_login};
use super::{get, post_json, send};

/// The shared base's answers; every text uses the subscriber's placeholders.
fn base_answers() -> Vec<Answer> {
    let a = |id: &str, title: &str, questions: &[&str], body: &str| {
        Answer::new(
            id,
            title,
            vec!["antrag-erstantrag".into()],
            questions.iter().map(|q| (*q).to_owned()).collect(),
            body,
        )
    };
    vec![
        a(
            "antrag-stellen",
            "Antrag stellen",
            &[
                "Wie stelle ich einen Antrag auf Bürgergeld?",
                "Wo beantrage ich Grundsicherung?",
                "Antrag auf Leistungen stellen",
            ],
            "Den Antrag stellen Sie bei {{jobcenter.name}}, Telefon {{jobcenter.telefon}}.",
        ),
        a(
            "umzug-melden",
            "Umzug melden",
            &[
                "Ich ziehe um, was muss ich tun?",
                "Umzug dem Amt mitteilen",
                "Neue Wohnung melden",
            ],
            "Melden Sie den Umzug vorher bei {{jobcenter.name}}, Telefon {{jobcenter.telefon}}.",
        ),
        a(
            "kontakt-zeiten",
            "Wann haben Sie geöffnet?",
            &[
                "Wann hat das Jobcenter offen?",
                "Öffnungszeiten des Amtes",
                "Wann kann ich vorbeikommen?",
            ],
            "Rufen Sie uns an: {{jobcenter.telefon}}.",
        ),
    ]
}

/// Three tenants: `zentral` maintains the shared base; `kassel` subscribes, hides
/// `umzug-melden` and overrides `kontakt-zeiten`; `fulda` subscribes and has an own answer.
/// Staff: an admin of each (the one of `zentral` with the platform-admin right).
async fn scenario() -> (Router, App) {
    let db = lotse_store::testing::database().await;
    let mut config = Config::default();
    config.rate_limit.enabled = false;
    config.embeddings.enabled = false;
    let app = App::new(db, config).await.expect("app");
    for (id, phone) in [
        ("zentral", "0611 000"),
        ("kassel", "0561 111"),
        ("fulda", "0661 222"),
    ] {
        app.create_tenant(id, &format!("Jobcenter {id}"))
            .await
            .expect("tenant");
        let vars = HashMap::from([
            ("jobcenter.name".to_owned(), format!("Jobcenter {id}")),
            ("jobcenter.telefon".to_owned(), phone.to_owned()),
        ]);
        app.db().set_variables(id, &vars).await.expect("vars");
        app.add_user(id, &format!("admin@{id}.example"), Role::Admin, Some(PW))
            .await
            .expect("admin");
    }
    app.set_platform_admin("zentral", "admin@zentral.example", true)
        .await
        .expect("platform admin");
    app.save_answers("zentral", &base_answers(), "zentrale")
        .await
        .expect("base");
    app.set_subscription("kassel", Some("zentral"), "test")
        .await
        .expect("kassel subscribes");
    app.set_subscription("fulda", Some("zentral"), "test")
        .await
        .expect("fulda subscribes");
    let own = Answer::new(
        "fulda-eigen",
        "Nur in Fulda: Stadtpass",
        vec!["antrag-erstantrag".into()],
        vec![
            "Wo bekomme ich den Fulda-Pass?".into(),
            "Stadtpass Fulda beantragen".into(),
        ],
        "Den Fulda-Pass gibt es im Bürgerbüro. Fragen: {{jobcenter.telefon}}.",
    );
    app.save_answers("fulda", &[own], "fulda")
        .await
        .expect("own");
    (
        lotse_server::router(lotse_server::AppState::new(app.clone(), None)),
        app,
    )
}

/// Kassel's staff hide and override through the shared-knowledge page.
async fn kassel_decides(r: &Router, app: &App) -> Session {
    let s = login(r, "admin@kassel.example").await;
    for (action, id) in [("hide", "umzug-melden"), ("override", "kontakt-zeiten")] {
        let (status, _, _, body) = send(
            r,
            form(
                "/admin/gemeinsam",
                &s.cookie,
                &[("csrf", &s.csrf), ("action", action), ("id", id)],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{action}: {body}");
    }
    // The override is a draft: kassel's staff edit and publish it like any answer.
    let (mut own, head) = app
        .answer_for_edit("kassel", "kontakt-zeiten")
        .await
        .expect("override draft");
    own.body =
        "Kassel hat Montag bis Freitag von 8 bis 12 Uhr geöffnet. Telefon {{jobcenter.telefon}}."
            .into();
    own.questions
        .push("Wann ist das Jobcenter Kassel geöffnet?".into());
    let body = json!({
        "answer": own,
        "action": "publish",
        "base_version": head.version,
        "confirm": true,
    });
    let (status, _, reply, _) = send(
        r,
        axum::http::Request::post("/api/v1/admin/answers/kontakt-zeiten")
            .header("content-type", "application/json")
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .body(axum::body::Body::from(body.to_string()))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    app.settle().await;
    s
}

async fn answer(r: &Router, tenant: &str, id: &str) -> (StatusCode, Value) {
    let (status, _, body, _) =
        send(r, get(&format!("/api/v1/tenants/{tenant}/answers/{id}"))).await;
    (status, body)
}

async fn ask(r: &Router, tenant: &str, question: &str) -> Value {
    let body = json!({ "text": question }).to_string();
    let (status, _, reply, _) = send(
        r,
        post_json(&format!("/api/v1/tenants/{tenant}/ask"), &body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    reply
}

#[tokio::test]
async fn each_job_centre_gives_exactly_its_content_with_its_own_placeholders() {
    let (r, app) = scenario().await;
    kassel_decides(&r, &app).await;
    let all = [
        "antrag-stellen",
        "umzug-melden",
        "kontakt-zeiten",
        "fulda-eigen",
    ];
    let expected: [(&str, &[&str], &str); 3] = [
        (
            "zentral",
            &["antrag-stellen", "umzug-melden", "kontakt-zeiten"],
            "0611 000",
        ),
        ("kassel", &["antrag-stellen", "kontakt-zeiten"], "0561 111"),
        (
            "fulda",
            &[
                "antrag-stellen",
                "umzug-melden",
                "kontakt-zeiten",
                "fulda-eigen",
            ],
            "0661 222",
        ),
    ];
    let phones = ["0611 000", "0561 111", "0661 222"];
    for (tenant, ids, phone) in expected {
        let mut got = BTreeSet::new();
        for id in all {
            let (status, body) = answer(&r, tenant, id).await;
            match status {
                StatusCode::OK => {
                    got.insert(id);
                    let text = body["answer"]["body_markdown"].as_str().expect("text");
                    assert!(text.contains(phone), "{tenant}/{id}: {text}");
                    for other in phones.iter().filter(|p| **p != phone) {
                        assert!(!text.contains(other), "{tenant}/{id} shows {other}");
                    }
                    assert!(!text.contains("{{"), "unresolved placeholder: {text}");
                }
                StatusCode::NOT_FOUND => assert_eq!(body["error"]["code"], "answer_not_found"),
                other => panic!("{tenant}/{id}: {other} {body}"),
            }
        }
        assert_eq!(got, ids.iter().copied().collect(), "{tenant}");
    }
    // The override in Kassel, the shared original in Fulda.
    let (_, kassel) = answer(&r, "kassel", "kontakt-zeiten").await;
    assert!(
        kassel["answer"]["body_markdown"]
            .as_str()
            .expect("t")
            .starts_with("Kassel hat")
    );
    let (_, fulda) = answer(&r, "fulda", "kontakt-zeiten").await;
    assert!(
        fulda["answer"]["body_markdown"]
            .as_str()
            .expect("t")
            .starts_with("Rufen Sie")
    );

    // Questions: the hidden answer is not given in Kassel, the override's added variant works,
    // and the own answer exists only in Fulda.
    let reply = ask(&r, "fulda", "Ich ziehe um, was muss ich tun?").await;
    assert_eq!(reply["answer"]["id"], "umzug-melden", "{reply}");
    let reply = ask(&r, "kassel", "Ich ziehe um, was muss ich tun?").await;
    assert_ne!(reply["answer"]["id"], "umzug-melden", "{reply}");
    let reply = ask(&r, "kassel", "Wann ist das Jobcenter Kassel geöffnet?").await;
    assert_eq!(reply["answer"]["id"], "kontakt-zeiten", "{reply}");
    assert!(
        reply["answer"]["body_markdown"]
            .as_str()
            .expect("t")
            .contains("0561 111")
    );
    let reply = ask(&r, "fulda", "Wo bekomme ich den Fulda-Pass?").await;
    assert_eq!(reply["answer"]["id"], "fulda-eigen", "{reply}");
    for tenant in ["kassel", "zentral"] {
        let reply = ask(&r, tenant, "Wo bekomme ich den Fulda-Pass?").await;
        assert_ne!(reply["answer"]["id"], "fulda-eigen", "{tenant}: {reply}");
    }

    // The base publishes a change: both subscribers get it; Kassel's override is flagged.
    let mut changed = base_answers();
    changed.truncate(1);
    changed[0].body =
        "Neu: Antrag bei {{jobcenter.name}} ({{jobcenter.telefon}}) auch online.".into();
    let mut contact = base_answers()[2].clone();
    contact.body = "Neu: {{jobcenter.telefon}}, auch per E-Mail.".into();
    changed.push(contact);
    app.save_answers("zentral", &changed, "zentrale")
        .await
        .expect("publish");
    app.settle().await;
    for (tenant, phone) in [("kassel", "0561 111"), ("fulda", "0661 222")] {
        let (_, body) = answer(&r, tenant, "antrag-stellen").await;
        let text = body["answer"]["body_markdown"].as_str().expect("t");
        assert!(
            text.starts_with("Neu:") && text.contains(phone),
            "{tenant}: {text}"
        );
    }
    let (_, kassel) = answer(&r, "kassel", "kontakt-zeiten").await;
    assert!(
        kassel["answer"]["body_markdown"]
            .as_str()
            .expect("t")
            .starts_with("Kassel hat")
    );
    let s = login(&r, "admin@kassel.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/gemeinsam", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("2 Änderungen seit Ihrem letzten Blick"),
        "{html}"
    );
    assert!(html.contains("1 eigene Fassungen zu prüfen"));
    assert!(html.contains("Original geändert, bitte prüfen"));
}

#[tokio::test]
async fn nothing_of_one_job_centre_is_reachable_by_another_s_staff_or_citizens() {
    let (r, app) = scenario().await;
    // A question in Fulda, so Fulda has a message (and an inbox entry) to aim at.
    let fulda_msg = ask(&r, "fulda", "Gibt es einen Zuschuss für Brillen?").await;
    let message_id = fulda_msg["message_id"].as_str().expect("id").to_owned();
    app.flush().await;
    let s = login(&r, "admin@kassel.example").await;

    // Staff pages and API with Fulda's answer id, versions, message ids and accounts.
    for page in [
        "/admin/antworten/fulda-eigen",
        "/admin/antworten/fulda-eigen/verlauf",
        "/api/v1/admin/answers/fulda-eigen",
        "/api/v1/admin/answers/fulda-eigen/impact",
    ] {
        let (status, _, _, text) = send(&r, get_with(page, &s.cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
        assert!(!text.contains("Fulda-Pass"), "{page}");
    }
    let posts: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "/admin/antworten/fulda-eigen/verlauf/1/wiederherstellen",
            vec![],
        ),
        (
            "/admin/benutzer",
            vec![("action", "reset"), ("email", "admin@fulda.example")],
        ),
        (
            "/admin/benutzer",
            vec![
                ("action", "delete"),
                ("email", "admin@fulda.example"),
                ("confirm", "1"),
            ],
        ),
        (
            "/admin/gemeinsam",
            vec![("action", "reviewed"), ("id", "fulda-eigen")],
        ),
    ];
    for (uri, fields) in posts {
        let mut fields = fields;
        fields.push(("csrf", &s.csrf));
        let (status, _, _, _) = send(&r, form(uri, &s.cookie, &fields)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri} {fields:?}");
    }
    let api = |uri: &str, body: Value| {
        axum::http::Request::post(uri)
            .header("content-type", "application/json")
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .body(axum::body::Body::from(body.to_string()))
            .expect("request")
    };
    let own = json!({"answer": {"id": "fulda-eigen", "title": "x", "topics": ["antrag-erstantrag"], "body": "x"}, "action": "publish"});
    for (uri, body) in [
        ("/api/v1/admin/answers/fulda-eigen", own.clone()),
        (
            "/api/v1/admin/inbox/assign",
            json!({"message_ids": [message_id], "answer_id": "antrag-stellen"}),
        ),
        (
            "/api/v1/admin/inbox/dismiss",
            json!({"message_ids": [message_id]}),
        ),
        (
            "/api/v1/admin/inbox/out-of-scope",
            json!({"message_ids": [message_id]}),
        ),
    ] {
        let (status, _, reply, _) = send(&r, api(uri, body)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {reply}");
    }
    // A preview of publishing an answer with that id is about a new answer of Kassel's own.
    let (status, _, reply, _) = send(
        &r,
        api(
            "/api/v1/admin/answers/fulda-eigen/impact",
            json!({"answer": own["answer"]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["version"], Value::Null, "{reply}");
    // Fulda's account and answer are untouched; its question is still open in its inbox.
    app.db()
        .user("fulda", "admin@fulda.example")
        .await
        .expect("account kept");
    assert_eq!(
        app.history("fulda", "fulda-eigen").await.expect("h").len(),
        1
    );
    let inbox = app.db().inbox("fulda", 100).await.expect("inbox");
    assert!(
        inbox.iter().any(|i| i.message_id == message_id),
        "still open"
    );
    // Lists and pages do not show Fulda's content.
    for page in [
        "/admin/antworten?q=Fulda",
        "/admin/eingang",
        "/admin/protokoll",
        "/admin/benutzer",
        "/admin/dashboard",
    ] {
        let (status, _, _, html) = send(&r, get_with(page, &s.cookie)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            !html.contains("fulda-eigen") && !html.contains("admin@fulda"),
            "{page}"
        );
    }
    // Kassel's staff cannot act on the platform.
    let (status, _, _, _) = send(&r, get_with("/admin/plattform", &s.cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Citizens: Fulda's answer and message through Kassel's routes.
    let (status, body) = answer(&r, "kassel", "fulda-eigen").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let fb = json!({"message_id": message_id, "helpful": false}).to_string();
    let (status, _, body, _) = send(&r, post_json("/api/v1/tenants/kassel/feedback", &fb)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "message_not_found");
    // Continuing Fulda's conversation in Kassel starts a new one there.
    let conv = fulda_msg["conversation_id"].as_str().expect("conv");
    let body = json!({"text": "Antrag stellen", "conversation_id": conv}).to_string();
    let (_, _, reply, _) = send(&r, post_json("/api/v1/tenants/kassel/ask", &body)).await;
    app.flush().await;
    let kassel_messages = app.db().messages("kassel", 10).await.expect("messages");
    let fulda_messages = app.db().messages("fulda", 10).await.expect("messages");
    assert_eq!(fulda_messages.len(), 1, "nothing added to Fulda: {reply}");
    assert!(kassel_messages.iter().all(|m| m.tenant_id == "kassel"));
    // An unknown tenant is 404 on every public route.
    for uri in [
        "/api/v1/tenants/nirgendwo/config",
        "/t/nirgendwo",
        "/t/nirgendwo/statistik",
        "/t/nirgendwo/datenschutz",
    ] {
        let (status, _, _, _) = send(&r, get(uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn a_suspended_job_centre_answers_with_a_clear_error_and_its_staff_cannot_sign_in() {
    let (r, _app) = scenario().await;
    let platform = login(&r, "admin@zentral.example").await;
    let kassel = login(&r, "admin@kassel.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/plattform", &platform.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("kassel") && html.contains("fulda"));
    let (status, _, _, _) = send(
        &r,
        form(
            "/admin/plattform",
            &platform.cookie,
            &[
                ("csrf", &platform.csrf),
                ("action", "suspend"),
                ("id", "kassel"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let body = json!({"text": "Antrag stellen"}).to_string();
    let (status, _, reply, _) = send(&r, post_json("/api/v1/tenants/kassel/ask", &body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
    assert_eq!(reply["error"]["code"], "tenant_suspended");
    assert!(
        reply["error"]["message"]
            .as_str()
            .expect("m")
            .contains("gesperrt")
    );
    for uri in [
        "/api/v1/tenants/kassel/config",
        "/api/v1/tenants/kassel/answers/antrag-stellen",
    ] {
        let (status, _, reply, _) = send(&r, get(uri)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(reply["error"]["code"], "tenant_suspended");
    }
    let (status, _, _, html) = send(&r, get("/t/kassel")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("gesperrt"));
    // Its staff: the session is gone, a new sign-in is refused.
    let (status, _, _, _) = send(&r, get_with("/api/v1/admin/me", &kassel.cookie)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, html) = try_login(&r, "admin@kassel.example", PW).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    // Fulda is unaffected; resuming brings Kassel back.
    ask(&r, "fulda", "Antrag stellen").await;
    let (status, _, _, _) = send(
        &r,
        form(
            "/admin/plattform",
            &platform.cookie,
            &[
                ("csrf", &platform.csrf),
                ("action", "resume"),
                ("id", "kassel"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    ask(&r, "kassel", "Antrag stellen").await;
}

#[tokio::test]
async fn platform_admins_create_rename_and_delete_tenants_with_a_typed_confirmation() {
    let (r, app) = scenario().await;
    let s = login(&r, "admin@zentral.example").await;
    let post = |fields: &[(&str, &str)]| {
        let mut all = vec![("csrf", s.csrf.as_str())];
        all.extend_from_slice(fields);
        form("/admin/plattform", &s.cookie, &all)
    };
    let (status, _, _, _) = send(
        &r,
        post(&[
            ("action", "create"),
            ("id", "giessen"),
            ("name", "Jobcenter Gießen"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _, html) = send(
        &r,
        post(&[("action", "create"), ("id", "Gießen!"), ("name", "x")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Die Kennung besteht aus"), "{html}");
    let (status, _, _, html) = send(
        &r,
        post(&[("action", "rename"), ("id", "giessen"), ("name", "  ")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("1 bis 200 Zeichen"));
    let (status, _, _, _) = send(
        &r,
        post(&[
            ("action", "rename"),
            ("id", "giessen"),
            ("name", "Kreisjobcenter Gießen"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db().tenant("giessen").await.expect("t").name,
        "Kreisjobcenter Gießen"
    );

    // Deleting asks first, refuses a wrong confirmation and the platform admin's own tenant
    // (a base with subscribers is refused too: see lotse-app's tests).
    let (status, _, _, html) = send(&r, post(&[("action", "delete"), ("id", "fulda")])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Zur Bestätigung die Kennung"));
    let csrf = hidden_csrf(&html);
    assert_eq!(csrf, s.csrf);
    let (status, _, _, html) = send(
        &r,
        post(&[("action", "delete"), ("id", "fulda"), ("confirm", "fuld")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("genau eintippen"));
    let (status, _, _, html) = send(
        &r,
        post(&[
            ("action", "delete"),
            ("id", "zentral"),
            ("confirm", "zentral"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("eigene Jobcenter"), "{html}");
    let (status, _, _, _) = send(
        &r,
        post(&[("action", "delete"), ("id", "fulda"), ("confirm", "fulda")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = answer(&r, "fulda", "antrag-stellen").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    for (table, n) in app.db().tenant_row_counts("fulda").await.expect("counts") {
        assert_eq!(n, 0, "{table}");
    }
    let (_, _, _, html) = send(&r, get_with("/admin/protokoll", &s.cookie)).await;
    assert!(html.contains("tenant.delete") && html.contains("tenant.create"));
}

/// Creating a tenant with a taken id names the id on the page (it said only "Das gibt es
/// bereits.", which left open what exists) and changes nothing.
#[tokio::test]
async fn a_taken_tenant_id_is_named_in_the_platform_page_error() {
    let (r, app) = scenario().await;
    let s = login(&r, "admin@zentral.example").await;
    let (status, _, _, html) = send(
        &r,
        form(
            "/admin/plattform",
            &s.cookie,
            &[
                ("csrf", &s.csrf),
                ("action", "create"),
                ("id", "kassel"),
                ("name", "Noch ein Kassel"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Ein Jobcenter mit der Kennung kassel gibt es bereits."),
        "{html}"
    );
    assert_eq!(
        app.db().tenant("kassel").await.expect("t").name,
        "Jobcenter kassel"
    );
}

/// Browsers compile a `pattern` attribute with the `v` flag, where an unescaped `-` at the edge
/// of a character class is a syntax error: the browser then ignores the pattern and sends any
/// id (the platform page's id field had `[a-z0-9-]`, found by tests/browser/platform.test.mjs).
#[tokio::test]
async fn the_platform_page_s_id_pattern_is_one_browsers_can_check() {
    let (r, _app) = scenario().await;
    let s = login(&r, "admin@zentral.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/plattform", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let patterns: Vec<&str> = html
        .split("pattern=\"")
        .skip(1)
        .filter_map(|p| p.split('"').next())
        .collect();
    assert!(!patterns.is_empty(), "{html}");
    for p in patterns {
        let bare = p.replace("\\-", "");
        assert!(
            !bare.contains("-]") && !bare.contains("[-"),
            "pattern {p:?} is invalid with the v flag: escape the '-'"
        );
    }
}

#[tokio::test]
async fn staff_adopt_an_answer_of_another_job_centre_as_a_draft() {
    let (r, app) = scenario().await;
    let s = login(&r, "admin@kassel.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/uebernehmen?von=fulda", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("fulda-eigen"));
    let (status, headers, _, _) = send(
        &r,
        form(
            "/admin/uebernehmen",
            &s.cookie,
            &[("csrf", &s.csrf), ("from", "fulda"), ("id", "fulda-eigen")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        super::admin::location(&headers),
        "/admin/antworten/fulda-eigen"
    );
    let (copy, _) = app
        .answer_for_edit("kassel", "fulda-eigen")
        .await
        .expect("copy");
    assert_eq!(copy.status, Status::Draft);
    // Not yet online in Kassel; unknown tenants and answers are 404.
    let (status, _) = answer(&r, "kassel", "fulda-eigen").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _, _) = send(&r, get_with("/admin/uebernehmen?von=nirgendwo", &s.cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn settings_fill_the_placeholders_and_every_field_is_checked() {
    let (r, app) = scenario().await;
    let s = login(&r, "admin@kassel.example").await;
    let (status, _, _, html) = send(&r, get_with("/admin/einstellungen", &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("value=\"0561 111\""),
        "the phone number is shown"
    );

    let bad = [
        ("phone", "bitte anrufen"),
        ("email", "kein-at-zeichen"),
        ("upload_url", "javascript:alert(1)"),
        ("color", "rot"),
        ("hours_mo", "8 bis 12"),
        ("closed_days", "24.12.2026"),
        ("allowed_origins", "https://jobcenter.example/pfad"),
        ("retention_days", "0"),
        ("name", ""),
        ("languages", "xx"),
    ];
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &s.csrf), ("languages_shown", "1")];
    fields.extend(bad);
    let (status, _, _, html) = send(&r, form("/admin/einstellungen", &s.cookie, &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(&format!("Bitte korrigieren Sie {} Angaben", bad.len())),
        "{html}"
    );
    for sentence in [
        "Telefonnummer",
        "E-Mail-Adresse",
        "https://",
        "#RRGGBB",
        "Zeitspanne",
        "JJJJ-MM-TT",
        "ohne Pfad",
        "1 bis 3650",
        "1 bis 200 Zeichen",
        "nicht angeboten",
    ] {
        assert!(html.contains(sentence), "{sentence}");
    }
    assert_eq!(
        app.db().variables("kassel").await.expect("v")["jobcenter.telefon"],
        "0561 111",
        "nothing saved"
    );

    let good = [
        ("csrf", s.csrf.as_str()),
        ("name", "Jobcenter Stadt Kassel"),
        ("phone", "0561 999-0"),
        ("email", "kontakt@jobcenter-kassel.example"),
        ("address", "Lutherplatz 1, 34117 Kassel"),
        ("upload_url", "https://jobcenter-kassel.example/upload"),
        ("hours_mo", "08:00-12:00"),
        ("hours_do", "08:00-12:00, 14:00-17:30"),
        ("closed_days", "2026-12-24\n2026-12-31"),
        ("allowed_origins", "https://www.kassel.example"),
        ("retention_days", "30"),
        ("languages_shown", "1"),
        ("languages", "en"),
        ("languages", "uk"),
        ("color", "#aa0000"),
    ];
    let (status, _, _, html) = send(&r, form("/admin/einstellungen", &s.cookie, &good)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, body) = answer(&r, "kassel", "antrag-stellen").await;
    let text = body["answer"]["body_markdown"].as_str().expect("t");
    assert!(
        text.contains("0561 999-0") && text.contains("Jobcenter Stadt Kassel"),
        "{text}"
    );
    let (_, _, config, _) = send(&r, get("/api/v1/tenants/kassel/config")).await;
    assert_eq!(config["color"], "#aa0000");
    assert_eq!(config["name"], "Jobcenter Stadt Kassel");
    let settings = app.db().tenant("kassel").await.expect("t").settings;
    assert_eq!(settings["retention_days"], 30);
    assert_eq!(settings["languages"], json!(["en", "uk"]));
    assert_eq!(settings["closed_days"], json!(["2026-12-24", "2026-12-31"]));
    assert_eq!(
        settings["opening_hours"]["do"],
        json!([["08:00", "12:00"], ["14:00", "17:30"]])
    );
    // The embed check: Kassel's API answers browsers only on its own sites and this server.
    let with_origin = |tenant: &str, origin: &str| {
        axum::http::Request::get(format!("/api/v1/tenants/{tenant}/config"))
            .header("origin", origin)
            .header("host", "lotse.example:8080")
            .body(axum::body::Body::empty())
            .expect("request")
    };
    for (tenant, origin, want) in [
        ("kassel", "https://www.kassel.example", StatusCode::OK),
        ("kassel", "http://lotse.example:8080", StatusCode::OK),
        ("kassel", "https://evil.example", StatusCode::FORBIDDEN),
        (
            "kassel",
            "https://www.kassel.example.evil.example",
            StatusCode::FORBIDDEN,
        ),
        ("fulda", "https://evil.example", StatusCode::OK),
    ] {
        let (status, _, body, _) = send(&r, with_origin(tenant, origin)).await;
        assert_eq!(status, want, "{tenant} {origin}: {body}");
        if want == StatusCode::FORBIDDEN {
            assert_eq!(body["error"]["code"], "origin_not_allowed");
        }
    }
    // Fulda is untouched.
    assert_eq!(
        app.db().variables("fulda").await.expect("v")["jobcenter.telefon"],
        "0661 222"
    );

    // The fallback tells whether the job centre is open now (Kassel has hours, Fulda none).
    let reply = ask(&r, "kassel", "Qwertzuiop asdfgh?").await;
    assert_eq!(reply["kind"], "fallback", "{reply}");
    let text = reply["answer"]["body_markdown"].as_str().expect("t");
    assert!(
        text.contains("Jetzt geöffnet bis") || text.contains("Jetzt geschlossen"),
        "{text}"
    );
    assert!(
        text.contains("Montag 8–12 Uhr"),
        "the summary fills the opening hours: {text}"
    );
    assert!(!text.contains("{{"), "{text}");
    let reply = ask(&r, "fulda", "Qwertzuiop asdfgh?").await;
    let text = reply["answer"]["body_markdown"].as_str().expect("t");
    assert!(
        !text.contains("Jetzt ge") && !text.contains("{{jobcenter.oeffnungsstatus"),
        "{text}"
    );
}
