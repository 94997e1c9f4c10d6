//! Graceful shutdown (issue 8): on SIGTERM `lotse serve` stops taking new connections, lets a
//! request that is under way finish, stores the questions it has answered, and exits with 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::instances::serve;

#[test]
fn sigterm_finishes_the_running_request_and_keeps_the_questions() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An empty database URL: the default SQLite database in the data directory.
    let mut server = serve("", dir.path());
    let addr = server
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();

    // A request under way: the head is sent with `Expect: 100-continue`; the server answers
    // "100 Continue" once the handler reads the body, so the request is provably being processed
    // before the signal (no sleeps). The body follows after SIGTERM.
    let body = br#"{"text":"Wer zahlt die Kaution?"}"#;
    let mut running = TcpStream::connect(&addr).expect("connect");
    write!(
        running,
        "POST /api/v1/tenants/demo/ask HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("head");
    running.flush().expect("flush");
    let mut interim = [0u8; 25];
    running
        .read_exact(&mut interim)
        .expect("the server asks for the body");
    assert!(
        String::from_utf8_lossy(&interim).starts_with("HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&interim)
    );

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    // Shutdown has begun once the listener is closed: new connections are refused.
    let started = Instant::now();
    while TcpStream::connect(&addr).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server still accepts connections after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    running.write_all(body).expect("body");
    let mut response = String::new();
    running
        .read_to_string(&mut response)
        .expect("the running request gets its answer");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"kind\""), "{response}");

    let exit = server.child.wait().expect("wait");
    assert!(exit.success(), "exit status {exit}");

    // The answered question was stored before the process ended (the writer is flushed).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let stored = rt.block_on(async {
        let db = lotse_store::Db::open_dir(dir.path()).await.expect("open");
        db.messages("demo", 10).await.expect("messages")
    });
    assert!(
        stored.iter().any(|m| m.text_redacted.contains("Kaution")),
        "stored: {:?}",
        stored.iter().map(|m| &m.text_redacted).collect::<Vec<_>>()
    );
}
