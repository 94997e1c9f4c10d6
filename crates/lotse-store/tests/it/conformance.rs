//! The store's conformance story: every `Db` function once, on every backend the test run has
//! (SQLite always, PostgreSQL with `LOTSE_TEST_POSTGRES_URL`). The other tests of this binary
//! run on both too; this one covers what they leave out (figures, retention, variables,
//! synonyms, settings, the second factor's state, sign-in challenges).

use std::collections::HashMap;

use lotse_core::content::Status;
use lotse_store::{DAY_MS, DailyStats, Db, StoreError, Traffic, WEEK_MS, WEEK_OFFSET_MS};

use crate::{answer, message};

#[tokio::test]
async fn every_store_function_behaves_the_same_on_each_backend() {
    for (backend, db) in lotse_store::testing::databases().await {
        eprintln!("on {backend}");
        story(&db).await;
    }
}

async fn story(db: &Db) {
    db.ping().await.expect("ping");
    assert_eq!(db.integrity_check().await.expect("check"), "ok");

    // Tenants and settings.
    db.create_tenant("b", "B").await.expect("b");
    db.create_tenant("a", "A").await.expect("a");
    let ids: Vec<String> = db
        .tenants()
        .await
        .expect("tenants")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["a", "b"]);
    let settings = serde_json::json!({"four_eyes": true, "retention_days": 30});
    db.set_tenant_settings("a", &settings)
        .await
        .expect("settings");
    assert_eq!(db.tenant("a").await.expect("a").settings, settings);
    assert!(matches!(
        db.set_tenant_settings("nope", &settings).await,
        Err(StoreError::NotFound(_))
    ));

    // Variables and synonyms.
    let vars = HashMap::from([("telefon".to_owned(), "0611 1".to_owned())]);
    db.set_variables("a", &vars).await.expect("vars");
    let vars2 = HashMap::from([("telefon".to_owned(), "0611 2".to_owned())]);
    db.set_variables("a", &vars2).await.expect("vars replaced");
    assert_eq!(db.variables("a").await.expect("vars"), vars2);
    assert!(db.variables("b").await.expect("vars").is_empty());
    let groups = vec![
        vec!["alg2".to_owned(), "buergergeld".to_owned()],
        vec!["jc".to_owned(), "jobcenter".to_owned()],
    ];
    db.set_synonyms("a", &groups).await.expect("synonyms");
    assert_eq!(db.synonyms("a").await.expect("synonyms"), groups);
    assert!(db.synonyms("b").await.expect("synonyms").is_empty());

    // Answers: counts and heads.
    let mut draft = answer("y", "entwurf");
    draft.status = Status::Draft;
    db.save_answers("a", &[answer("x", "live"), draft], "erika")
        .await
        .expect("save");
    assert_eq!(
        db.count_answers("a", Status::Published)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        db.count_answers("a", Status::Draft).await.expect("count"),
        1
    );
    let head = db.answer_head("a", "x").await.expect("head");
    assert_eq!((head.version, head.published_version), (1, Some(1)));
    assert!(matches!(
        db.answer_head("b", "x").await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(db.answers("a").await.expect("answers").len(), 2);

    // Citizen questions, feedback and figures.
    let t0 = 20 * DAY_MS;
    let mut messages = vec![
        message("a", "m1", "answer", "Regelsatz?", t0 + 1),
        message("a", "m2", "fallback", "Xylophon?", t0 + 2),
        message("a", "m3", "answer", "[Auswahl] Miete", t0 + 3),
        message("a", "m4", "clarify", "Geld?", t0 + DAY_MS + 4),
    ];
    messages[0].confidence = 0.75;
    db.insert_messages(&messages).await.expect("messages");
    db.insert_messages(&messages)
        .await
        .expect("inserting twice changes nothing");
    let stored = db.messages("a", 10).await.expect("messages");
    assert_eq!(stored.len(), 4);
    assert!((stored[3].confidence - 0.75).abs() < 1e-6, "{stored:?}");
    db.insert_feedback("a", "m1", false, Some("zu lang"))
        .await
        .expect("down");
    db.insert_feedback("a", "m1", true, None)
        .await
        .expect("changed to up, comment kept");
    db.insert_feedback("a", "m3", false, None)
        .await
        .expect("down");
    assert_eq!(db.feedback_counts("a").await.expect("counts"), (1, 1));
    assert_eq!(db.feedback_counts("b").await.expect("counts"), (0, 0));

    let days = db
        .traffic_by_span("a", t0, t0 + 2 * DAY_MS, DAY_MS, 0)
        .await
        .expect("days");
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].start, t0);
    assert_eq!(
        days[0].traffic,
        Traffic {
            questions: 2,
            answered: 1,
            clarify: 0,
            fallback: 1,
            thumbs_up: 1,
            thumbs_down: 1
        }
    );
    assert_eq!(days[1].traffic.clarify, 1);
    let weeks = db
        .traffic_by_span("a", 0, t0 + 2 * DAY_MS, WEEK_MS, WEEK_OFFSET_MS)
        .await
        .expect("weeks");
    assert_eq!(weeks.iter().map(|w| w.traffic.questions).sum::<i64>(), 3);
    assert_eq!(
        db.traffic("a", t0, t0 + 2 * DAY_MS)
            .await
            .expect("sum")
            .questions,
        3
    );
    let uses = db.answer_use("a", t0, t0 + 2 * DAY_MS).await.expect("use");
    assert_eq!(uses.len(), 1);
    assert_eq!(
        (uses[0].given, uses[0].thumbs_up, uses[0].thumbs_down),
        (2, 1, 1)
    );

    let day = DailyStats {
        day: "1970-01-21".into(),
        traffic: days[0].traffic,
        inbox_open: 2,
        variants: 10,
        consistent_before: 9,
        consistent_after: 10,
        swapped: true,
        reason: "besser".into(),
        recorded_at: t0,
    };
    db.save_daily_stats("a", &day).await.expect("daily");
    let replaced = DailyStats {
        swapped: false,
        reason: "schlechter".into(),
        ..day.clone()
    };
    db.save_daily_stats("a", &replaced)
        .await
        .expect("daily replaced");
    assert_eq!(
        db.daily_stats("a", "1970-01-01", "1970-12-31")
            .await
            .expect("daily"),
        [replaced]
    );
    assert!(
        db.daily_stats("b", "1970-01-01", "1970-12-31")
            .await
            .expect("daily")
            .is_empty()
    );

    // The inbox by ids, and retention.
    let wanted = ["m2".to_owned(), "m4".to_owned()];
    assert_eq!(db.inbox_items("a", &wanted).await.expect("items").len(), 2);
    assert_eq!(
        db.days_with_messages("a", t0 + 2 * DAY_MS)
            .await
            .expect("days"),
        [t0, t0 + DAY_MS]
    );
    let purged = db.purge_before("a", t0 + DAY_MS).await.expect("purge");
    assert_eq!((purged.messages, purged.feedback), (3, 2));
    assert_eq!(db.messages("a", 10).await.expect("left").len(), 1);

    // Staff: sign-in state, passwords, second factor, challenges, sessions.
    db.insert_user("a", "anna@a.example", "admin", "$argon2id$1", true)
        .await
        .expect("user");
    assert!(
        db.user("a", "anna@a.example")
            .await
            .expect("user")
            .must_change_password
    );
    db.set_password("a", "anna@a.example", "$argon2id$2", false)
        .await
        .expect("password");
    db.set_login_state("a", "anna@a.example", 3, 99)
        .await
        .expect("state");
    let anna = db.user("a", "anna@a.example").await.expect("user");
    assert_eq!(
        (
            anna.password_hash.as_str(),
            anna.must_change_password,
            anna.failed_logins,
            anna.locked_until
        ),
        ("$argon2id$2", false, 3, 99)
    );
    assert_eq!(db.users("a").await.expect("users").len(), 1);
    assert!(matches!(
        db.set_password("b", "anna@a.example", "x", false).await,
        Err(StoreError::NotFound(_))
    ));
    db.set_totp_pending("a", "anna@a.example", Some("GEHEIM"))
        .await
        .expect("pending");
    assert!(matches!(
        db.activate_totp("a", "anna@a.example", "ANDERS", 5).await,
        Err(StoreError::Conflict(_))
    ));
    db.activate_totp("a", "anna@a.example", "GEHEIM", 5)
        .await
        .expect("activate");
    assert!(
        db.user("a", "anna@a.example")
            .await
            .expect("user")
            .totp_enabled()
    );
    assert!(
        !db.use_totp_step("a", "anna@a.example", 5)
            .await
            .expect("replay")
    );
    assert!(
        db.use_totp_step("a", "anna@a.example", 6)
            .await
            .expect("next step")
    );
    let far = i64::MAX / 2;
    db.insert_login_challenge("a", "anna@a.example", "ch1", far)
        .await
        .expect("challenge");
    assert_eq!(
        db.login_challenge("ch1", 0).await.expect("challenge"),
        Some(("a".to_owned(), "anna@a.example".to_owned()))
    );
    db.delete_login_challenge("b", "ch1")
        .await
        .expect("not b's");
    assert!(
        db.login_challenge("ch1", 0)
            .await
            .expect("challenge")
            .is_some()
    );
    db.delete_login_challenge("a", "ch1").await.expect("delete");
    assert!(
        db.login_challenge("ch1", 0)
            .await
            .expect("challenge")
            .is_none()
    );
    db.insert_login_challenge("a", "anna@a.example", "ch2", far)
        .await
        .expect("challenge");
    db.clear_totp("a", "anna@a.example").await.expect("clear");
    assert!(
        !db.user("a", "anna@a.example")
            .await
            .expect("user")
            .totp_enabled()
    );
    assert!(
        db.login_challenge("ch2", 0)
            .await
            .expect("gone with it")
            .is_none()
    );
    db.insert_session("a", "anna@a.example", "s1", "c1", far)
        .await
        .expect("session");
    db.insert_session("a", "anna@a.example", "s2", "c2", far)
        .await
        .expect("session");
    db.delete_sessions_of("a", "anna@a.example", Some("s2"))
        .await
        .expect("others");
    assert!(db.session("s1", 0).await.expect("s1").is_none());
    assert_eq!(
        db.session("s2", 0)
            .await
            .expect("s2")
            .expect("kept")
            .csrf_token,
        "c2"
    );
    db.delete_sessions_of("a", "anna@a.example", None)
        .await
        .expect("all");
    assert!(db.session("s2", 0).await.expect("s2").is_none());

    // The platform: names, suspension, the platform-admin right, shared knowledge.
    db.rename_tenant("b", "Jobcenter B").await.expect("rename");
    db.set_tenant_suspended("b", Some(7))
        .await
        .expect("suspend");
    assert_eq!(db.tenant("b").await.expect("b").suspended_at, Some(7));
    db.set_tenant_suspended("b", None).await.expect("resume");
    assert_eq!(db.tenant("b").await.expect("b").name, "Jobcenter B");
    db.set_platform_admin("a", "anna@a.example", true)
        .await
        .expect("platform admin");
    assert!(
        db.user("a", "anna@a.example")
            .await
            .expect("user")
            .platform_admin
    );
    let seen = HashMap::from([("x".to_owned(), 1_i64)]);
    db.set_subscription("b", Some("a"), &seen)
        .await
        .expect("subscribe");
    assert_eq!(
        db.subscription("b").await.expect("sub").as_deref(),
        Some("a")
    );
    assert_eq!(db.subscribers("a").await.expect("subscribers"), ["b"]);
    db.set_shared_local(
        "b",
        "x",
        Some((lotse_store::LocalMode::Override, Some(1))),
        "bert",
    )
    .await
    .expect("override");
    db.set_shared_local(
        "b",
        "y",
        Some((lotse_store::LocalMode::Hidden, None)),
        "bert",
    )
    .await
    .expect("hide");
    let local = db.shared_local("b").await.expect("local");
    assert_eq!(
        (local["x"].base_version, local["y"].mode),
        (Some(1), lotse_store::LocalMode::Hidden)
    );
    db.set_shared_seen("b", &HashMap::from([("x".to_owned(), 2_i64)]))
        .await
        .expect("seen");
    assert_eq!(db.shared_seen("b").await.expect("seen")["x"], 2);
    assert!(
        matches!(db.delete_tenant("a").await, Err(StoreError::Conflict(_))),
        "a base with subscribers"
    );
    db.create_tenant("c", "C").await.expect("c");
    db.set_variables("c", &vars).await.expect("vars");
    assert!(
        db.tenant_row_counts("c")
            .await
            .expect("counts")
            .iter()
            .any(|(t, n)| *t == "tenant_variables" && *n == 1)
    );
    db.delete_tenant("c").await.expect("delete");
    assert!(matches!(db.tenant("c").await, Err(StoreError::NotFound(_))));
}

