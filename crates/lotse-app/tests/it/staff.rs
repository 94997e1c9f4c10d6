//! The staff use cases: accounts, sign-in with lock-out, sessions, the editor's workflow with
//! the four-eyes rule, history and restore, list filters, and the audit log.

use lotse_app::editor::{Action, AnswerFilter, is_stale};
use lotse_app::staff::{LOCKOUT_MS, LoginError, MAX_FAILED_LOGINS, hash_token};
use lotse_app::{App, AppError, Role, Staff, now_ms};
use lotse_core::content::{Answer, Status};
use lotse_core::reply::Kind;

const PW: &str = "richtig-langes-passwort";

async fn staff(app: &App, tenant: &str, email: &str, role: Role) -> Staff {
    app.add_user(tenant, email, role, Some(PW))
        .await
        .expect("user");
    app.login(email, PW, now_ms()).await.expect("login").staff
}

/// The answer the demo tenant gives to `question`.
fn answered(app: &App, question: &str) -> lotse_app::AnswerView {
    let r = app.ask("demo", question, None).expect("ask");
    assert_eq!(r.kind, Kind::Answer, "{question}");
    r.answer.expect("answer")
}

#[tokio::test]
async fn passwords_are_hashed_and_sessions_stored_only_as_hashes() {
    let app = crate::demo_app().await;
    let s = app.add_user("demo", " Anna@Example.org ", Role::Editor, Some(PW));
    assert_eq!(
        s.await.expect("add"),
        None,
        "no one-time password when one is given"
    );
    let user = app
        .db()
        .user("demo", "anna@example.org")
        .await
        .expect("user");
    assert!(
        user.password_hash.starts_with("$argon2id$"),
        "{}",
        user.password_hash
    );
    assert!(!user.password_hash.contains(PW));

    let session = app
        .login("ANNA@example.org", PW, now_ms())
        .await
        .expect("login");
    assert_eq!(session.token.len(), 64, "256 bits as hex");
    assert!(
        !format!("{session:?}").contains(&session.token),
        "Debug hides the token"
    );
    assert!(!format!("{:?}", session.staff).contains(&session.staff.csrf_token));
    let stored = app
        .db()
        .session(&session.token, now_ms())
        .await
        .expect("db");
    assert!(
        stored.is_none(),
        "the plain token is not a key of the sessions table"
    );
    let stored = app
        .db()
        .session(&hash_token(&session.token), now_ms())
        .await;
    assert!(stored.expect("db").is_some());
    let me = app
        .staff_session(&session.token, now_ms())
        .await
        .expect("db")
        .expect("valid");
    assert_eq!((me.tenant.as_str(), me.role), ("demo", Role::Editor));

    app.logout(&me).await.expect("logout");
    assert!(
        app.staff_session(&session.token, now_ms())
            .await
            .expect("db")
            .is_none()
    );
}

