//! `cargo xtask bench roboai`: imports the `train` lines of the roboai German FAQ data as intents
//! (one answer per intent, its lines the question variants) and asks every `test` line.
//! In-process it measures the engine alone; with `--http` it imports through `lotse import --format rasa`
//! semantics into a running server's tenant and asks over HTTP.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context, Result};
use lotse_core::analyze::Synonyms;
use lotse_core::engine::{EngineConfig, Index, IndexAnswer};
use lotse_core::reply::{Kind, OUT_OF_SCOPE_SAMPLES, decide};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Line {
    pub text: String,
    pub intent: String,
    pub split: String,
}

pub fn default_data() -> String {
    std::env::var("LOTSE_ROBOAI")
        .unwrap_or_else(|_| "../shared/bench-data/roboai_faq_de.jsonl".into())
}

pub fn load(path: &str) -> Result<Vec<Line>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).context("bad line"))
        .collect()
}

pub fn run(args: &[&str]) -> Result<()> {
    let mut data = default_data();
    let mut http = None;
    let mut dev = None;
    let mut max_variants = usize::MAX;
    let mut embeddings: Option<std::path::PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--data" => data = it.next().context("--data FILE")?.to_string(),
            // Tune on a development split of the train lines (fold 4, or --fold 0..4 for
            // cross-validation); the test lines stay for the final measurement.
            "--dev" => dev = Some(4),
            "--fold" => dev = Some(it.next().context("--fold 0..4")?.parse()?),
            // Simulates a knowledge base with few variants per answer.
            "--max-variants" => max_variants = it.next().context("--max-variants N")?.parse()?,
            // The hybrid engine with the multilingual-e5-small model in DIR (build xtask with
            // `--features embeddings`); vectors are cached in target/bench-vectors.
            "--embeddings" => embeddings = Some(it.next().context("--embeddings DIR")?.into()),
            "--http" => {
                http = Some(
                    it.next()
                        .context("--http PATH_TO_LOTSE_BINARY")?
                        .to_string(),
                )
            }
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let mut lines = load(&data)?;
    if let Some(fold) = dev {
        lines = dev_split(lines, fold);
    }
    if max_variants < usize::MAX {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        lines.retain(|l| {
            let n = seen.entry(format!("{}/{}", l.split, l.intent)).or_default();
            *n += 1;
            l.split != "train" || *n <= max_variants
        });
    }
    match http {
        None => in_process(&lines, embeddings.as_deref()),
        Some(base) => crate::roboai_http::run(&base, &lines),
    }
}

/// Drops the test lines and turns every fifth train line of each intent (from the `fold`-th on)
/// into a test line.
fn dev_split(lines: Vec<Line>, fold: usize) -> Vec<Line> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    lines
        .into_iter()
        .filter(|l| l.split == "train")
        .map(|mut l| {
            let n = seen.entry(l.intent.clone()).or_default();
            if *n % 5 == fold {
                l.split = "test".into();
            }
            *n += 1;
            l
        })
        .collect()
}