/// `$n` placeholders bind by number on both backends, also when a query uses one twice or out
/// of order (the answer save does both).
#[tokio::test]
async fn numbered_placeholders_bind_by_number() {
    for (backend, db) in lotse_store::testing::databases().await {
        assert_eq!(
            lotse_store::testing::placeholder_check(&db)
                .await
                .expect("query"),
            "b-a-b",
            "on {backend}"
        );
    }
}

/// Both backends have the same migrations: same versions, same names.
#[test]
fn migrations_match_between_backends() {
    let list = |backend: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = list("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, list("postgres"));
}

/// Revisions count announced changes per tenant, and a job's period is claimed once.
#[tokio::test]
async fn changes_are_counted_and_jobs_claimed_once() {
    for (backend, db) in lotse_store::testing::databases().await {
        db.create_tenant("a", "A").await.expect("a");
        db.create_tenant("b", "B").await.expect("b");
        assert_eq!(db.revision("a").await.expect("rev"), 0, "on {backend}");
        assert_eq!(db.announce_change("a").await.expect("announce"), 1);
        assert_eq!(db.announce_change("a").await.expect("announce"), 2);
        let revisions = db.revisions().await.expect("revisions");
        assert_eq!((revisions["a"], revisions["b"]), (2, 0));
        assert!(matches!(
            db.announce_change("nope").await,
            Err(StoreError::NotFound(_))
        ));
        let claims = futures_claims(&db).await;
        assert_eq!(claims, 1, "one of four instances runs the job on {backend}");
        assert!(
            db.claim_job("retention", "2026-11-22", "x")
                .await
                .expect("claim")
        );
    }
}

async fn futures_claims(db: &Db) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..4 {
        let db = db.clone();
        tasks.spawn(async move {
            db.claim_job("retention", "2026-11-21", &format!("instance-{i}"))
                .await
                .expect("claim")
        });
    }
    let mut won = 0;
    while let Some(r) = tasks.join_next().await {
        won += usize::from(r.expect("task"));
    }
    won
}