#[tokio::test]
async fn one_time_passwords_must_be_changed_and_emails_are_unique() {
    let app = crate::demo_app().await;
    let otp = app
        .add_user("demo", "neu@example.org", Role::Viewer, None)
        .await;
    let otp = otp.expect("add").expect("a one-time password is generated");
    let s = app
        .login("neu@example.org", &otp, now_ms())
        .await
        .expect("login")
        .staff;
    assert!(s.must_change_password);
    assert!(matches!(
        app.change_password(&s, &otp, "kurz").await,
        Err(AppError::Invalid { .. })
    ));
    app.change_password(&s, &otp, PW).await.expect("change");
    let again = app
        .login("neu@example.org", PW, now_ms())
        .await
        .expect("login");
    assert!(!again.staff.must_change_password);

    let dup = app
        .add_user("demo", "neu@example.org", Role::Admin, Some(PW))
        .await;
    assert!(matches!(dup, Err(AppError::Conflict(_))), "{dup:?}");
    let bad = app
        .add_user("nirgendwo", "x@example.org", Role::Admin, Some(PW))
        .await;
    assert!(matches!(bad, Err(AppError::NotFound { .. })), "{bad:?}");
    assert!("chef".parse::<Role>().is_err());
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_for_a_while() {
    let app = crate::demo_app().await;
    app.add_user("demo", "a@example.org", Role::Editor, Some(PW))
        .await
        .expect("add");
    let t0 = now_ms();
    for i in 1..MAX_FAILED_LOGINS {
        let r = app.login("a@example.org", "falsch-falsch", t0).await;
        assert!(
            matches!(r, Err(LoginError::WrongCredentials)),
            "attempt {i}: {r:?}"
        );
    }
    let r = app.login("a@example.org", "falsch-falsch", t0).await;
    assert!(matches!(r, Err(LoginError::Locked { .. })), "{r:?}");
    let r = app.login("a@example.org", PW, t0 + 1000).await;
    assert!(
        matches!(r, Err(LoginError::Locked { .. })),
        "the right password is refused while locked"
    );
    app.login("a@example.org", PW, t0 + LOCKOUT_MS + 1)
        .await
        .expect("unlocked after the lock-out");
    let r = app.login("unbekannt@example.org", PW, t0).await;
    assert!(matches!(r, Err(LoginError::WrongCredentials)));
}

#[tokio::test]
async fn drafts_stay_offline_and_publishing_is_live_at_once() {
    let app = crate::demo_app().await;
    let editor = staff(&app, "demo", "e@example.org", Role::Editor).await;
    let before = answered(&app, "Wie hoch ist der Regelsatz?");
    let (mut answer, _) = app
        .answer_for_edit("demo", &before.id)
        .await
        .expect("answer");
    answer.body = "NEUER TEXT zum Regelsatz.".into();

    app.save_edit(&editor, answer.clone(), Action::Draft, false)
        .await
        .expect("draft");
    let live = answered(&app, "Wie hoch ist der Regelsatz?");
    assert_eq!(
        live, before,
        "a draft neither changes nor hides the published answer"
    );
    let rows = app
        .list_answers("demo", &AnswerFilter::default(), "2026-11-21")
        .await
        .expect("list");
    let row = rows.iter().find(|r| r.id == before.id).expect("row");
    assert!(row.live && row.pending && row.status == Status::Draft);

    app.save_edit(&editor, answer.clone(), Action::Publish, false)
        .await
        .expect("publish");
    let live = answered(&app, "Wie hoch ist der Regelsatz?");
    assert!(
        live.body_markdown.contains("NEUER TEXT"),
        "{}",
        live.body_markdown
    );

    app.save_edit(&editor, answer, Action::Archive, false)
        .await
        .expect("archive");
    let r = app
        .ask("demo", "Wie hoch ist der Regelsatz?", None)
        .expect("ask");
    assert_ne!(
        r.answer.map(|a| a.id),
        Some(before.id),
        "archived answers are not served"
    );
}

#[tokio::test]
async fn four_eyes_lets_only_another_reviewer_publish() {
    let app = crate::demo_app().await;
    let settings = serde_json::json!({"four_eyes": true});
    app.db()
        .set_tenant_settings("demo", &settings)
        .await
        .expect("settings");
    let editor = staff(&app, "demo", "e@example.org", Role::Editor).await;
    let reviewer = staff(&app, "demo", "r@example.org", Role::Reviewer).await;
    let other = staff(&app, "demo", "r2@example.org", Role::Reviewer).await;
    let viewer = staff(&app, "demo", "v@example.org", Role::Viewer).await;
    let id = answered(&app, "Wer zahlt meine Mietkaution?").id;
    let (mut answer, _) = app.answer_for_edit("demo", &id).await.expect("answer");
    answer.body.push_str("\n\nErgänzung der Redaktion.");

    let forbidden = |r: Result<i64, AppError>| matches!(r, Err(AppError::Forbidden(_)));
    assert!(forbidden(
        app.save_edit(&viewer, answer.clone(), Action::Draft, false)
            .await
    ));
    assert!(forbidden(
        app.save_edit(&editor, answer.clone(), Action::Publish, false)
            .await
    ));
    app.save_edit(&editor, answer.clone(), Action::Review, false)
        .await
        .expect("review");
    assert!(forbidden(
        app.save_edit(&editor, answer.clone(), Action::Publish, false)
            .await
    ));
    // A reviewer who changes the text becomes its author and cannot publish it either.
    let mut changed = answer.clone();
    changed.title.push('!');
    assert!(forbidden(
        app.save_edit(&reviewer, changed.clone(), Action::Publish, false)
            .await
    ));
    app.save_edit(&reviewer, answer.clone(), Action::Publish, false)
        .await
        .expect("another person publishes");
    assert!(
        answered(&app, "Wer zahlt meine Mietkaution?")
            .body_markdown
            .contains("Ergänzung der Redaktion")
    );

    app.save_edit(&reviewer, changed.clone(), Action::Review, false)
        .await
        .expect("review");
    assert!(forbidden(
        app.save_edit(&reviewer, changed.clone(), Action::Publish, false)
            .await
    ));
    app.save_edit(&other, changed, Action::Publish, false)
        .await
        .expect("the second reviewer publishes");
}

#[tokio::test]
async fn history_keeps_every_version_and_restore_makes_a_draft() {
    let app = crate::demo_app().await;
    let editor = staff(&app, "demo", "e@example.org", Role::Editor).await;
    let id = answered(&app, "WBA vergessen").id;
    let (original, _) = app.answer_for_edit("demo", &id).await.expect("answer");
    let mut edited = original.clone();
    edited.body = "Kurz und neu.".into();
    app.save_edit(&editor, edited, Action::Publish, false)
        .await
        .expect("publish");
    let history = app.history("demo", &id).await.expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].author, "e@example.org");
    let diff = lotse_app::diff::answer_diff(&history[1].answer, &history[0].answer);
    assert_eq!(
        diff.iter().map(|d| d.field).collect::<Vec<_>>(),
        vec!["Text"]
    );

    let v = app.restore_version(&editor, &id, 1).await.expect("restore");
    assert_eq!(v, 3);
    let (current, head) = app.answer_for_edit("demo", &id).await.expect("answer");
    assert_eq!(current.body, original.body);
    assert_eq!(current.status, Status::Draft);
    assert_eq!(
        head.published_version,
        Some(2),
        "the restored text is not live until published"
    );
    let r = app.restore_version(&editor, &id, 99).await;
    assert!(matches!(r, Err(AppError::NotFound { .. })));
}