fn in_process(lines: &[Line], embeddings: Option<&std::path::Path>) -> Result<()> {
    let mut intents: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.split == "train") {
        intents.entry(&l.intent).or_default().push(l.text.clone());
    }
    let answers: Vec<IndexAnswer> = intents
        .into_iter()
        .map(|(id, questions)| IndexAnswer {
            id: id.to_owned(),
            title: id.to_owned(),
            topics: vec![id.to_owned()],
            questions,
            keywords: Vec::new(),
            semantic_texts: Vec::new(),
            body: String::new(),
        })
        .collect();
    let n_answers = answers.len();
    let tests: Vec<&Line> = lines.iter().filter(|l| l.split == "test").collect();
    let semantic = match embeddings {
        None => None,
        Some(dir) => {
            let test_texts: Vec<&str> = tests.iter().map(|l| l.text.as_str()).collect();
            let mut texts = lotse_core::semantic::texts_to_embed(&answers, OUT_OF_SCOPE_SAMPLES);
            texts.extend(test_texts);
            Some(crate::bench_embed::CachedModel::prepare(dir, &texts)?)
        }
    };
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    // Experiments: LOTSE_ENGINE='{"weight_bm25":0.5}' overrides engine settings for one run.
    let config: EngineConfig = match std::env::var("LOTSE_ENGINE") {
        Ok(json) => serde_json::from_str(&json).context("LOTSE_ENGINE")?,
        Err(_) => EngineConfig::default(),
    };
    let vectors = semantic.as_ref().map(|s| s.vectors());
    let index = Index::build_hybrid(
        answers,
        Synonyms::default(),
        config,
        OUT_OF_SCOPE_SAMPLES,
        vectors.as_ref(),
    );
    let build = started.elapsed();
    let build_cpu = cpu_seconds()
        .zip(cpu_started)
        .map(|(end, start)| end - start);
    let (mut top1, mut answered_right, mut answered_wrong, mut clarify, mut fallback) =
        (0, 0, 0, 0, 0);
    let mut times = Vec::with_capacity(tests.len());
    let (mut lexical_top1, mut model_calls) = (0, 0);
    for l in &tests {
        if semantic.is_some() {
            let lexical = decide(&index, &l.text);
            if lexical.ranking.candidates.first().map(|c| c.id.as_str()) == Some(l.intent.as_str())
            {
                lexical_top1 += 1;
            }
        }
        let t = Instant::now();
        let d = match &semantic {
            None => decide(&index, &l.text),
            Some(s) => {
                let d = lotse_core::reply::decide_with(&index, &l.text, Some(s));
                model_calls += usize::from(d.ranking.semantic);
                d
            }
        };
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        let best = d.ranking.candidates.first().map(|c| c.id.as_str());
        if best == Some(l.intent.as_str()) {
            top1 += 1;
        } else if std::env::var_os("LOTSE_SHOW_ERRORS").is_some() {
            println!(
                "MISS {:?} want {} got {:?} via {:?}",
                l.text,
                l.intent,
                best,
                d.ranking.candidates.first().map(|c| &c.matched)
            );
            for c in d.ranking.candidates.iter().take(3) {
                println!(
                    "    {} {:.3} = bm25 {:.3}, ngram {:.3}, centroid {:.3}, classifier {:.3}",
                    c.id, c.score, c.bm25, c.ngram, c.centroid, c.classifier
                );
            }
        }
        match d.kind {
            Kind::Answer if best == Some(l.intent.as_str()) => answered_right += 1,
            Kind::Answer => answered_wrong += 1,
            Kind::Clarify => clarify += 1,
            Kind::Fallback => fallback += 1,
        }
    }
    times.sort_by(f64::total_cmp);
    let n = tests.len() as f64;
    println!(
        "roboai in-process: {n_answers} intents, {} train variants, {} test questions",
        index.doc_count(),
        tests.len()
    );
    println!(
        "index build: {:.0} ms, CPU {} (calibration {:?}), classifier: {} weights, {:.1} MB",
        build.as_secs_f64() * 1000.0,
        build_cpu.map_or("?".into(), |s| format!("{:.0} ms", s * 1000.0)),
        index.calibration(),
        index.classifier_size().0,
        index.classifier_size().1 as f64 / 1e6
    );
    println!("top-1 accuracy: {:.3}", top1 as f64 / n);
    if semantic.is_some() {
        let h = index.hybrid();
        println!(
            "  hybrid: lexical alone {:.3}; model asked for {} of {} questions; fitted weight {:.2} \
             (held-out variants: {:.3} lexical, {:.3} hybrid)",
            lexical_top1 as f64 / n,
            model_calls,
            tests.len(),
            h.w_semantic,
            h.accuracy_lexical,
            h.accuracy_hybrid
        );
    }
    println!(
        "replies: answer+right {:.3}, answer+wrong {:.3}, clarify {:.3}, fallback {:.3}",
        answered_right as f64 / n,
        answered_wrong as f64 / n,
        clarify as f64 / n,
        fallback as f64 / n
    );
    println!(
        "latency: median {:.3} ms, p99 {:.3} ms{}",
        times[times.len() / 2],
        times[(times.len() * 99 / 100).min(times.len() - 1)],
        if semantic.is_some() {
            " (question vectors from the cache)"
        } else {
            ""
        }
    );
    #[cfg(feature = "embeddings")]
    if let Some(s) = &semantic {
        // Live model calls: questions that need the model, answered with it (two threads).
        let live = s.live();
        let mut live_times = Vec::new();
        for l in tests.iter().take(400) {
            let t = Instant::now();
            let d = lotse_core::reply::decide_with(&index, &l.text, Some(&live));
            if d.ranking.semantic {
                live_times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            if live_times.len() >= 100 {
                break;
            }
        }
        live_times.sort_by(f64::total_cmp);
        if !live_times.is_empty() {
            println!(
                "questions that need the model, live: median {:.1} ms, p90 {:.1} ms (n={})",
                live_times[live_times.len() / 2],
                live_times[live_times.len() * 9 / 10],
                live_times.len()
            );
        }
    }
    Ok(())
}

/// CPU time of this process so far (Linux, 10 ms resolution): unlike wall time it does not grow
/// when other work competes for the cores, which makes build times comparable across runs.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
