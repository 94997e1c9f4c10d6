//! Replies in the asker's language: language versions, Leichte Sprache, the "only in German"
//! note; and, with the real embedding model (`LOTSE_TEST_E5_MODEL`), questions in other
//! languages and the vector cache across restarts.

use lotse_app::semantic::State;
use lotse_core::content::Review;

const WITH_VERSIONS: &str = "antrag-erstantrag";
const WITHOUT_VERSIONS: &str = "alg1-aufstocken";

#[tokio::test]
async fn an_answer_comes_in_the_language_asked_for() {
    let app = crate::demo_app().await;
    let en = app
        .answer_by_id_in("demo", WITH_VERSIONS, None, Some("en-GB"))
        .expect("answer");
    let a = en.answer.expect("answer");
    assert_eq!(a.language, "en");
    assert_eq!(a.review, Some(Review::Machine));
    assert!(a.notice.is_none());
    assert!(!a.body_markdown.contains("{{"), "placeholders resolved");

    let ls = app
        .answer_by_id_in("demo", WITH_VERSIONS, None, Some("de-x-ls"))
        .expect("answer")
        .answer
        .expect("answer");
    assert_eq!(ls.language, "de-x-ls");

    let de = app
        .answer_by_id_in("demo", WITH_VERSIONS, None, None)
        .expect("answer")
        .answer
        .expect("answer");
    assert_eq!(de.language, "de");
    assert!(de.review.is_none() && de.notice.is_none());
}

#[tokio::test]
async fn without_a_version_the_reply_says_so_in_the_askers_language() {
    let app = crate::demo_app().await;
    // Ukrainian, with a Leichte Sprache version: that one, with a Ukrainian note.
    let uk = app
        .answer_by_id_in("demo", WITH_VERSIONS, None, Some("uk"))
        .expect("answer")
        .answer
        .expect("answer");
    assert_eq!(uk.language, "de-x-ls");
    assert!(
        uk.notice
            .as_deref()
            .is_some_and(|n| n.contains("німецькою"))
    );

    // Turkish, no version at all: German with a Turkish note.
    let tr = app
        .answer_by_id_in("demo", WITHOUT_VERSIONS, None, Some("tr"))
        .expect("answer")
        .answer
        .expect("answer");
    assert_eq!(tr.language, "de");
    assert!(tr.notice.as_deref().is_some_and(|n| n.contains("Almanca")));

    // Leichte Sprache asked for, none there: German with a German note.
    let ls = app
        .answer_by_id_in("demo", WITHOUT_VERSIONS, None, Some("de-x-ls"))
        .expect("answer")
        .answer
        .expect("answer");
    assert_eq!(ls.language, "de");
    assert!(
        ls.notice
            .as_deref()
            .is_some_and(|n| n.contains("Leichter Sprache"))
    );
}

#[tokio::test]
async fn a_question_in_another_language_gets_a_note_even_without_the_model() {
    let app = crate::demo_app().await;
    assert!(!app.semantic().ready());
    let r = app
        .ask_in("demo", "Як подати заяву на допомогу?", None, Some("de"))
        .expect("ask");
    // Lexically nothing matches a Ukrainian sentence: the fallback, with a Ukrainian note.
    if let Some(a) = &r.answer {
        assert!(a.notice.is_some(), "{a:?}");
    }
}

#[tokio::test]
async fn the_state_of_the_model_is_reported() {
    let app = crate::demo_app().await;
    let state = app.semantic().state();
    assert!(
        matches!(state, State::Missing(_) | State::NotBuilt),
        "{state:?}"
    );
    assert!(!state.describe().is_empty());
}

/// With the real model: Ukrainian, English and Arabic questions reach their topic, and a restart
/// on the same data directory embeds nothing again.
#[cfg(feature = "embeddings")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_model_other_languages_reach_their_topic_and_vectors_are_cached() {
    let Some(model) = std::env::var_os("LOTSE_TEST_E5_MODEL") else {
        eprintln!("skipped: set LOTSE_TEST_E5_MODEL to a multilingual-e5-small directory");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = lotse_app::Config::default();
    config.server.data_dir = dir.path().to_path_buf();
    config.embeddings.model_dir = model.into();
    config.embeddings.threads = 2;
    let open = || async {
        let db = lotse_store::Db::open_dir(dir.path()).await.expect("db");
        lotse_app::App::new(db, config.clone()).await.expect("app")
    };
    let app = open().await;
    app.seed_demo().await.expect("seed");
    assert_eq!(app.tenants_matching_by_meaning(), 0, "not before the model");
    assert_eq!(app.load_semantic().await, State::Ready);
    assert_eq!(app.tenants_matching_by_meaning(), 1);
    let cached = app.semantic().cached();
    assert!(cached > 1000, "{cached} vectors");
    let kb = app.kb("demo").expect("kb");
    assert!(kb.index.has_semantic() && kb.index.hybrid().samples > 0);

    let cases = [
        (
            "Як подати заяву на допомогу від Jobcenter?",
            "antrag-erstantrag",
        ),
        (
            "How do I apply for basic income support?",
            "antrag-erstantrag",
        ),
        (
            "Does the Jobcenter pay my rent deposit?",
            "kaution-genossenschaftsanteile",
        ),
    ];
    let mut right = 0;
    for (q, topic) in cases {
        let r = app.ask("demo", q, None).expect("ask");
        let topics: Vec<&String> = r
            .answer
            .iter()
            .flat_map(|a| a.topics.iter())
            .chain(r.alternatives.iter().flat_map(|a| a.topics.iter()))
            .collect();
        if topics.iter().any(|t| t.as_str() == topic) {
            right += 1;
        } else {
            eprintln!("{q}: {:?} {topics:?}", r.kind);
        }
    }
    assert!(
        right >= 2,
        "only {right} of 3 questions reached their topic"
    );
    let en = app
        .ask("demo", "How do I apply for basic income support?", None)
        .expect("ask");
    if let Some(a) = en.answer.filter(|a| a.id == "antrag-erstantrag") {
        assert_eq!(a.language, "en", "answered with the English version");
    }
    drop(kb);
    drop(app);

    // Restart: the index has its vectors before the model is loaded, and nothing is embedded again.
    let app = open().await;
    assert!(app.kb("demo").expect("kb").index.has_semantic());
    app.load_semantic().await;
    assert_eq!(app.semantic().cached(), cached);
}