#[tokio::test]
async fn answer_list_filters_and_staleness() {
    let app = crate::demo_app().await;
    let all = AnswerFilter::default();
    let today = "2026-11-21";
    let rows = app.list_answers("demo", &all, today).await.expect("list");
    assert!(rows.len() > 200);
    let legal = AnswerFilter {
        legal_check: true,
        ..all.clone()
    };
    let n = app.list_answers("demo", &legal, today).await.expect("list");
    assert!(!n.is_empty() && n.len() < rows.len() && n.iter().all(|r| r.legal_check));
    let search = AnswerFilter {
        query: "kaution".into(),
        ..all.clone()
    };
    let found = app
        .list_answers("demo", &search, today)
        .await
        .expect("list");
    assert!(found.iter().any(|r| {
        r.topics
            .contains(&"kaution-genossenschaftsanteile".to_owned())
    }));
    let topic = AnswerFilter {
        topic: "weiterbewilligung".into(),
        ..all.clone()
    };
    let t = app.list_answers("demo", &topic, today).await.expect("list");
    assert!(
        !t.is_empty()
            && t.iter()
                .all(|r| r.topics.contains(&"weiterbewilligung".to_owned()))
    );
    let drafts = AnswerFilter {
        status: "draft".into(),
        ..all.clone()
    };
    assert!(
        app.list_answers("demo", &drafts, today)
            .await
            .expect("list")
            .is_empty()
    );

    let mut a = Answer::new("x", "X", vec![], vec![], "");
    a.as_of = Some("2025-11-20".into());
    assert!(is_stale(&a, today), "older than 12 months");
    a.as_of = Some("2025-11-21".into());
    assert!(!is_stale(&a, today));
    a.valid_until = Some("2026-11-20".into());
    assert!(is_stale(&a, today), "past valid_until");
}

