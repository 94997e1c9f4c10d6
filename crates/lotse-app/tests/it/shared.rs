//! Shared knowledge with local overrides and platform administration at the use-case
//! boundary: composition, change tracking, review flags, adoption, roles, suspension, deletion.

use std::collections::HashMap;

use lotse_app::platform::Actor;
use lotse_app::shared::{Change, Use};
use lotse_app::{App, AppError, Config, Role, Staff, now_ms};
use lotse_core::content::{Answer, Status};

const PW: &str = "richtig-langes-passwort";

/// The shared base's answers: every one mentions the job centre's phone number.
pub fn base_answers() -> Vec<Answer> {
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
            "Melden Sie den Umzug vorher bei {{jobcenter.name}}.",
        ),
        a(
            "kontakt-zeiten",
            "Wann haben Sie geöffnet?",
            &[
                "Wann hat das Jobcenter offen?",
                "Öffnungszeiten des Amtes",
                "Wann kann ich vorbeikommen?",
            ],
            "Sie erreichen uns unter {{jobcenter.telefon}}.",
        ),
        a(
            "konto-aendern",
            "Bankverbindung ändern",
            &[
                "Ich habe ein neues Konto",
                "Bankverbindung ändern",
                "Neue IBAN mitteilen",
            ],
            "Teilen Sie die neue IBAN {{jobcenter.name}} mit.",
        ),
    ]
}

pub async fn app() -> App {
    let db = lotse_store::testing::database().await;
    let mut config = Config::default();
    config.embeddings.enabled = false;
    App::new(db, config).await.expect("app")
}

pub async fn staff(app: &App, tenant: &str, email: &str, role: Role) -> Staff {
    app.add_user(tenant, email, role, Some(PW))
        .await
        .expect("user");
    app.login(email, PW, now_ms()).await.expect("login").staff
}

async fn tenant(app: &App, id: &str, phone: &str) {
    app.create_tenant(id, &format!("Jobcenter {id}"))
        .await
        .expect("tenant");
    let vars = HashMap::from([
        ("jobcenter.name".to_owned(), format!("Jobcenter {id}")),
        ("jobcenter.telefon".to_owned(), phone.to_owned()),
    ]);
    app.db().set_variables(id, &vars).await.expect("vars");
}

/// A base "zentral" and a subscriber "kassel"; returns kassel's editor.
async fn subscribed(app: &App) -> Staff {
    tenant(app, "zentral", "000").await;
    app.save_answers("zentral", &base_answers(), "zentrale")
        .await
        .expect("base content");
    tenant(app, "kassel", "0561 111").await;
    let admin = staff(app, "kassel", "admin@kassel.example", Role::Admin).await;
    app.subscribe(&admin, Some("zentral"))
        .await
        .expect("subscribe");
    admin
}

fn ids(app: &App, tenant: &str) -> Vec<String> {
    app.kb(tenant)
        .expect("kb")
        .views
        .iter()
        .map(|v| v.id.clone())
        .collect()
}

#[tokio::test]
async fn a_subscriber_gets_the_shared_answers_with_its_own_placeholders() {
    let app = app().await;
    let admin = subscribed(&app).await;
    assert_eq!(
        ids(&app, "kassel"),
        [
            "antrag-stellen",
            "kontakt-zeiten",
            "konto-aendern",
            "umzug-melden"
        ]
    );
    let kb = app.kb("kassel").expect("kb");
    let view = &kb.views[kb.by_id["antrag-stellen"]];
    assert!(
        view.body_markdown.contains("0561 111"),
        "{}",
        view.body_markdown
    );
    assert!(view.body_markdown.contains("Jobcenter kassel"));

    // Hide one, override one: the override stays a draft (shared text online) until published.
    app.set_shared_hidden(&admin, "umzug-melden", true)
        .await
        .expect("hide");
    app.override_shared(&admin, "kontakt-zeiten")
        .await
        .expect("override");
    assert_eq!(
        ids(&app, "kassel"),
        ["antrag-stellen", "kontakt-zeiten", "konto-aendern"]
    );
    let mut own = app
        .db()
        .answer("kassel", "kontakt-zeiten")
        .await
        .expect("draft");
    assert_eq!(own.status, Status::Draft);
    own.status = Status::Published;
    own.body = "Kassel: Montag bis Freitag 8 bis 12 Uhr, {{jobcenter.telefon}}.".into();
    own.questions.push("Wann ist in Kassel offen?".into());
    app.save_answers("kassel", &[own], &admin.email)
        .await
        .expect("publish override");
    let kb = app.kb("kassel").expect("kb");
    let view = &kb.views[kb.by_id["kontakt-zeiten"]];
    assert!(
        view.body_markdown.starts_with("Kassel:"),
        "{}",
        view.body_markdown
    );
    assert!(view.body_markdown.contains("0561 111"));
    // The base itself is unchanged.
    let base = app.kb("zentral").expect("kb");
    assert!(
        base.views[base.by_id["kontakt-zeiten"]]
            .body_markdown
            .contains("000")
    );
}

