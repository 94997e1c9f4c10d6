//! Load time, latency per sentence (1 and 2 threads), resident memory and a few cosines of the
//! multilingual-e5-small embedder. Printed, not asserted; the numbers go to docs/benchmarks.md.
//!
//! `cargo run --release -p lotse-embed --features embeddings --example e5_bench -- [MODEL_DIR]`
//! (default `lotse-data/models/multilingual-e5-small`).

use std::path::PathBuf;
use std::time::Instant;

use lotse_embed::{Embedder, Options, cosine};

const QUESTIONS: [&str; 12] = [
    "Wie beantrage ich Bürgergeld?",
    "Wer zahlt die Kaution für meine neue Wohnung?",
    "Muss ich meinen Urlaub beim Jobcenter beantragen?",
    "Was passiert, wenn ich einen Termin verpasse?",
    "Wo bekomme ich Hilfe bei Schulden?",
    "Wann wird das Geld überwiesen?",
    "Ich habe meinen Weiterbewilligungsantrag zu spät abgegeben, was nun?",
    "Werden die Heizkosten übernommen?",
    "How do I apply for citizen's income?",
    "Як подати заяву на громадянську допомогу?",
    "كيف أقدم طلبا للحصول على المساعدة الاجتماعية؟",
    "Vatandaşlık parası için nasıl başvurabilirim?",
];

const PAIRS: [(&str, &str); 8] = [
    (
        "Wie beantrage ich Bürgergeld?",
        "Wo stelle ich einen Antrag auf Bürgergeld?",
    ),
    (
        "Wie beantrage ich Bürgergeld?",
        "Wie beantrage ich Bürgergelt?",
    ),
    (
        "Wie beantrage ich Bürgergeld?",
        "How do I apply for citizen's income?",
    ),
    (
        "Wie beantrage ich Bürgergeld?",
        "Як подати заяву на громадянську допомогу?",
    ),
    (
        "Wie beantrage ich Bürgergeld?",
        "كيف أقدم طلبا للحصول على المساعدة الاجتماعية؟",
    ),
    (
        "Wie beantrage ich Bürgergeld?",
        "Vatandaşlık parası için nasıl başvurabilirim?",
    ),
    (
        "Wie beantrage ich Bürgergeld?",
        "Wer zahlt die Kaution für meine Wohnung?",
    ),
    (
        "Wie beantrage ich Bürgergeld?",
        "Wie wird das Wetter morgen in Berlin?",
    ),
];

/// `VmRSS` and `VmHWM` (peak) of this process in MB, from /proc (Linux only; 0 elsewhere).
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map_or_else(
        || PathBuf::from("lotse-data/models/multilingual-e5-small"),
        PathBuf::from,
    );
    println!("before load: rss {:.0} MB", memory_mb().0);
    for threads in [1, 2] {
        let started = Instant::now();
        let model = Embedder::load(
            &dir,
            Options {
                threads,
                ..Options::default()
            },
        )?;
        let load = started.elapsed();
        let (rss, peak) = memory_mb();
        println!(
            "threads {threads}: load {:.2} s, rss {rss:.0} MB (peak {peak:.0} MB), word table {:.0} MB",
            load.as_secs_f64(),
            model.word_table_bytes() as f64 / 1e6
        );
        model.embed(&QUESTIONS[..2])?;
        let rounds = 5;
        let mut single = Vec::new();
        for _ in 0..rounds {
            for q in QUESTIONS {
                let started = Instant::now();
                model.embed(&[q])?;
                single.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        single.sort_by(f64::total_cmp);
        let (median, p90) = (single[single.len() / 2], single[single.len() * 9 / 10]);
        let started = Instant::now();
        for _ in 0..rounds {
            model.embed(&QUESTIONS)?;
        }
        let batched = started.elapsed().as_secs_f64() * 1000.0 / (rounds * QUESTIONS.len()) as f64;
        println!(
            "threads {threads}: one sentence median {median:.1} ms, p90 {p90:.1} ms; in batches of {}: {batched:.1} ms per sentence; rss {:.0} MB",
            QUESTIONS.len(),
            memory_mb().0
        );
        if threads == 1 {
            for (a, b) in PAIRS {
                let v = model.embed(&[a, b])?;
                println!("cosine {:.3}  {a} | {b}", cosine(&v[0], &v[1]));
            }
        }
    }
    Ok(())
}
