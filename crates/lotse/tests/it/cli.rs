//! The command line as operators use it in a shell: pipes, backups.

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

fn lotse(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lotse"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("LOTSE__EMBEDDINGS__ENABLED", "false")
        .output()
        .expect("run lotse")
}

fn tenants(dir: &std::path::Path) -> String {
    let out = lotse(dir, &["tenant", "list"]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `lotse backup` then `lotse restore` bring the database back to the backup's state; a damaged
/// backup is refused and leaves the database as it was.
#[test]
fn restore_brings_back_a_backup_and_refuses_a_damaged_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let created = lotse(
        &data,
        &["tenant", "create", "nord", "--name", "Jobcenter Nord"],
    );
    assert!(created.status.success(), "{created:?}");
    let backup = dir.path().join("sicherung.db");
    let out = lotse(&data, &["backup", backup.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{out:?}");

    let deleted = lotse(&data, &["tenant", "delete", "nord", "--confirm", "nord"]);
    assert!(deleted.status.success(), "{deleted:?}");
    assert!(!tenants(&data).contains("nord"));

    let damaged = dir.path().join("kaputt.db");
    std::fs::write(&damaged, b"not a database at all, just some text").expect("write");
    let out = lotse(&data, &["restore", damaged.to_str().expect("utf-8 path")]);
    assert!(!out.status.success(), "a damaged backup must be refused");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert!(
        !tenants(&data).contains("nord"),
        "the database is unchanged"
    );
    let left: Vec<_> = std::fs::read_dir(&data)
        .expect("data dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".restore"))
        .collect();
    assert!(left.is_empty(), "staged copies left behind: {left:?}");

    let out = lotse(&data, &["restore", backup.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{out:?}");
    assert!(tenants(&data).contains("nord"), "{}", tenants(&data));
}