#[tokio::test]
async fn a_base_change_rebuilds_subscribers_and_flags_overrides_for_review() {
    let app = app().await;
    let admin = subscribed(&app).await;
    app.override_shared(&admin, "kontakt-zeiten")
        .await
        .expect("override");
    let overview = app.shared_overview(&admin).await.expect("overview");
    assert_eq!(overview.changes(), 0, "nothing new right after subscribing");
    assert_eq!(overview.needs_review(), 0);

    // The base publishes: two changed texts, a new answer, a removed one (each a new
    // published version; "antrag-stellen" is not saved again).
    let mut answers = base_answers();
    answers[1].body = "Neu: Melden Sie den Umzug früh.".into();
    answers[2].body = "Neu: {{jobcenter.telefon}} – auch per E-Mail.".into();
    answers[3].status = Status::Archived;
    let mut new = answers[0].clone();
    new.id = "weiterbewilligung".into();
    new.title = "Weiterbewilligung".into();
    new.questions = vec!["Wie beantrage ich die Weiterbewilligung?".into()];
    answers[0] = new;
    app.save_answers("zentral", &answers, "zentrale")
        .await
        .expect("base publish");
    app.settle().await;

    let kb = app.kb("kassel").expect("kb");
    assert!(kb.by_id.contains_key("weiterbewilligung"), "rebuilt");
    assert!(
        !kb.by_id.contains_key("konto-aendern"),
        "archived in the base"
    );
    assert!(
        kb.views[kb.by_id["umzug-melden"]]
            .body_markdown
            .starts_with("Neu:")
    );

    let overview = app.shared_overview(&admin).await.expect("overview");
    let change = |id: &str| {
        overview
            .answers
            .iter()
            .find(|a| a.id == id)
            .map(|a| (a.change, a.used))
    };
    assert_eq!(
        change("umzug-melden"),
        Some((Change::Changed, Use::Inherited))
    );
    assert_eq!(
        change("weiterbewilligung"),
        Some((Change::New, Use::Inherited))
    );
    assert_eq!(
        change("antrag-stellen"),
        Some((Change::Unchanged, Use::Inherited))
    );
    assert_eq!(
        change("kontakt-zeiten"),
        Some((Change::Changed, Use::Overridden { review: true }))
    );
    assert_eq!(overview.removed, ["konto-aendern"]);
    assert_eq!(overview.needs_review(), 1);

    app.override_reviewed(&admin, "kontakt-zeiten")
        .await
        .expect("reviewed");
    app.shared_seen(&admin).await.expect("seen");
    let overview = app.shared_overview(&admin).await.expect("overview");
    assert_eq!((overview.changes(), overview.needs_review()), (0, 0));
}

