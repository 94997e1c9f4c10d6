//! Workflow tests of the staff workspace over HTTP: publishing live, preview, history, the
//! test console, one-time passwords, settings and the audit log.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use lotse_app::Role;
use serde_json::json;

use super::admin::{
    PW, citizen_answer, cookie_value, default_setup, form, get_with, hidden_csrf, location, login,
    set_cookies, submit, try_login,
};
use super::{post_json, send};

#[tokio::test]
async fn a_published_edit_is_answered_to_citizens_right_away() {
    let (r, app) = default_setup().await;
    let s = login(&r, "editor@demo.example").await;
    let question = "Wer zahlt meine Mietkaution?";
    let before = citizen_answer(&r, question).await;
    let id = before["id"].as_str().expect("id").to_owned();
    let (mut answer, _) = app.answer_for_edit("demo", &id).await.expect("answer");
    answer.body =
        "Neu: Die Kaution übernimmt das Jobcenter als Darlehen. Telefon: {{jobcenter.telefon}}"
            .into();

    let (status, _, html) = submit(&r, &s, &id, &answer, "preview", Some(&s.csrf)).await;
    assert_eq!(status, StatusCode::OK);
    let phone = app.kb("demo").expect("kb").variables["jobcenter.telefon"].clone();
    assert!(
        html.contains(&format!("Telefon: {phone}")),
        "the preview resolves placeholders"
    );
    assert_eq!(
        citizen_answer(&r, question).await,
        before,
        "a preview saves nothing"
    );

    let (status, _, _) = submit(&r, &s, &id, &answer, "draft", Some(&s.csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        citizen_answer(&r, question).await,
        before,
        "a draft is not live"
    );

    let started = std::time::Instant::now();
    let (status, headers, _) = submit(&r, &s, &id, &answer, "publish", Some(&s.csrf)).await;
    assert_eq!(
        (status, location(&headers)),
        (
            StatusCode::SEE_OTHER,
            format!("/admin/antworten/{id}?ok=publish").as_str()
        )
    );
    let after = citizen_answer(&r, question).await;
    // SPEC §4: live in under 1 s. Timing is measured and printed, not asserted (no timing
    // thresholds in tests: they flake on a busy machine); docs/benchmarks.md records it.
    eprintln!(
        "publish → first citizen reply with the new text: {:?}",
        started.elapsed()
    );
    assert!(
        after["body_markdown"]
            .as_str()
            .expect("body")
            .starts_with("Neu: Die Kaution"),
        "{after}"
    );

    let (status, _, _, html) = send(
        &r,
        get_with(&format!("/admin/antworten/{id}/verlauf"), &s.cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Fassung 3")
            && html.contains("editor@demo.example")
            && html.contains("class=\"added\"")
    );
}

#[tokio::test]
async fn console_explains_and_one_time_passwords_must_be_changed() {
    let (r, app) = default_setup().await;
    let s = login(&r, "viewer@demo.example").await;
    let (status, _, _, html) = send(
        &r,
        get_with("/admin/konsole?q=Wer+zahlt+meine+Mietkaution%3F", &s.cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Rangfolge der Antworten") && html.contains("(gewählt)"),
        "{html}"
    );

    // A new answer saved as a draft: the console shows the reply before and after publishing.
    let editor = login(&r, "editor@demo.example").await;
    let fields = [
        ("csrf", editor.csrf.as_str()),
        ("id", "zauberwald"),
        ("title", "Der Zauberwald-Schalter"),
        ("body", "Den Zauberwald-Schalter gibt es im Erdgeschoss."),
        ("topics", "antrag-erstantrag"),
        (
            "questions",
            "Wo ist der Zauberwald-Schalter?\nZauberwald Schalter finden",
        ),
        ("action", "draft"),
    ];
    let (status, headers, _, body) =
        send(&r, form("/admin/antworten/neu", &editor.cookie, &fields)).await;
    assert_eq!(
        (status, location(&headers)),
        (
            StatusCode::SEE_OTHER,
            "/admin/antworten/zauberwald?ok=draft"
        ),
        "{body}"
    );
    let uri = "/admin/konsole?q=Wo+ist+der+Zauberwald-Schalter%3F&entwuerfe=1";
    let (status, _, _, html) = send(&r, get_with(uri, &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("bekäme diese Frage eine andere Antwort")
            && html.contains("Den Zauberwald-Schalter gibt es"),
        "{html}"
    );
    assert_ne!(
        citizen_answer(&r, "Wo ist der Zauberwald-Schalter?").await["id"],
        "zauberwald",
        "the draft is not live"
    );

    let otp = app
        .add_user("demo", "neu@demo.example", Role::Editor, None)
        .await
        .expect("add")
        .expect("otp");
    let (status, headers, _) = try_login(&r, "neu@demo.example", &otp).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/passwort")
    );
    let cookie = format!(
        "lotse_admin={}",
        cookie_value(&set_cookies(&headers), "lotse_admin").expect("cookie")
    );
    let (status, headers, _, _) = send(&r, get_with("/admin/antworten", &cookie)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/admin/passwort")
    );
    let (status, _, err, _) = send(&r, get_with("/api/v1/admin/answers", &cookie)).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("password_change_required"))
    );
    let (_, _, _, page) = send(&r, get_with("/admin/passwort", &cookie)).await;
    let csrf = hidden_csrf(&page);
    let req = form(
        "/admin/passwort",
        &cookie,
        &[
            ("csrf", &csrf),
            ("current", &otp),
            ("new", PW),
            ("confirm", PW),
        ],
    );
    let (status, _, _, html) = send(&r, req).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Ihr Passwort wurde geändert."));
    let (status, _, _, _) = send(&r, get_with("/admin/antworten", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn settings_audit_log_and_live_preview() {
    let (r, app) = default_setup().await;
    app.add_user("demo", "admin@demo.example", Role::Admin, Some(PW))
        .await
        .expect("admin");
    let admin = login(&r, "admin@demo.example").await;
    let editor = login(&r, "editor@demo.example").await;

    let (status, _, _, _) = send(
        &r,
        form(
            "/admin/einstellungen",
            &editor.cookie,
            &[("csrf", &editor.csrf), ("four_eyes", "1")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only admins change settings");
    assert!(!app.four_eyes("demo").await.expect("settings"));
    let (status, _, _, _) = send(
        &r,
        form(
            "/admin/einstellungen",
            &admin.cookie,
            &[("csrf", &admin.csrf), ("four_eyes", "1")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(app.four_eyes("demo").await.expect("settings"));

    let (status, _, _, _) = send(&r, get_with("/admin/protokoll", &editor.cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _, html) = send(&r, get_with("/admin/protokoll", &admin.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert!(
        html.contains("tenant.settings") && html.contains("&#34;four_eyes&#34;: true"),
        "{html}"
    );

    let body = json!({"title": "T", "body": "Rufen Sie an: {{jobcenter.telefon}} <script>alert(1)</script>"}).to_string();
    let mut req = post_json("/api/v1/admin/preview", &body);
    req.headers_mut()
        .insert(header::COOKIE, editor.cookie.parse().expect("h"));
    req.headers_mut()
        .insert("x-csrf-token", editor.csrf.parse().expect("h"));
    let (status, _, preview, _) = send(&r, req).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let html = preview["body_html"].as_str().expect("html");
    let phone = &app.kb("demo").expect("kb").variables["jobcenter.telefon"];
    assert!(
        html.contains(phone.as_str()) && !html.contains("<script>"),
        "{html}"
    );
    let (status, headers, _, js) = send(
        &r,
        Request::get("/assets/admin.js")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .expect("ct")
            .starts_with("text/javascript")
            && js.contains("/api/v1/admin/preview")
    );
}

#[tokio::test]
async fn unticking_the_example_flag_marks_the_content_as_checked() {
    let (r, app) = default_setup().await;
    let s = login(&r, "editor@demo.example").await;
    let (mut answer, _) = app
        .answer_for_edit("demo", "regelbedarf-hoehe")
        .await
        .expect("answer");
    assert!(answer.legal_check, "built-in content is example content");
    let (_, _, _, html) = send(
        &r,
        get_with("/admin/antworten/regelbedarf-hoehe", &s.cookie),
    )
    .await;
    assert!(html.contains("Beispielinhalt – bitte fachlich prüfen"));
    answer.legal_check = false;
    let (status, _, _) = submit(
        &r,
        &s,
        "regelbedarf-hoehe",
        &answer,
        "publish",
        Some(&s.csrf),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (saved, _) = app
        .answer_for_edit("demo", "regelbedarf-hoehe")
        .await
        .expect("answer");
    assert!(!saved.legal_check);
    assert_eq!(
        saved.sources, answer.sources,
        "sources survive the form round trip"
    );
    let (_, _, _, html) = send(
        &r,
        get_with("/admin/antworten/regelbedarf-hoehe", &s.cookie),
    )
    .await;
    assert!(!html.contains("Beispielinhalt – bitte fachlich prüfen"));
}

#[tokio::test]
async fn a_save_based_on_an_outdated_version_is_not_silently_overwriting() {
    let (r, app) = default_setup().await;
    let anna = login(&r, "editor@demo.example").await;
    let ben = login(&r, "reviewer@demo.example").await;
    let (_, _, _, form_html) = send(
        &r,
        get_with("/admin/antworten/weiterbewilligung", &anna.cookie),
    )
    .await;
    assert!(
        form_html.contains("name=\"base_version\" value=\"1\""),
        "the form remembers its version"
    );
    let (mut answer, _) = app
        .answer_for_edit("demo", "weiterbewilligung")
        .await
        .expect("answer");
    answer.body = "Bens Fassung".into();
    let (status, _, _) = submit(
        &r,
        &ben,
        "weiterbewilligung",
        &answer,
        "draft",
        Some(&ben.csrf),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    answer.body = "Annas Fassung".into();
    let mut fields = vec![
        ("csrf", anna.csrf.as_str()),
        ("base_version", "1"),
        ("action", "draft"),
    ];
    fields.extend([
        ("title", answer.title.as_str()),
        ("body", answer.body.as_str()),
        ("topics", "weiterbewilligung"),
    ]);
    let (status, _, _, html) = send(
        &r,
        form("/admin/antworten/weiterbewilligung", &anna.cookie, &fields),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("inzwischen von jemand anderem gespeichert")
            && html.contains("Annas Fassung")
    );
    assert!(
        html.contains("name=\"base_version\" value=\"2\""),
        "saving again is a deliberate choice"
    );
    assert_eq!(
        app.answer_for_edit("demo", "weiterbewilligung")
            .await
            .expect("a")
            .0
            .body,
        "Bens Fassung"
    );
}

/// Issue 4 item 4: a publish that would take working questions away from their answer shows
/// them and needs an explicit confirmation; a harmless publish does not.
#[tokio::test]
async fn publishing_a_change_that_breaks_other_questions_needs_confirmation() {
    let (r, app) = default_setup().await;
    let s = login(&r, "editor@demo.example").await;
    let id = "regelbedarf-hoehe";
    let (mut answer, _) = app.answer_for_edit("demo", id).await.expect("answer");
    answer.title = "Zahlt das Jobcenter Hundefutter?".into();
    answer.questions = vec![
        "Zahlt das Jobcenter Hundefutter?".into(),
        "Hundefutter vom Amt".into(),
        "Tierarztkosten Hund Jobcenter".into(),
    ];
    let (status, _, html) = submit(&r, &s, id, &answer, "publish", Some(&s.csrf)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("Trotzdem veröffentlichen"), "{html}");
    assert!(
        html.contains("Diese Fragen bekämen eine andere Antwort"),
        "{html}"
    );
    let (_, still) = app.answer_for_edit("demo", id).await.expect("answer");
    let live = app
        .ask("demo", "Wie hoch ist der Regelsatz?", None)
        .expect("ask");
    assert_eq!(
        live.answer.map(|a| a.id).as_deref(),
        Some(id),
        "nothing was published: {still:?}"
    );

    let (status, headers, _) =
        submit(&r, &s, id, &answer, "publish-confirmed", Some(&s.csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&headers),
        format!("/admin/antworten/{id}?ok=publish")
    );
}

/// The same regression protection in the JSON API: a publish that would change other
/// questions' answers is refused with 409 `publish_needs_confirmation` and the list, until
/// `"confirm": true`; the impact can be previewed read-only, for a submitted change or for the
/// stored version.
#[tokio::test]
async fn the_api_enforces_and_previews_the_regression_check() {
    let (r, app) = default_setup().await;
    let s = login(&r, "editor@demo.example").await;
    let id = "regelbedarf-hoehe";
    let (mut answer, _) = app.answer_for_edit("demo", id).await.expect("answer");
    let api = |uri: &str, body: serde_json::Value| {
        let mut req = post_json(uri, &body.to_string());
        req.headers_mut()
            .insert(header::COOKIE, s.cookie.parse().expect("h"));
        req.headers_mut()
            .insert("x-csrf-token", s.csrf.parse().expect("h"));
        req
    };

    // Unchanged: nothing would move.
    let (status, _, report, _) = send(
        &r,
        get_with(&format!("/api/v1/admin/answers/{id}/impact"), &s.cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["version"].as_i64(), Some(1), "{report}");
    assert!(report["count"].is_u64() && report["affected"].is_array());

    answer.title = "Zahlt das Jobcenter Hundefutter?".into();
    answer.questions = vec![
        "Zahlt das Jobcenter Hundefutter?".into(),
        "Hundefutter vom Amt".into(),
        "Tierarztkosten Hund Jobcenter".into(),
    ];
    let uri = format!("/api/v1/admin/answers/{id}/impact");
    let (status, _, report, _) = send(&r, api(&uri, json!({ "answer": answer }))).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let n = report["count"].as_u64().expect("count");
    assert!(n > 0, "{report}");
    assert!(report["affected"][0]["question"].is_string(), "{report}");
    // The answer's own questions move (retraining may move a borderline question of another
    // answer as well; the report lists it too, which is what the check is for).
    let affected = report["affected"].as_array().expect("affected");
    assert!(affected.iter().any(|a| a["owner"] == id), "{report}");

    let save = format!("/api/v1/admin/answers/{id}");
    let (status, _, err, _) = send(
        &r,
        api(&save, json!({ "answer": answer, "action": "publish" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["error"]["code"], "publish_needs_confirmation");
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("andere Antwort")),
        "{err}"
    );
    assert_eq!(
        err["error"]["details"]["affected"].as_array().map(Vec::len),
        Some(usize::try_from(n).expect("n"))
    );
    assert_eq!(
        app.answer_for_edit("demo", id).await.expect("a").1.version,
        1,
        "nothing was saved"
    );

    // A viewer learns that they may not publish, not what it would change.
    let viewer = login(&r, "viewer@demo.example").await;
    let mut req = post_json(
        &save,
        &json!({ "answer": answer, "action": "publish" }).to_string(),
    );
    req.headers_mut()
        .insert(header::COOKIE, viewer.cookie.parse().expect("h"));
    req.headers_mut()
        .insert("x-csrf-token", viewer.csrf.parse().expect("h"));
    let (status, _, err, _) = send(&r, req).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    // Drafts are never checked; an explicit confirmation publishes.
    let (status, _, ok, _) = send(
        &r,
        api(&save, json!({ "answer": answer, "action": "draft" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    let (status, _, report, _) = send(
        &r,
        get_with(&format!("/api/v1/admin/answers/{id}/impact"), &s.cookie),
    )
    .await;
    assert_eq!(
        (status, report["count"].as_u64(), report["version"].as_i64()),
        (StatusCode::OK, Some(n), Some(2))
    );
    let (status, _, ok, _) = send(
        &r,
        api(
            &save,
            json!({ "answer": answer, "action": "publish", "confirm": true }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["version"], 3);

    // A harmless publish needs no confirmation.
    let (mut other, _) = app
        .answer_for_edit("demo", "weiterbewilligung")
        .await
        .expect("a");
    other.body.push_str("\n\nNoch ein Satz.");
    let (status, _, ok, _) = send(
        &r,
        api(
            "/api/v1/admin/answers/weiterbewilligung",
            json!({ "answer": other, "action": "publish" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
}

/// Issue 4 item 2: keywords, legal references and language versions (Leichte Sprache and other
/// languages) are edited in the form like everything else: added, changed, removed, checked
/// with German messages, and previewed as citizens would see them.
#[tokio::test]
async fn keywords_legal_references_and_language_versions_are_editable() {
    let (r, app) = default_setup().await;
    let s = login(&r, "editor@demo.example").await;
    let id = "regelbedarf-hoehe";
    let (answer, _) = app.answer_for_edit("demo", id).await.expect("answer");
    let langs: Vec<&str> = answer.versions.iter().map(|v| v.lang.as_str()).collect();
    assert_eq!(langs, ["de-x-ls", "en"]);

    let (status, _, _, html) =
        send(&r, get_with(&format!("/admin/antworten/{id}"), &s.cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "<label for=\"keywords\">",
        "regelbedarfsstufe",
        "<label for=\"legal\">",
        "§ 20 SGB II",
        "<option value=\"de-x-ls\" selected>Leichte Sprache (de-x-ls)</option>",
        "<option value=\"en\" selected>Englisch (en)</option>",
        "name=\"v2_lang\"",
        "id=\"sprachfassung-neu\"",
        "<label for=\"v1-remove\">",
        "data-preview-for=\"v1\"",
        "maschinell übersetzt",
    ] {
        assert!(html.contains(needle), "{needle}");
    }

    // Change keywords and legal references, edit English, remove Leichte Sprache, add Ukrainian.
    let mut fields = super::admin::edit_fields(&answer);
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        fields.retain(|(n, _)| n != k);
        fields.push((k.to_owned(), v.to_owned()));
    };
    set(
        &mut fields,
        "keywords",
        "regelsatz, regelbedarfsstufe\nlebensunterhalt",
    );
    set(&mut fields, "legal", "§ 20 SGB II\n§ 28a SGB XII");
    set(&mut fields, "v0_remove", "1");
    set(&mut fields, "v1_title", "How much is the standard rate?");
    set(&mut fields, "v1_review", "human");
    set(&mut fields, "v2_lang", "uk");
    set(&mut fields, "v2_review", "machine");
    set(&mut fields, "v2_title", "Скільки становить базова ставка?");
    set(
        &mut fields,
        "v2_questions",
        "Скільки грошей я отримаю?\r\nЯка ставка?",
    );
    set(&mut fields, "v2_body", "Телефон: {{jobcenter.telefon}}");
    set(&mut fields, "csrf", &s.csrf);

    // "Vorschau" renders every version as citizens see it and saves nothing.
    let mut preview = fields.clone();
    preview.push(("action".into(), "preview".into()));
    let pairs: Vec<(&str, &str)> = preview
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, _, html) = send(
        &r,
        form(&format!("/admin/antworten/{id}"), &s.cookie, &pairs),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let phone = app.kb("demo").expect("kb").variables["jobcenter.telefon"].clone();
    assert!(
        html.contains(&format!("Телефон: {phone}")),
        "placeholders resolved in the version preview"
    );
    assert!(
        html.contains("lang=\"uk\""),
        "the version is marked with its language"
    );

    let mut save = fields.clone();
    save.push(("action".into(), "draft".into()));
    let pairs: Vec<(&str, &str)> = save.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, headers, _, html) = send(
        &r,
        form(&format!("/admin/antworten/{id}"), &s.cookie, &pairs),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(
        location(&headers),
        format!("/admin/antworten/{id}?ok=draft")
    );
    let (saved, _) = app.answer_for_edit("demo", id).await.expect("answer");
    assert_eq!(
        saved.keywords,
        ["regelsatz", "regelbedarfsstufe", "lebensunterhalt"]
    );
    assert_eq!(saved.legal, ["§ 20 SGB II", "§ 28a SGB XII"]);
    let summary: Vec<(&str, lotse_core::content::Review, &str)> = saved
        .versions
        .iter()
        .map(|v| (v.lang.as_str(), v.review, v.title.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "en",
                lotse_core::content::Review::Human,
                "How much is the standard rate?"
            ),
            (
                "uk",
                lotse_core::content::Review::Machine,
                "Скільки становить базова ставка?"
            ),
        ]
    );
    assert_eq!(
        saved.versions[1].questions,
        ["Скільки грошей я отримаю?", "Яка ставка?"]
    );
    assert_eq!(
        saved.versions[0].body, answer.versions[1].body,
        "unchanged text stays as it was"
    );

    // Mistakes are listed in German with links to the fields, and nothing is saved.
    let (_, head) = app.answer_for_edit("demo", id).await.expect("answer");
    let base = head.version.to_string();
    let cases = [
        (
            ("v1_lang", "en"),
            "Für Englisch gibt es schon eine Fassung",
            "#v1-lang",
        ),
        (
            ("v1_lang", "xx"),
            "„xx“ ist kein bekanntes Sprachkürzel",
            "#v1-lang",
        ),
        (
            ("v1_title", " "),
            "Bitte geben Sie einen Titel ein",
            "#v1-title",
        ),
        (
            ("v1_body", ""),
            "Bitte geben Sie einen Text ein",
            "#v1-body",
        ),
    ];
    for ((key, value), message, anchor) in cases {
        let mut bad = super::admin::edit_fields(&saved);
        set(&mut bad, key, value);
        bad.extend([
            ("csrf".into(), s.csrf.clone()),
            ("base_version".into(), base.clone()),
            ("action".into(), "draft".into()),
        ]);
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _, _, html) = send(
            &r,
            form(&format!("/admin/antworten/{id}"), &s.cookie, &pairs),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{key}={value}");
        assert!(html.contains(message), "{key}={value}: {message}");
        assert!(html.contains(&format!("href=\"{anchor}\"")), "{anchor}");
        assert!(html.contains("aria-invalid=\"true\""));
    }
    assert_eq!(
        app.answer_for_edit("demo", id).await.expect("a").1.version,
        head.version
    );

    // Without JavaScript, "add a version" shows the form again with a new empty slot.
    let mut add = super::admin::edit_fields(&saved);
    add.extend([
        ("csrf".into(), s.csrf.clone()),
        ("action".into(), "add-version".into()),
    ]);
    let pairs: Vec<(&str, &str)> = add.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, _, html) = send(
        &r,
        form(&format!("/admin/antworten/{id}"), &s.cookie, &pairs),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("name=\"v2_lang\"")
            && html.contains("leeres Feld für eine weitere Sprachfassung")
    );

    // The JSON API applies the same checks.
    let mut dup = saved.clone();
    dup.versions[1].lang = "en".into();
    let mut req = post_json(
        &format!("/api/v1/admin/answers/{id}"),
        &json!({ "answer": dup, "action": "draft" }).to_string(),
    );
    req.headers_mut()
        .insert(header::COOKIE, s.cookie.parse().expect("h"));
    req.headers_mut()
        .insert("x-csrf-token", s.csrf.parse().expect("h"));
    let (status, _, err, _) = send(&r, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["code"], "invalid_field");
    assert!(
        err["error"]["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("versions[1]")),
        "{err}"
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Für Englisch gibt es schon eine Fassung")),
        "{err}"
    );
    assert_eq!(
        err["error"]["details"]["problems"][0]["field"],
        "versions[1].lang"
    );
}
