//! `cargo xtask bench http`: a bounded loopback load test of `POST /ask` with `wrk`.
//! Starts `lotse serve` (rate limit off) in a fresh data directory with the demo tenant, runs wrk
//! against 127.0.0.1 only, reports throughput, latency percentiles and the server's resident memory.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Questions cycled by the wrk script: a realistic mix (answer, clarify, fallback).
const QUESTIONS: &[&str] = &[
    "Wie hoch ist der Regelsatz?",
    "miete zu hoch was nun",
    "WBA vergessen",
    "Zahlt das Jobcenter die Kaution?",
    "ich hab eine nebenkostennachzahlung bekommen zahlt das amt das",
    "Darf ich mit Hartz 4 in den Urlaub fahren?",
    "Wie viel darf ich im Minijob dazuverdienen?",
    "Welches Restaurant hat heute offen?",
];

pub fn run(args: &[&str]) -> Result<()> {
    let mut binary = "target/release/lotse".to_owned();
    let (mut duration, mut connections, mut threads) = (20u64, 32u32, 2u32);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().map(|s| s.to_string()).context("missing value");
        match *a {
            "--binary" => binary = value()?,
            "--duration" => duration = value()?.parse()?,
            "--connections" => connections = value()?.parse()?,
            "--threads" => threads = value()?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    if duration > 120 {
        bail!("load tests here are bounded: at most 120 s");
    }
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = Command::new(&binary)
        .args([
            "--data-dir",
            dir.path().join("data").to_str().context("path")?,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("LOTSE__RATE_LIMIT__ENABLED", "false")
        .env("LOTSE__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| {
            format!("starting {binary} (build it with cargo build --release -p lotse)")
        })?;
    let result = (|| {
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("server did not start");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let script = dir.path().join("ask.lua");
        let bodies: Vec<String> = QUESTIONS
            .iter()
            .map(|q| {
                format!(
                    "'{}'",
                    serde_json::json!({ "text": q })
                        .to_string()
                        .replace('\'', "\\'")
                )
            })
            .collect();
        std::fs::write(
            &script,
            format!(
                "local bodies = {{{}}}\nlocal i = 0\nwrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n\
                 request = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, '/api/v1/tenants/demo/ask', nil, bodies[i])\nend\n",
                bodies.join(", ")
            ),
        )?;
        let out = Command::new("wrk")
            .args([
                "-t",
                &threads.to_string(),
                "-c",
                &connections.to_string(),
                "-d",
                &format!("{duration}s"),
                "--latency",
                "-s",
            ])
            .arg(&script)
            .arg(format!("http://127.0.0.1:{port}"))
            .output()
            .context("running wrk (apt-get install wrk)")?;
        println!("{}", String::from_utf8_lossy(&out.stdout));
        let rss = std::fs::read_to_string(format!("/proc/{}/status", server.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS"))
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        println!("server memory after the run: {rss}");
        Ok(())
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
}
