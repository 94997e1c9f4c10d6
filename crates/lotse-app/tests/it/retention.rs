//! The retention job (issue 8): old conversations, questions, feedback and inbox items are
//! deleted after the tenant's retention period, recent ones stay, and the counts survive.

use lotse_app::retention::{self, DEFAULT_RETENTION_DAYS};
use lotse_store::{DAY_MS, InboxDecision, InboxState, MessageRecord};

fn message(tenant: &str, id: &str, conversation: &str, kind: &str, at: i64) -> MessageRecord {
    MessageRecord {
        tenant_id: tenant.into(),
        id: id.into(),
        conversation_id: conversation.into(),
        text_redacted: format!("Frage {id}"),
        kind: kind.into(),
        answer_id: None,
        confidence: 0.1,
        created_at: at,
    }
}

#[tokio::test]
async fn old_citizen_data_is_deleted_and_the_counts_stay() {
    let app = crate::demo_app().await;
    let db = app.db();
    db.create_tenant("other", "Anderes Jobcenter")
        .await
        .expect("tenant");
    // 2026-07-01 00:00 UTC plus some hours.
    let now = 20_635 * DAY_MS + 5 * 3_600_000;
    let old = now - (DEFAULT_RETENTION_DAYS + 1) * DAY_MS;
    let recent = now - (DEFAULT_RETENTION_DAYS - 1) * DAY_MS;
    db.insert_messages(&[
        message("demo", "old-1", "c-old", "fallback", old),
        message("demo", "old-2", "c-old", "answer", old + 60_000),
        message("demo", "new-1", "c-new", "fallback", recent),
        message("other", "other-old", "c-other", "fallback", old),
    ])
    .await
    .expect("messages");
    db.insert_feedback("demo", "old-2", false, Some("schlecht"))
        .await
        .expect("feedback");
    db.insert_feedback("demo", "new-1", true, None)
        .await
        .expect("feedback");
    db.decide_inbox(
        "demo",
        &InboxDecision {
            message_ids: &["old-1".to_owned()],
            state: InboxState::Dismissed,
            answer_id: None,
            decided_by: "redaktion@example.org",
            decided_at: old + 120_000,
        },
        &[],
    )
    .await
    .expect("decision");

    let outcome = retention::run_once(&app, "demo", now).await.expect("run");
    assert_eq!(outcome.retention_days, 90);
    assert_eq!(outcome.deleted.messages, 2, "{outcome:?}");
    assert_eq!(outcome.deleted.feedback, 1);
    assert_eq!(outcome.deleted.inbox_decisions, 1);
    assert_eq!(outcome.deleted.conversations, 1);
    assert_eq!(outcome.days_summarised, 1);

    let left: Vec<String> = db
        .messages("demo", 100)
        .await
        .expect("messages")
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(left, vec!["new-1".to_owned()]);
    assert_eq!(db.feedback_counts("demo").await.expect("counts"), (1, 0));
    // The other tenant's old question is not this run's business.
    assert_eq!(db.messages("other", 100).await.expect("other").len(), 1);
    // The deleted day's counts were kept, with no text.
    let day = lotse_app::date_of(old);
    let stats = db.daily_stats("demo", &day, &day).await.expect("stats");
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].traffic.questions, 2);
    assert_eq!(stats[0].traffic.fallback, 1);
    assert_eq!(stats[0].traffic.thumbs_down, 1);

    // A second run finds nothing more to do.
    let again = retention::run_once(&app, "demo", now).await.expect("run");
    assert_eq!(again.deleted, lotse_store::Purged::default());
    assert_eq!(again.days_summarised, 0);
}

#[tokio::test]
async fn a_tenant_sets_its_own_retention_period() {
    let app = crate::demo_app().await;
    let db = app.db();
    db.set_tenant_settings("demo", &serde_json::json!({"retention_days": 7}))
        .await
        .expect("settings");
    let now = 20_635 * DAY_MS;
    db.insert_messages(&[
        message("demo", "eight-days", "c1", "answer", now - 8 * DAY_MS),
        message("demo", "six-days", "c2", "answer", now - 6 * DAY_MS),
    ])
    .await
    .expect("messages");
    let results = retention::run_all(&app, now).await;
    let demo = results
        .iter()
        .find(|(t, _)| t == "demo")
        .and_then(|(_, r)| r.as_ref().ok())
        .expect("demo outcome");
    assert_eq!(demo.retention_days, 7);
    assert_eq!(demo.deleted.messages, 1);
    let left = db.messages("demo", 10).await.expect("messages");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, "six-days");
}
