//! The command line as operators use it in a shell.

use std::process::{Command, Stdio};

/// `lotse ask … | head -1`: the reader goes away before everything is printed. The command stops
/// quietly with 0, as other command-line tools do, instead of panicking with a backtrace.
#[test]
fn a_closed_pipe_on_stdout_ends_the_command_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotse"))
        .args(["ask", "--explain", "--data-dir"])
        .arg(dir.path())
        .arg("Wer zahlt die Kaution?")
        .env("LOTSE__EMBEDDINGS__ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lotse ask");
    // Close the reading end at once: loading the knowledge base takes far longer, so the
    // first line is written into a pipe nobody reads.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}
