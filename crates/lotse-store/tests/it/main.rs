//! Store tests: versions, durability across reopen and across kill -9, and tenant isolation.

mod conformance;
mod crash;
mod isolation;

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
    for (backend, db) in lotse_store::testing::databases().await {
        eprintln!("on {backend}");
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
}

#[tokio::test]
async fn bad_tenant_ids_and_duplicates_are_refused() {
    for (backend, db) in lotse_store::testing::databases().await {
        eprintln!("on {backend}");
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
}

#[tokio::test]
async fn a_draft_on_top_of_a_published_answer_keeps_it_live_until_archived() {
    for (backend, db) in lotse_store::testing::databases().await {
        eprintln!("on {backend}");
        db.create_tenant("a", "A").await.expect("tenant");
        db.save_answer("a", &answer("x", "live"), "erika")
            .await
            .expect("save");
        let mut draft = answer("x", "entwurf");
        draft.status = lotse_core::content::Status::Draft;
        db.save_answer("a", &draft, "max").await.expect("draft");
        assert_eq!(db.answer("a", "x").await.expect("current").body, "entwurf");
        assert_eq!(db.live_answers("a").await.expect("live")[0].body, "live");
        let head = &db.answer_heads("a").await.expect("heads")[0];
        assert_eq!((head.version, head.published_version), (2, Some(1)));
        draft.status = lotse_core::content::Status::Archived;
        db.save_answer("a", &draft, "max").await.expect("archive");
        assert!(db.live_answers("a").await.expect("live").is_empty());
        let mut new_draft = answer("y", "nur entwurf");
        new_draft.status = lotse_core::content::Status::Review;
        db.save_answer("a", &new_draft, "max")
            .await
            .expect("review");
        assert!(
            db.live_answers("a").await.expect("live").is_empty(),
            "never published, never live"
        );
    }
}

#[tokio::test]
async fn staff_accounts_sessions_and_audit_are_tenant_scoped() {
    for (backend, db) in lotse_store::testing::databases().await {
        eprintln!("on {backend}");
        db.create_tenant("a", "A").await.expect("tenant");
        db.create_tenant("b", "B").await.expect("tenant");
        db.insert_user("a", "anna@a.example", "editor", "$argon2id$x", false)
            .await
            .expect("user");
        let dup = db
            .insert_user("b", "anna@a.example", "editor", "$argon2id$x", false)
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(_))),
            "an address signs in to one tenant only"
        );
        assert!(matches!(
            db.user("b", "anna@a.example").await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(
            db.user_by_email("anna@a.example")
                .await
                .expect("db")
                .expect("user")
                .tenant_id,
            "a"
        );

        let far = lotse_store::now_ms() + 60_000;
        db.insert_session("a", "anna@a.example", "hash1", "csrf1", far)
            .await
            .expect("session");
        db.delete_session("b", "hash1").await.expect("delete in b");
        assert!(
            db.session("hash1", lotse_store::now_ms())
                .await
                .expect("db")
                .is_some(),
            "b cannot end a's session"
        );
        assert!(
            db.session("hash1", far).await.expect("db").is_none(),
            "expired sessions are not found"
        );

        let entry = lotse_store::AuditEntry {
            at: 1,
            actor: "anna@a.example".into(),
            action: "answer.publish".into(),
            target: "x".into(),
            before: None,
            after: Some(serde_json::json!({"body": "neu"})),
        };
        db.insert_audit("a", &entry).await.expect("audit");
        assert_eq!(
            db.audit_log("a", 10).await.expect("log")[0].after,
            entry.after
        );
        assert!(db.audit_log("b", 10).await.expect("log").is_empty());
    }
}

