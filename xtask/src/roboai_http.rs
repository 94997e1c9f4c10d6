//! The HTTP half of the roboai benchmark: imports the train lines as Rasa NLU data with
//! `lotse import --format rasa` into a fresh data directory, starts `lotse serve` on a free
//! loopback port with the rate limit off, asks every test line over HTTP and reports accuracy
//! and latency. `base` is the path of the `lotse` binary (e.g. target/release/lotse).

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::roboai::Line;

pub fn run(binary: &str, lines: &[Line]) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut intents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.split == "train") {
        intents.entry(&l.intent).or_default().push(&l.text);
    }
    let mut yaml = String::from("version: \"3.1\"\nnlu:\n");
    for (intent, examples) in &intents {
        yaml.push_str(&format!("- intent: {intent}\n  examples: |\n"));
        for e in examples {
            yaml.push_str(&format!("    - {}\n", e.replace('\n', " ")));
        }
    }
    let nlu = dir.path().join("nlu.yml");
    std::fs::write(&nlu, yaml)?;
    let data = dir.path().join("data");
    let status = Command::new(binary)
        .args([
            "--data-dir",
            data.to_str().context("path")?,
            "import",
            "--tenant",
            "roboai",
            "--create-tenant",
            "--format",
            "rasa",
        ])
        .arg(&nlu)
        .status()
        .with_context(|| format!("running {binary}"))?;
    if !status.success() {
        bail!("import failed");
    }
    let started = Instant::now();
    let server = crate::load::Server::start_in(binary, &data, dir)?;
    ask_all(server.port(), lines, started)
}

fn ask_all(port: u16, lines: &[Line], started: Instant) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        loop {
            if client
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("server not ready after 60 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "server ready after {} ms (demo + roboai tenants)",
            started.elapsed().as_millis()
        );
        let tests: Vec<&Line> = lines.iter().filter(|l| l.split == "test").collect();
        let (mut right, mut answered_right, mut answered_wrong) = (0usize, 0usize, 0usize);
        let mut times = Vec::with_capacity(tests.len());
        for l in &tests {
            let t = Instant::now();
            let reply: serde_json::Value = client
                .post(format!("{base}/api/v1/tenants/roboai/ask"))
                .json(&serde_json::json!({"text": l.text}))
                .send()
                .await?
                .json()
                .await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            let kind = reply["kind"].as_str().unwrap_or_default();
            let top = match kind {
                "answer" => reply["answer"]["id"].as_str(),
                "clarify" => reply["alternatives"][0]["id"].as_str(),
                _ => None,
            };
            if top == Some(l.intent.as_str()) {
                right += 1;
                if kind == "answer" {
                    answered_right += 1;
                }
            } else if kind == "answer" {
                answered_wrong += 1;
            }
        }
        times.sort_by(f64::total_cmp);
        let n = tests.len() as f64;
        println!("roboai over HTTP: {} test questions", tests.len());
        println!(
            "accuracy (answer id, or first clarify option, = gold intent): {:.3}",
            right as f64 / n
        );
        println!(
            "answered confidently and right: {:.3}, confidently wrong: {:.3}",
            answered_right as f64 / n,
            answered_wrong as f64 / n
        );
        println!(
            "latency per request (sequential): median {:.2} ms, p99 {:.2} ms",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
        Ok(())
    })
}
