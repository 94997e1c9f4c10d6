//! Data-driven behaviour tests of answering on the demo tenant.

use lotse_app::AppError;
use lotse_core::reply::Kind;

/// (question, acceptable topics of the answer or of a clarify option)
const CASES: &[(&str, &[&str])] = &[
    ("Wie hoch ist der Regelsatz?", &["regelbedarf-hoehe"]),
    ("regelsatz fuer kinder", &["regelbedarf-hoehe"]),
    (
        "Wer zahlt meine Mietkaution?",
        &["kaution-genossenschaftsanteile"],
    ),
    ("WBA vergessen", &["weiterbewilligung"]),
    ("Weiterbewiligungsantrag wo abgeben", &["weiterbewilligung"]),
    ("miete zu hoch", &["kdu-angemessenheit-kostensenkung"]),
    ("Hartz 4 beantragen wie", &["antrag-erstantrag"]),
    (
        "Nebenkostenabrechnung Nachzahlung",
        &["nebenkosten-nachzahlung-guthaben"],
    ),
    (
        "Wann wird das Geld überwiesen?",
        &["auszahlung-zahltermine"],
    ),
    ("Mein Mann schlägt mich", &["notfall-krise"]),
    ("Hallo", &["bot-smalltalk"]),
    (
        "ich will mit einem menschen sprechen",
        &["bot-mensch-sprechen"],
    ),
    (
        "Wie wird das Wetter morgen in Kassel?",
        &["ausserhalb-zustaendigkeit"],
    ),
];

#[tokio::test]
async fn everyday_questions_reach_the_right_topic() {
    let app = crate::demo_app().await;
    let mut failures = Vec::new();
    for (q, topics) in CASES {
        let r = app.ask("demo", q, None).expect("ask");
        let ok = match r.kind {
            Kind::Answer => r
                .answer
                .as_ref()
                .is_some_and(|a| a.topics.iter().any(|t| topics.contains(&t.as_str()))),
            Kind::Clarify => r
                .alternatives
                .iter()
                .any(|a| a.topics.iter().any(|t| topics.contains(&t.as_str()))),
            Kind::Fallback => topics.contains(&"ausserhalb-zustaendigkeit"),
        };
        if !ok {
            failures.push(format!(
                "{q}: {:?} {:?} {:?}",
                r.kind,
                r.answer.map(|a| a.id),
                r.alternatives.iter().map(|a| &a.id).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn emergencies_get_the_emergency_answer_first() {
    let app = crate::demo_app().await;
    for q in [
        "ich will nicht mehr leben",
        "Mein Ex droht mich umzubringen",
        "wo kann ich heute nacht schlafen ich bin obdachlos",
    ] {
        let r = app.ask("demo", q, None).expect("ask");
        assert_eq!(r.kind, Kind::Answer, "{q}");
        let a = r.answer.expect("answer");
        assert!(
            a.topics.contains(&"notfall-krise".to_owned()),
            "{q}: {}",
            a.id
        );
    }
}

#[tokio::test]
async fn gibberish_gets_a_fallback_with_contact_options() {
    let app = crate::demo_app().await;
    let r = app.ask("demo", "xqzv plorg wumm", None).expect("ask");
    assert_eq!(r.kind, Kind::Fallback);
    let a = r.answer.expect("fallback carries the contact options");
    assert!(a.topics.is_empty());
    assert!(
        a.body_markdown.contains("01234 56789-0"),
        "placeholders are filled: {}",
        a.body_markdown
    );
}

#[tokio::test]
async fn placeholders_are_resolved_in_answers() {
    let app = crate::demo_app().await;
    let r = app
        .ask("demo", "Wie hoch ist der Regelsatz?", None)
        .expect("ask");
    let a = r.answer.expect("answer");
    assert!(a.body_markdown.contains("563 €"), "{}", a.body_markdown);
    assert!(!a.body_html.contains("{{"), "{}", a.body_html);
}

#[tokio::test]
async fn bad_questions_are_clear_errors() {
    let app = crate::demo_app().await;
    assert!(matches!(
        app.ask("demo", "   ", None),
        Err(AppError::EmptyQuestion)
    ));
    assert!(matches!(
        app.ask("demo", &"a".repeat(1001), None),
        Err(AppError::QuestionTooLong { max: 1000 })
    ));
    assert!(matches!(
        app.ask("nope", "Hallo", None),
        Err(AppError::NotFound { .. })
    ));
}

#[tokio::test]
async fn stored_questions_are_redacted_and_feedback_is_kept() {
    let app = crate::demo_app().await;
    let r = app
        .ask(
            "demo",
            "Ich heiße Erika Muster, Tel. 0171 2345678, wann kommt das Geld?",
            None,
        )
        .expect("ask");
    app.feedback(
        "demo",
        &r.message_id,
        false,
        Some("Mail an erika@example.org"),
    )
    .await
    .expect("feedback");
    let stored = app.db().messages("demo", 10).await.expect("messages");
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].text_redacted.contains("Erika"),
        "{}",
        stored[0].text_redacted
    );
    assert!(
        !stored[0].text_redacted.contains("2345678"),
        "{}",
        stored[0].text_redacted
    );
    assert_eq!(
        app.db().feedback_counts("demo").await.expect("counts"),
        (0, 1)
    );
    let unknown = app.feedback("demo", "no-such-message", true, None).await;
    assert!(matches!(unknown, Err(AppError::NotFound { .. })));
}

#[tokio::test]
async fn a_saved_answer_is_live_immediately() {
    let app = crate::demo_app().await;
    let before = app
        .ask(
            "demo",
            "Gibt es beim Jobcenter einen Zuschuss für Hundefutter?",
            None,
        )
        .expect("ask");
    assert_ne!(
        before.answer.as_ref().map(|a| a.id.as_str()),
        Some("hundefutter")
    );
    let mut a = lotse_core::content::Answer::new(
        "hundefutter",
        "Zahlt das Jobcenter Hundefutter?",
        vec!["einmalige-leistungen-sonderbedarf".into()],
        vec![
            "Zuschuss für Hundefutter".into(),
            "Jobcenter Hundefutter bezahlen".into(),
            "Tierfutter Hund Kosten".into(),
        ],
        "Nein, Kosten für Haustiere sind aus dem Regelbedarf zu bezahlen.",
    );
    a.as_of = Some("2026-07-01".into());
    app.save_answers("demo", &[a], "test").await.expect("save");
    let after = app
        .ask(
            "demo",
            "Gibt es beim Jobcenter einen Zuschuss für Hundefutter?",
            None,
        )
        .expect("ask");
    assert_eq!(after.answer.map(|a| a.id), Some("hundefutter".into()));
}