#[tokio::test]
async fn staff_actions_are_audited_and_console_questions_not_recorded() {
    let app = crate::demo_app().await;
    let editor = staff(&app, "demo", "e@example.org", Role::Editor).await;
    let id = answered(&app, "WBA vergessen").id;
    app.flush().await;
    let asked = app
        .db()
        .messages("demo", 1000)
        .await
        .expect("messages")
        .len();
    let (mut answer, _) = app.answer_for_edit("demo", &id).await.expect("answer");
    answer.title = "Neuer Titel".into();
    app.save_edit(&editor, answer, Action::Review, false)
        .await
        .expect("save");
    let log = app.db().audit_log("demo", 10).await.expect("audit");
    let entry = &log[0];
    assert_eq!(
        (
            entry.actor.as_str(),
            entry.action.as_str(),
            entry.target.as_str()
        ),
        ("e@example.org", "answer.submit_review", id.as_str())
    );
    assert_eq!(entry.after.as_ref().expect("after")["title"], "Neuer Titel");
    assert_ne!(
        entry.before.as_ref().expect("before")["title"],
        "Neuer Titel"
    );
    assert!(log.iter().any(|e| e.action == "login"));

    let explained = app.try_question("demo", "WBA vergessen").expect("console");
    assert!(!explained.decision.ranking.candidates.is_empty());
    app.flush().await;
    assert_eq!(
        app.db()
            .messages("demo", 1000)
            .await
            .expect("messages")
            .len(),
        asked,
        "console questions are not stored"
    );
}

#[tokio::test]
async fn staff_of_one_tenant_cannot_touch_another() {
    let app = crate::demo_app().await;
    app.create_tenant("b", "Jobcenter B").await.expect("tenant");
    let only_b = Answer::new(
        "nur-b",
        "Nur in B",
        vec!["antrag-erstantrag".into()],
        vec!["Frage B".into()],
        "B",
    );
    app.save_answers("b", std::slice::from_ref(&only_b), "system")
        .await
        .expect("b");
    let editor = staff(&app, "demo", "e@example.org", Role::Admin).await;
    let r = app.answer_for_edit(&editor.tenant, "nur-b").await;
    assert!(matches!(r, Err(AppError::NotFound { .. })));
    let r = app
        .save_edit(&editor, only_b.clone(), Action::Publish, false)
        .await;
    assert!(matches!(r, Err(AppError::NotFound { .. })), "{r:?}");
    assert!(app.history(&editor.tenant, "nur-b").await.is_err());
    assert_eq!(app.db().answer("b", "nur-b").await.expect("b").body, "B");
}

#[tokio::test]
async fn source_links_must_be_web_mail_or_phone_links() {
    let app = crate::demo_app().await;
    let editor = staff(&app, "demo", "e@example.org", Role::Editor).await;
    let (mut answer, _) = app
        .answer_for_edit("demo", "regelbedarf-hoehe")
        .await
        .expect("answer");
    answer.sources = vec![lotse_core::content::Source {
        title: "Klick".into(),
        url: "javascript:alert(1)".into(),
    }];
    let r = app
        .save_edit(&editor, answer.clone(), Action::Draft, false)
        .await;
    assert!(
        matches!(r, Err(AppError::Invalid { ref field, .. }) if field == "sources"),
        "{r:?}"
    );
    answer.sources[0].url = "https://www.gesetze-im-internet.de/sgb_2/__20.html".into();
    app.save_edit(&editor, answer, Action::Draft, false)
        .await
        .expect("a web link is fine");
}

/// Regression protection: only changes that take working questions away are reported.
#[tokio::test]
async fn publish_impact_lists_questions_that_would_lose_their_answer() {
    let app = crate::demo_app().await;
    let (mut harmless, _) = app
        .answer_for_edit("demo", "kaution-genossenschaftsanteile")
        .await
        .expect("answer");
    harmless.body.push_str("\n\nNoch ein Satz.");
    assert!(
        app.publish_impact("demo", &harmless)
            .await
            .expect("impact")
            .is_empty()
    );

    let (mut breaking, _) = app
        .answer_for_edit("demo", "regelbedarf-hoehe")
        .await
        .expect("answer");
    breaking.title = "Hundefutter".into();
    breaking.questions = vec!["Zahlt das Jobcenter Hundefutter?".into()];
    let impact = app.publish_impact("demo", &breaking).await.expect("impact");
    assert!(
        impact.iter().any(|i| i.owner == "regelbedarf-hoehe"),
        "{impact:?}"
    );
    assert!(
        impact
            .iter()
            .all(|i| i.after.as_deref() != Some(i.owner.as_str()))
    );
}
