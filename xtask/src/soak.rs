//! `cargo xtask bench soak`: sustained loopback load for several minutes (issue 8).
//! One `lotse serve` (rate limit off, fresh data directory, demo tenant) gets a citizen's mix of
//! requests from wrk in rounds — questions, feedback on the answers it got, the widget's config
//! and the full-page chat — and after every round the server's resident memory is read. The
//! report says whether there were errors and whether memory stayed flat after the first round
//! (indexes built, caches and the question writer warm). Loopback only, bounded to 30 minutes.

use anyhow::{Context, Result, bail};

use crate::load::{Server, lua_ask_bodies, wrk};

/// One wrk round, as read from its output.
#[derive(Debug, Default, PartialEq)]
struct Round {
    requests: u64,
    non_2xx: u64,
    socket_errors: u64,
    p50: String,
    p99: String,
}

pub fn run(args: &[&str]) -> Result<()> {
    let mut binary = "target/release/lotse".to_owned();
    let (mut minutes, mut round_seconds, mut connections, mut threads) = (5u64, 60u64, 16u32, 2u32);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().map(|s| s.to_string()).context("missing value");
        match *a {
            "--binary" => binary = value()?,
            "--minutes" => minutes = value()?.parse()?,
            "--round-seconds" => round_seconds = value()?.parse()?,
            "--connections" => connections = value()?.parse()?,
            "--threads" => threads = value()?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    if minutes == 0 || minutes > 30 || round_seconds < 5 {
        bail!("a soak here is bounded: 1–30 minutes, rounds of at least 5 s");
    }
    let rounds = (minutes * 60).div_ceil(round_seconds);
    let mut server = Server::start(&binary)?;
    let script = server.dir.path().join("soak.lua");
    std::fs::write(&script, lua_script())?;
    println!(
        "soak: {rounds} rounds of {round_seconds} s, {connections} connections, {threads} wrk threads, against {}",
        server.url()
    );
    println!("| round | requests | non-2xx | socket errors | p50 | p99 | server RSS |");
    println!("|---|---|---|---|---|---|---|");
    let mut all = Vec::new();
    for n in 1..=rounds {
        let out = wrk(&script, &server.url(), threads, connections, round_seconds)?;
        let round = parse(&out).with_context(|| format!("reading wrk's output:\n{out}"))?;
        let rss = server.rss_kb();
        println!(
            "| {n} | {} | {} | {} | {} | {} | {:.1} MB |",
            round.requests,
            round.non_2xx,
            round.socket_errors,
            round.p50,
            round.p99,
            rss as f64 / 1024.0
        );
        if !server.alive() {
            bail!("the server died in round {n}");
        }
        all.push((round, rss));
    }
    let requests: u64 = all.iter().map(|(r, _)| r.requests).sum();
    let errors: u64 = all.iter().map(|(r, _)| r.non_2xx + r.socket_errors).sum();
    let after_warmup = all.first().map_or(0, |(_, rss)| *rss) as f64 / 1024.0;
    let last = all.last().map_or(0, |(_, rss)| *rss) as f64 / 1024.0;
    let peak = all.iter().map(|(_, rss)| *rss).max().unwrap_or(0) as f64 / 1024.0;
    println!(
        "\n{requests} requests in {minutes} min; errors (non-2xx + socket): {errors}; \
         RSS after round 1 {after_warmup:.1} MB, at the end {last:.1} MB ({:+.1} MB), peak {peak:.1} MB",
        last - after_warmup
    );
    let ready = std::process::Command::new("curl")
        .args(["-sf", &format!("{}/readyz", server.url())])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    println!(
        "/readyz after the soak: {}",
        if ready { "200" } else { "not ready" }
    );
    if errors > 0 || !ready {
        bail!("the soak saw errors");
    }
    Ok(())
}

/// wrk's Lua script: of every ten requests, seven questions, one feedback on the last answer,
/// one widget config and one full-page chat.
fn lua_script() -> String {
    format!(
        r#"local asks = {{{asks}}}
local i, n, last_id = 0, 0, nil
wrk.headers['Content-Type'] = 'application/json'
request = function()
  n = n + 1
  local slot = n % 10
  if slot == 3 and last_id then
    local body = '{{"message_id":"' .. last_id .. '","helpful":true}}'
    last_id = nil
    return wrk.format('POST', '/api/v1/tenants/demo/feedback', nil, body)
  elseif slot == 5 then
    return wrk.format('GET', '/api/v1/tenants/demo/config')
  elseif slot == 8 then
    return wrk.format('GET', '/t/demo')
  end
  i = i % #asks + 1
  return wrk.format('POST', '/api/v1/tenants/demo/ask', nil, asks[i])
end
response = function(status, headers, body)
  local id = string.match(body, '"message_id":"([^"]+)"')
  if id then last_id = id end
end
"#,
        asks = lua_ask_bodies()
    )
}

/// Reads requests, errors and the 50th/99th latency percentiles from wrk's `--latency` output.
fn parse(out: &str) -> Option<Round> {
    let mut round = Round::default();
    for line in out.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [n, "requests", "in", ..] => round.requests = n.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", n] => round.non_2xx = n.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                round.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum()
            }
            ["50%", v] => round.p50 = (*v).to_owned(),
            ["99%", v] => round.p99 = (*v).to_owned(),
            _ => {}
        }
    }
    (round.requests > 0).then_some(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let out = "Running 1m test @ http://127.0.0.1:1\n  2 threads and 16 connections\n  Latency Distribution\n     50%   10.12ms\n     75%   20.00ms\n     99%  120.50ms\n  12345 requests in 1.00m, 3.21MB read\n  Socket errors: connect 0, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 4\nRequests/sec:    205.75\n";
        assert_eq!(
            parse(out),
            Some(Round {
                requests: 12345,
                non_2xx: 4,
                socket_errors: 5,
                p50: "10.12ms".into(),
                p99: "120.50ms".into(),
            })
        );
        assert_eq!(parse("wrk: nothing"), None);
    }
}
