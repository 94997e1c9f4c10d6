//! The nightly learning job, called directly: a re-fit is swapped in and the day recorded; a
//! re-fit that breaks the regression suite is not swapped in and the old answers keep coming.

use std::sync::Arc;

use lotse_app::retrain::{run_all, run_once};
use lotse_app::{AppError, Config, now_ms};
use lotse_core::engine::EngineConfig;
use lotse_core::reply::Kind;
use lotse_store::DAY_MS;

const REGELSATZ: &str = "Wie hoch ist der Regelsatz?";
const NONSENSE: &str = "Xylophon Quadratwurzel Gurkensalat";

#[tokio::test]
async fn a_refit_is_swapped_in_and_the_days_figures_are_recorded() {
    let app = crate::demo_app().await;
    let answered = app.ask("demo", REGELSATZ, None).expect("ask");
    assert_eq!(answered.kind, Kind::Answer);
    let fallback = app.ask("demo", NONSENSE, None).expect("ask");
    assert_eq!(fallback.kind, Kind::Fallback);
    app.flush().await;
    app.feedback("demo", &answered.message_id, true, None)
        .await
        .expect("up");
    app.feedback("demo", &fallback.message_id, false, None)
        .await
        .expect("down");
    let old = app.kb("demo").expect("kb");

    // The night after today: today's questions are the day recorded.
    let now = now_ms() + DAY_MS;
    let outcome = run_once(&app, "demo", now, Config::default().engine)
        .await
        .expect("run");
    assert!(outcome.swapped, "{outcome:?}");
    assert!(outcome.variants > 500, "{outcome:?}");
    assert!(
        outcome.consistent_after * 10 > outcome.variants * 9,
        "most variants get their own answer: {outcome:?}"
    );
    assert!(outcome.reason.starts_with("Neu angepasst"), "{outcome:?}");
    assert!(
        !Arc::ptr_eq(&old, &app.kb("demo").expect("kb")),
        "swapped in"
    );
    assert_eq!(
        app.ask("demo", REGELSATZ, None)
            .expect("ask")
            .answer
            .map(|a| a.id),
        answered.answer.map(|a| a.id)
    );

    assert_eq!(outcome.day, lotse_app::today());
    let rows = app
        .db()
        .daily_stats("demo", &outcome.day, &outcome.day)
        .await
        .expect("stats");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let t = row.traffic;
    assert_eq!(
        (t.questions, t.answered, t.clarify, t.fallback),
        (2, 1, 0, 1)
    );
    assert_eq!((t.thumbs_up, t.thumbs_down), (1, 1));
    assert_eq!(row.inbox_open, 1);
    assert!(row.swapped);
    assert_eq!(row.variants as usize, outcome.variants);
    assert_eq!(row.consistent_after as usize, outcome.consistent_after);

    // Running again the same night replaces the row instead of adding one.
    run_once(&app, "demo", now, Config::default().engine)
        .await
        .expect("again");
    let rows = app
        .db()
        .daily_stats("demo", "2000-01-01", "2999-12-31")
        .await
        .expect("stats");
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn a_refit_that_breaks_the_regression_suite_is_not_swapped_in() {
    let app = crate::demo_app().await;
    let before = app.ask("demo", REGELSATZ, None).expect("ask");
    assert_eq!(before.kind, Kind::Answer);
    let old = app.kb("demo").expect("kb");

    // A configuration that learns nothing: every score part weighs 0, so nothing matches.
    let broken = EngineConfig {
        weight_bm25: 0.0,
        weight_ngram: 0.0,
        weight_centroid: 0.0,
        weight_classifier: 0.0,
        classifier_epochs: 0,
        ..EngineConfig::default()
    };
    let outcome = run_once(&app, "demo", now_ms(), broken).await.expect("run");
    assert!(!outcome.swapped, "{outcome:?}");
    assert!(
        outcome.consistent_after < outcome.consistent_before,
        "{outcome:?}"
    );
    assert!(
        outcome.reason.starts_with("Nicht übernommen"),
        "{outcome:?}"
    );
    assert!(!outcome.lost.is_empty(), "{outcome:?}");
    assert!(
        Arc::ptr_eq(&old, &app.kb("demo").expect("kb")),
        "old index kept"
    );

    let after = app.ask("demo", REGELSATZ, None).expect("ask");
    assert_eq!(after.kind, Kind::Answer);
    assert_eq!(
        after.answer.map(|a| a.id),
        before.answer.map(|a| a.id),
        "the old answers still come"
    );
    let rows = app
        .db()
        .daily_stats("demo", &outcome.day, &outcome.day)
        .await
        .expect("stats");
    assert!(!rows[0].swapped);
    assert_eq!(rows[0].reason, outcome.reason);
}

#[tokio::test]
async fn every_tenant_is_refitted_with_its_own_figures() {
    let app = crate::demo_app().await;
    app.create_tenant("leer", "Leeres Jobcenter")
        .await
        .expect("tenant");
    app.ask("demo", REGELSATZ, None).expect("ask");
    app.flush().await;

    let now = now_ms() + DAY_MS;
    let results = run_all(&app, now).await;
    let tenants: Vec<&str> = results.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tenants, ["demo", "leer"]);
    let demo = results[0].1.as_ref().expect("demo");
    let empty = results[1].1.as_ref().expect("leer");
    assert_eq!(demo.traffic.questions, 1);
    assert_eq!(empty.traffic.questions, 0, "no other tenant's questions");
    assert_eq!((empty.variants, empty.swapped), (0, true));

    let unknown = run_once(&app, "gibt-es-nicht", now, Config::default().engine).await;
    assert!(
        matches!(unknown, Err(AppError::NotFound { .. })),
        "{unknown:?}"
    );
}
