//! `lotse eval`: asks every question of a JSONL file and scores the replies like SPEC §4.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result};
use lotse_app::App;
use lotse_core::eval::{Outcome, score};
use serde::Deserialize;

#[derive(Deserialize)]
struct Question {
    #[serde(default)]
    id: String,
    text: String,
    expect: Vec<String>,
    #[serde(default)]
    style: String,
}

#[derive(Default)]
struct Tally {
    n: usize,
    credit: f64,
    outcomes: BTreeMap<Outcome, usize>,
}

impl Tally {
    fn add(&mut self, o: Outcome) {
        self.n += 1;
        self.credit += o.credit();
        *self.outcomes.entry(o).or_default() += 1;
    }
    fn share(&self, o: Outcome) -> f64 {
        self.outcomes.get(&o).copied().unwrap_or(0) as f64 / self.n.max(1) as f64
    }
    fn line(&self) -> String {
        format!(
            "n={:<3} score {:.3}  correct {:.3}  clarify-right {:.3}  confidently-wrong {:.3}  clarify-wrong {:.3}  abstained {:.3}",
            self.n,
            self.credit / self.n.max(1) as f64,
            self.share(Outcome::Correct),
            self.share(Outcome::ClarifyRight),
            self.share(Outcome::Wrong),
            self.share(Outcome::ClarifyWrong),
            self.share(Outcome::Abstained)
        )
    }
}

pub fn run(app: &App, tenant: &str, jsonl: &str, verbose: bool) -> Result<String> {
    let kb = app.kb(tenant)?;
    let mut out = String::new();
    let mut total = Tally::default();
    let mut by_style: BTreeMap<String, Tally> = BTreeMap::new();
    for (i, line) in jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let q: Question = serde_json::from_str(line)
            .with_context(|| format!("line {}: not a question object", i + 1))?;
        let reply = app.ask(tenant, &q.text, None)?;
        let answer_topics = match reply.kind {
            lotse_core::reply::Kind::Answer => reply
                .answer
                .as_ref()
                .map(|a| a.topics.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let alt_topics: Vec<Vec<String>> = reply
            .alternatives
            .iter()
            .map(|a| a.topics.clone())
            .collect();
        let outcome = score(reply.kind.as_str(), &answer_topics, &alt_topics, &q.expect);
        total.add(outcome);
        by_style
            .entry(if q.style.is_empty() {
                "-".into()
            } else {
                q.style.clone()
            })
            .or_default()
            .add(outcome);
        if verbose
            || matches!(
                outcome,
                Outcome::Wrong | Outcome::ClarifyWrong | Outcome::Abstained
            )
        {
            let got = match reply.kind {
                lotse_core::reply::Kind::Answer => reply
                    .answer
                    .as_ref()
                    .map(|a| format!("{} {:?}", a.id, a.topics))
                    .unwrap_or_default(),
                lotse_core::reply::Kind::Clarify => format!(
                    "{:?}",
                    reply
                        .alternatives
                        .iter()
                        .map(|a| a.id.as_str())
                        .collect::<Vec<_>>()
                ),
                lotse_core::reply::Kind::Fallback => String::new(),
            };
            let _ = writeln!(
                out,
                "{:<13} {:<6} {:<12} {:<8} conf {:.2} expect {:?} got {}\n    {}",
                format!("{outcome:?}"),
                q.id,
                q.style,
                reply.kind.as_str(),
                reply.confidence,
                q.expect,
                got,
                q.text
            );
        }
    }
    let _ = writeln!(
        out,
        "\nTenant '{}' ({} answers live)",
        kb.tenant_id,
        kb.views.len()
    );
    if kb.index.has_semantic() {
        let h = kb.index.hybrid();
        let _ = writeln!(
            out,
            "  hybrid: {} texts with vectors; weight of meaning {:.2} (German), of words {:.2} (other languages); \
             held-out variants right first: {:.3} words alone, {:.3} hybrid (n={})",
            kb.index.semantic_len(),
            h.w_semantic,
            h.w_lexical_foreign,
            h.accuracy_lexical,
            h.accuracy_hybrid,
            h.samples
        );
        for (which, c, agree) in [
            ("German", &h.calibration, "meaning agrees"),
            ("other languages", &h.foreign, "words and meaning agree"),
        ] {
            let _ = writeln!(
                out,
                "  confidence ({which}): σ({:.2} + {:.2}·top + {:.2}·margin + {:.2}·{agree}), fitted on {} questions",
                c.bias, c.w_top, c.w_margin, c.w_agree, c.samples
            );
        }
    } else {
        let _ = writeln!(out, "  words only (no sentence vectors)");
    }
    for (style, t) in &by_style {
        let _ = writeln!(out, "  {style:<14} {}", t.line());
    }
    let _ = writeln!(out, "  {:<14} {}", "TOTAL", total.line());
    Ok(out)
}