/// On PostgreSQL, an announced change reaches a listener (another instance) with the tenant.
#[tokio::test]
async fn a_change_is_announced_to_listeners_on_postgres() {
    let Some(url) = lotse_store::testing::fresh_postgres_url()
        .await
        .expect("server")
    else {
        eprintln!("skipped: LOTSE_TEST_POSTGRES_URL is not set");
        return;
    };
    let one = Db::open_url(&url).await.expect("instance one");
    let two = Db::open_url(&url).await.expect("instance two");
    let mut changes = two
        .listen_changes()
        .await
        .expect("listen")
        .expect("postgres listens");
    one.create_tenant("a", "A").await.expect("a");
    one.announce_change("a").await.expect("announce");
    assert_eq!(changes.next().await.expect("notification"), "a");
    let sqlite = Db::open_url("sqlite::memory:").await.expect("sqlite");
    assert!(
        sqlite
            .listen_changes()
            .await
            .expect("no listener")
            .is_none()
    );
}

/// `copy::TABLES` names every table of the schema, so `migrate-store` copies everything.
#[tokio::test]
async fn the_copy_list_names_every_table() {
    for (backend, db) in lotse_store::testing::databases().await {
        let mut listed: Vec<String> = lotse_store::copy::TABLES
            .iter()
            .map(|(t, _)| (*t).to_owned())
            .collect();
        listed.sort();
        assert_eq!(
            listed,
            db.table_names().await.expect("tables"),
            "on {backend}"
        );
    }
}