#[tokio::test]
async fn staff_adopt_published_answers_of_another_job_centre_as_drafts() {
    let app = app().await;
    tenant(&app, "zentral", "000").await;
    app.save_answers("zentral", &base_answers(), "zentrale")
        .await
        .expect("content");
    tenant(&app, "fulda", "0661 222").await;
    let viewer = staff(&app, "fulda", "viewer@fulda.example", Role::Viewer).await;
    let editor = staff(&app, "fulda", "editor@fulda.example", Role::Editor).await;
    assert!(matches!(
        app.adopt(&viewer, "zentral", "umzug-melden").await,
        Err(AppError::Forbidden(_))
    ));
    let offered = app.adoptable(&editor, "zentral").await.expect("list");
    assert_eq!(offered.len(), 4);
    app.adopt(&editor, "zentral", "umzug-melden")
        .await
        .expect("adopt");
    let copy = app
        .db()
        .answer("fulda", "umzug-melden")
        .await
        .expect("copy");
    assert_eq!(copy.status, Status::Draft);
    assert!(matches!(
        app.adopt(&editor, "zentral", "umzug-melden").await,
        Err(AppError::Conflict(_))
    ));
    // Drafts are not adoptable: only what citizens can read.
    let mut draft = base_answers()[0].clone();
    draft.id = "entwurf".into();
    draft.status = Status::Draft;
    app.save_answers("zentral", &[draft], "zentrale")
        .await
        .expect("draft");
    assert!(matches!(
        app.adopt(&editor, "zentral", "entwurf").await,
        Err(AppError::NotFound { .. })
    ));
}

#[tokio::test]
async fn only_admins_subscribe_and_viewers_cannot_hide() {
    let app = app().await;
    subscribed(&app).await;
    let editor = staff(&app, "kassel", "editor@kassel.example", Role::Editor).await;
    let viewer = staff(&app, "kassel", "viewer@kassel.example", Role::Viewer).await;
    assert!(matches!(
        app.subscribe(&editor, None).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.set_shared_hidden(&viewer, "umzug-melden", true).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.set_shared_hidden(&editor, "gibt-es-nicht", true).await,
        Err(AppError::NotFound { .. })
    ));
    app.set_shared_hidden(&editor, "umzug-melden", true)
        .await
        .expect("editor hides");
}

#[tokio::test]
async fn suspended_tenants_answer_nobody_and_deletion_removes_every_row() {
    let app = app().await;
    let admin = subscribed(&app).await;
    let platform = staff(&app, "zentral", "plattform@zentral.example", Role::Admin).await;
    assert!(matches!(
        app.platform_suspend(Actor::Staff(&admin), "zentral", true)
            .await,
        Err(AppError::Forbidden(_))
    ));
    app.set_platform_admin("zentral", "plattform@zentral.example", true)
        .await
        .expect("grant");
    let platform = app
        .login(&platform.email, PW, now_ms())
        .await
        .expect("login")
        .staff;
    assert!(platform.platform_admin);

    app.ask(
        "kassel",
        "Wie stelle ich einen Antrag auf Bürgergeld?",
        None,
    )
    .expect("answers");
    app.platform_suspend(Actor::Staff(&platform), "kassel", true)
        .await
        .expect("suspend");
    assert!(matches!(
        app.ask("kassel", "Antrag stellen", None),
        Err(AppError::Suspended { .. })
    ));
    assert!(app.login(&admin.email, PW, now_ms()).await.is_err());
    assert!(
        app.db()
            .session(&admin.session, now_ms())
            .await
            .expect("query")
            .is_none(),
        "sessions ended"
    );
    app.platform_suspend(Actor::Staff(&platform), "kassel", false)
        .await
        .expect("resume");
    app.ask("kassel", "Antrag stellen", None)
        .expect("answers again");

    // Deletion: refused without the typed id, for a base with subscribers, then complete.
    assert!(matches!(
        app.platform_delete(Actor::Staff(&platform), "kassel", "kasse")
            .await,
        Err(AppError::Invalid { .. })
    ));
    assert!(matches!(
        app.platform_delete(Actor::Operator, "zentral", "zentral")
            .await,
        Err(AppError::Invalid { .. })
    ));
    app.ask("kassel", "Antrag stellen", None)
        .expect("question logged");
    app.flush().await;
    app.platform_delete(Actor::Staff(&platform), "kassel", "kassel")
        .await
        .expect("delete");
    assert!(matches!(app.kb("kassel"), Err(AppError::NotFound { .. })));
    for (table, n) in app.db().tenant_row_counts("kassel").await.expect("counts") {
        assert_eq!(n, 0, "{table} keeps rows of a deleted tenant");
    }
    let log = app.audit_log(&platform, 50).await.expect("log");
    assert!(
        log.iter()
            .any(|e| e.action == "tenant.delete" && e.target == "kassel")
    );
    assert!(log.iter().any(|e| e.action == "tenant.suspend"));
}