#[tokio::test]
async fn role_changes_and_deletions_are_tenant_scoped_and_keep_an_admin() {
    for (backend, db) in lotse_store::testing::databases().await {
        eprintln!("on {backend}");
        db.create_tenant("a", "A").await.expect("tenant");
        db.create_tenant("b", "B").await.expect("tenant");
        for (tenant, email, role) in [
            ("a", "chefin@a.example", "admin"),
            ("a", "anna@a.example", "editor"),
            ("b", "bert@b.example", "admin"),
        ] {
            db.insert_user(tenant, email, role, "$argon2id$x", false)
                .await
                .expect("user");
        }
        let not_found = |r: Result<(), StoreError>| matches!(r, Err(StoreError::NotFound(_)));
        assert!(not_found(
            db.set_user_role("a", "bert@b.example", "viewer").await
        ));
        assert!(not_found(db.delete_user("a", "bert@b.example").await));
        assert_eq!(
            db.user("b", "bert@b.example").await.expect("b").role,
            "admin"
        );

        let last = db.set_user_role("a", "chefin@a.example", "editor").await;
        assert!(matches!(last, Err(StoreError::Conflict(_))), "{last:?}");
        let last = db.delete_user("a", "chefin@a.example").await;
        assert!(matches!(last, Err(StoreError::Conflict(_))), "{last:?}");

        db.set_user_role("a", "anna@a.example", "admin")
            .await
            .expect("promote");
        db.insert_session("a", "chefin@a.example", "hash1", "csrf1", i64::MAX)
            .await
            .expect("session");
        db.delete_user("a", "chefin@a.example")
            .await
            .expect("another admin is left");
        assert!(
            db.session("hash1", 0).await.expect("db").is_none(),
            "sessions go too"
        );
        assert!(not_found(db.delete_user("a", "chefin@a.example").await));
    }
}

fn message(tenant: &str, id: &str, kind: &str, text: &str, at: i64) -> lotse_store::MessageRecord {
    lotse_store::MessageRecord {
        tenant_id: tenant.into(),
        id: id.into(),
        conversation_id: "c".into(),
        text_redacted: text.into(),
        kind: kind.into(),
        answer_id: (kind == "answer").then(|| "x".into()),
        confidence: 0.5,
        created_at: at,
    }
}

#[tokio::test]
async fn the_inbox_holds_unanswered_and_disliked_questions_per_tenant() {
    use lotse_store::{InboxDecision, InboxState};
    for (backend, db) in lotse_store::testing::databases().await {
        eprintln!("on {backend}");
        db.create_tenant("a", "A").await.expect("a");
        db.create_tenant("b", "B").await.expect("b");
        db.insert_messages(&[
            message("a", "m1", "fallback", "Xylophon?", 1),
            message("a", "m2", "clarify", "Geld?", 2),
            message("a", "m3", "answer", "Regelsatz?", 3),
            message("a", "m4", "answer", "Miete?", 4),
            message("a", "m5", "answer", "[Auswahl] Miete", 5),
            message("b", "m6", "fallback", "Nur B", 6),
        ])
        .await
        .expect("messages");
        db.insert_feedback("a", "m3", true, None).await.expect("up");
        db.insert_feedback("a", "m4", false, None)
            .await
            .expect("down");
        db.insert_feedback("a", "m5", false, None)
            .await
            .expect("down on a choice");
        let ids = |items: Vec<lotse_store::InboxItem>| {
            items.into_iter().map(|i| i.message_id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(db.inbox("a", 10).await.expect("inbox")),
            ["m4", "m2", "m1"]
        );
        assert_eq!(db.inbox_count("a").await.expect("count"), 3);
        assert_eq!(ids(db.inbox("b", 10).await.expect("inbox")), ["m6"]);
        let wanted = ["m1".to_owned(), "m6".to_owned()];
        assert_eq!(
            ids(db.inbox_items("a", &wanted).await.expect("items")),
            ["m1"],
            "another tenant's message is not an item"
        );

        let decision = InboxDecision {
            message_ids: &["m1".to_owned()],
            state: InboxState::Dismissed,
            answer_id: None,
            decided_by: "erika",
            decided_at: 7,
        };
        db.decide_inbox("a", &decision, &[]).await.expect("decide");
        assert_eq!(ids(db.inbox("a", 10).await.expect("inbox")), ["m4", "m2"]);
        assert_eq!(db.inbox_count("b").await.expect("count"), 1, "B untouched");
        assert!(matches!(
            db.decide_inbox("a", &decision, &[answer("y", "neu")]).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            matches!(db.answer("a", "y").await, Err(StoreError::NotFound(_))),
            "all or nothing: the answer of a failed decision is not saved"
        );
    }
}