/// `lotse migrate-store`: SQLite → PostgreSQL → SQLite keeps every row of every table (and
/// SQLite → SQLite without a PostgreSQL server); a second copy into a filled database is
/// refused; the audit log goes on numbering after the copied entries.
#[tokio::test]
async fn an_installation_survives_a_round_trip_between_backends() {
    let source = Db::open_url("sqlite::memory:").await.expect("source");
    story(&source).await;
    source.announce_change("a").await.expect("revision");
    source
        .claim_job("retention", "2026-11-21", "x")
        .await
        .expect("claim");
    for n in 0..3 {
        let entry = lotse_store::AuditEntry {
            at: n,
            actor: "anna@a.example".into(),
            action: "answer.publish".into(),
            target: "x".into(),
            before: None,
            after: Some(serde_json::json!({"n": n})),
        };
        source.insert_audit("a", &entry).await.expect("audit");
    }
    // Rows in the tables the story leaves empty.
    let far = i64::MAX / 2;
    source
        .insert_session("a", "anna@a.example", "s9", "c9", far)
        .await
        .expect("session");
    source
        .insert_login_challenge("a", "anna@a.example", "ch9", far)
        .await
        .expect("challenge");
    source
        .insert_feedback("a", "m4", false, Some("[NAME] fragt"))
        .await
        .expect("feedback");
    let decision = lotse_store::InboxDecision {
        message_ids: &["m4".to_owned()],
        state: lotse_store::InboxState::Dismissed,
        answer_id: None,
        decided_by: "anna@a.example",
        decided_at: 5,
    };
    source
        .decide_inbox("a", &decision, &[])
        .await
        .expect("decision");
    let middle = match lotse_store::testing::fresh_postgres_url()
        .await
        .expect("server")
    {
        Some(url) => Db::open_url(&url).await.expect("postgres"),
        None => Db::open_url("sqlite::memory:").await.expect("sqlite"),
    };
    let back = Db::open_url("sqlite::memory:").await.expect("back");
    let counts = source.copy_into(&middle).await.expect("there");
    assert!(
        counts.iter().any(|(t, n)| *t == "messages" && *n == 1),
        "{counts:?}"
    );
    middle.copy_into(&back).await.expect("and back");
    let expected = source.dump().await.expect("dump");
    let empty: Vec<_> = expected
        .iter()
        .filter(|(_, rows)| rows.is_empty())
        .map(|(t, _)| *t)
        .collect();
    assert!(empty.is_empty(), "every table has rows to copy: {empty:?}");
    assert_eq!(
        middle.dump().await.expect("dump"),
        expected,
        "{:?}",
        middle.backend()
    );
    assert_eq!(back.dump().await.expect("dump"), expected);
    assert!(matches!(
        source.copy_into(&middle).await,
        Err(StoreError::Conflict(_))
    ));
    let entry = lotse_store::AuditEntry {
        at: 9,
        actor: "anna@a.example".into(),
        action: "answer.publish".into(),
        target: "x".into(),
        before: None,
        after: None,
    };
    middle
        .insert_audit("a", &entry)
        .await
        .expect("a new entry after the copied ones");
    assert_eq!(middle.audit_log("a", 1).await.expect("log")[0].at, 9);
}

/// `lotse backup`: a consistent copy of a SQLite database in use, with everything in it.
#[tokio::test]
async fn a_sqlite_backup_holds_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open_dir(dir.path()).await.expect("open");
    story(&db).await;
    let file = dir.path().join("sicherung.db");
    db.backup_to(&file).await.expect("backup");
    assert!(
        matches!(db.backup_to(&file).await, Err(StoreError::Conflict(_))),
        "never overwrites"
    );
    let copy = Db::open_url(&format!("sqlite://{}", file.display()))
        .await
        .expect("open backup");
    assert_eq!(copy.integrity_check().await.expect("check"), "ok");
    assert_eq!(
        copy.dump().await.expect("dump"),
        db.dump().await.expect("dump")
    );
}
