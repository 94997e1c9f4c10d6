//! The crash test (issue 8): a child process writes a burst of staff saves (new versions of
//! answers) and citizen questions from several tasks at once and prints an acknowledgement
//! after each write returns; the parent kills it with SIGKILL in the middle of the burst,
//! reopens the database and checks that every acknowledged write is there and that SQLite's
//! integrity check passes.
//!
//! The child is this test binary itself, started again with `LOTSE_CRASH_CHILD_DIR` set.
//! It tests the store's durability promise (WAL, `synchronous = FULL`); the HTTP layer only
//! answers "saved" after the store call returned.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use lotse_core::content::Answer;
use lotse_store::{Db, MessageRecord};

const CHILD_ENV: &str = "LOTSE_CRASH_CHILD_DIR";
const TEST_NAME: &str = "crash::acknowledged_writes_survive_kill_9";
/// Acknowledgements the parent waits for before it kills the child.
const KILL_AFTER: usize = 300;

fn answer(id: &str, n: usize) -> Answer {
    Answer::new(
        id,
        "Titel",
        vec!["antrag-erstantrag".into()],
        vec!["Frage eins".into(), format!("Frage {n}")],
        &format!("Fassung {n}: {}", "Text ".repeat(50)),
    )
}

/// The child: writes until it is killed.
async fn burst(dir: &str) {
    let db = Db::open_dir(std::path::Path::new(dir)).await.expect("open");
    db.create_tenant("crash", "Crash").await.expect("tenant");
    let mut tasks = Vec::new();
    for writer in 0..2 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..100_000 {
                let id = format!("antwort-{writer}-{}", n % 5);
                let version = db
                    .save_answer("crash", &answer(&id, n), "staff")
                    .await
                    .expect("save");
                println!("ack answer {id} {version}");
            }
        }));
    }
    let questions = db.clone();
    tasks.push(tokio::spawn(async move {
        for n in 0..100_000 {
            let batch: Vec<MessageRecord> = (0..3)
                .map(|k| MessageRecord {
                    tenant_id: "crash".into(),
                    id: format!("m-{n}-{k}"),
                    conversation_id: format!("c-{n}"),
                    text_redacted: "Wann kommt das Geld?".into(),
                    kind: "answer".into(),
                    answer_id: None,
                    confidence: 0.9,
                    created_at: lotse_store::now_ms(),
                })
                .collect();
            questions.insert_messages(&batch).await.expect("messages");
            for m in &batch {
                println!("ack message {}", m.id);
            }
        }
    }));
    for t in tasks {
        t.await.expect("task");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        burst(&dir).await;
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the child");
    let stdout = child.stdout.take().expect("stdout");
    let mut answers: Vec<(String, i64)> = Vec::new();
    let mut messages: HashSet<String> = HashSet::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["ack", "answer", id, version] => {
                answers.push(((*id).to_owned(), version.parse().expect("version")));
            }
            ["ack", "message", id] => {
                messages.insert((*id).to_owned());
            }
            _ => continue,
        }
        if answers.len() + messages.len() >= KILL_AFTER {
            break;
        }
    }
    // SIGKILL, in the middle of the burst: no destructor, no checkpoint, no clean close.
    child.kill().expect("kill -9");
    child.wait().expect("wait");
    assert!(
        answers.len() + messages.len() >= KILL_AFTER,
        "the child stopped early after {} answers and {} messages",
        answers.len(),
        messages.len()
    );

    let db = Db::open_dir(dir.path())
        .await
        .expect("reopen after the crash");
    assert_eq!(db.integrity_check().await.expect("integrity_check"), "ok");
    for (id, version) in &answers {
        let history = db.answer_history("crash", id).await.expect("history");
        assert!(
            history.iter().any(|v| v.version == *version),
            "acknowledged save {id} v{version} is missing"
        );
    }
    let stored: HashSet<String> = db
        .messages("crash", 1_000_000)
        .await
        .expect("messages")
        .into_iter()
        .map(|m| m.id)
        .collect();
    let lost: Vec<&String> = messages.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged questions lost: {lost:?}");
    println!(
        "crash test: killed after {} acknowledged saves and {} acknowledged questions; all present, integrity ok",
        answers.len(),
        messages.len()
    );
}
