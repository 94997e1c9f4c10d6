//! `cargo xtask bench http`: a bounded loopback load test of `POST /ask` with `wrk`.
//! Starts `lotse serve` (rate limit off) in a fresh data directory with the demo tenant, runs wrk
//! against 127.0.0.1 only, reports throughput, latency percentiles and the server's resident memory.

use std::process::{Child, Command, Stdio};
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
    let server = Server::start(&binary)?;
    let script = server.dir.path().join("ask.lua");
    std::fs::write(
        &script,
        format!(
            "local bodies = {{{}}}\nlocal i = 0\nwrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n\
             request = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, '/api/v1/tenants/demo/ask', nil, bodies[i])\nend\n",
            lua_ask_bodies()
        ),
    )?;
    let out = wrk(&script, &server.url(), threads, connections, duration)?;
    println!("{out}");
    println!("server memory after the run: {} kB", server.rss_kb());
    Ok(())
}

/// The questions as a Lua list of JSON bodies of `POST /ask`.
pub(crate) fn lua_ask_bodies() -> String {
    QUESTIONS
        .iter()
        .map(|q| {
            format!(
                "'{}'",
                serde_json::json!({ "text": q })
                    .to_string()
                    .replace('\'', "\\'")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs wrk with a Lua script against `url` and returns what it printed.
pub(crate) fn wrk(
    script: &std::path::Path,
    url: &str,
    threads: u32,
    connections: u32,
    seconds: u64,
) -> Result<String> {
    let out = Command::new("wrk")
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    if !out.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `lotse serve` (rate limit off, logs at warn) in a fresh data directory with the demo tenant,
/// listening on a free loopback port; killed when dropped.
pub(crate) struct Server {
    child: Child,
    port: u16,
    pub dir: tempfile::TempDir,
}

impl Server {
    pub fn start(binary: &str) -> Result<Server> {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        Server::start_in(binary, &data, dir)
    }

    /// Like [`Server::start`], on the data directory `data` (`dir` is kept until the drop).
    pub fn start_in(
        binary: &str,
        data: &std::path::Path,
        dir: tempfile::TempDir,
    ) -> Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(binary)
            .args([
                "--data-dir",
                data.to_str().context("path")?,
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
        let server = Server { child, port, dir };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("server did not start");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Resident memory of the server process (VmRSS), 0 if it cannot be read.
    pub fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
