//! Import and export through the use cases.

use lotse_app::formats::Format;

#[tokio::test]
async fn rasa_import_creates_answers_named_after_intents() {
    let app = crate::demo_app().await;
    app.create_tenant("bench", "Bench").await.expect("tenant");
    let yaml = "nlu:\n- intent: greet\n  examples: |\n    - Hallo\n    - Guten Tag\n- intent: bye\n  examples: |\n    - Tschüss\n    - Auf Wiedersehen\n";
    assert_eq!(
        app.import("bench", Format::Rasa, yaml, "test")
            .await
            .expect("import"),
        2
    );
    let r = app.ask("bench", "guten tag", None).expect("ask");
    let a = r.answer.expect("answer");
    assert_eq!(a.id, "greet");
    assert_eq!(a.topics, vec!["greet"]);
    let exported = app.export("bench", Format::Rasa).await.expect("export");
    assert!(exported.contains("- intent: greet"), "{exported}");
}

#[tokio::test]
async fn lotse_format_round_trips_the_demo_content() {
    let app = crate::demo_app().await;
    let text = app.export("demo", Format::Lotse).await.expect("export");
    app.create_tenant("copy", "Kopie").await.expect("tenant");
    let n = app
        .import("copy", Format::Lotse, &text, "test")
        .await
        .expect("import");
    let original = app.db().answers("demo").await.expect("answers");
    assert_eq!(n, original.len());
    assert_eq!(app.db().answers("copy").await.expect("answers"), original);
}

#[tokio::test]
async fn import_into_an_unknown_tenant_is_not_found() {
    let app = crate::demo_app().await;
    let r = app
        .import("nope", Format::Csv, "question,answer\nq,a\n", "test")
        .await;
    assert!(matches!(r, Err(lotse_app::AppError::NotFound { .. })));
}
