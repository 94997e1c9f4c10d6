//! Store tests: versions, durability across reopen, and tenant isolation.

use lotse_core::content::Answer;
use lotse_store::{Db, StoreError};

fn answer(id: &str, body: &str) -> Answer {
    Answer::new(
        id,
        "Titel",
        vec!["antrag-erstantrag".into()],
        vec!["Frage eins".into(), "Frage zwei".into()],
        body,
    )
}

#[tokio::test]
async fn versions_are_kept_and_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let db = Db::open_dir(dir.path()).await.expect("open");
        db.create_tenant("a", "A").await.expect("tenant");
        assert_eq!(
            db.save_answer("a", &answer("x", "eins"), "erika")
                .await
                .expect("save"),
            1
        );
        assert_eq!(
            db.save_answer("a", &answer("x", "zwei"), "max")
                .await
                .expect("save"),
            2
        );
    }
    let db = Db::open_dir(dir.path()).await.expect("reopen");
    assert_eq!(db.answer("a", "x").await.expect("answer").body, "zwei");
    let history = db.answer_history("a", "x").await.expect("history");
    assert_eq!(
        history
            .iter()
            .map(|v| (v.version, v.author.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, "max"), (1, "erika")]
    );
}

#[tokio::test]
async fn tenants_never_see_each_others_data() {
    let db = Db::open_url("sqlite::memory:").await.expect("open");
    db.create_tenant("a", "A").await.expect("a");
    db.create_tenant("b", "B").await.expect("b");
    db.save_answer("a", &answer("geheim", "nur A"), "x")
        .await
        .expect("save");
    assert!(db.answers("b").await.expect("answers").is_empty());
    assert!(matches!(
        db.answer("b", "geheim").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        db.answer_history("b", "geheim").await,
        Err(StoreError::NotFound(_))
    ));
    db.insert_messages(&[lotse_store::MessageRecord {
        tenant_id: "a".into(),
        id: "m1".into(),
        conversation_id: "c1".into(),
        text_redacted: "Frage".into(),
        kind: "answer".into(),
        answer_id: Some("geheim".into()),
        confidence: 0.9,
        created_at: 1,
    }])
    .await
    .expect("messages");
    assert!(matches!(
        db.insert_feedback("b", "m1", true, None).await,
        Err(StoreError::NotFound(_))
    ));
    db.insert_feedback("a", "m1", true, None)
        .await
        .expect("own feedback");
    assert!(db.messages("b", 10).await.expect("messages").is_empty());
}

#[tokio::test]
async fn bad_tenant_ids_and_duplicates_are_refused() {
    let db = Db::open_url("sqlite::memory:").await.expect("open");
    assert!(matches!(
        db.create_tenant("Groß Buchstaben", "x").await,
        Err(StoreError::Invalid { .. })
    ));
    db.create_tenant("a", "A").await.expect("a");
    assert!(matches!(
        db.create_tenant("a", "A").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        db.save_answer("nope", &answer("x", "y"), "x").await,
        Err(StoreError::NotFound(_))
    ));
}
