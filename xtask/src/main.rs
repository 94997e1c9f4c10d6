//! Project automation for Lotse (`cargo xtask …`): benchmark runners and data generation.
//! Nothing here runs in production; everything here is reproducible from the repository and `../shared`.

mod roboai;
mod roboai_http;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["bench", "roboai", rest @ ..] => roboai::run(rest),
        _ => {
            eprintln!(
                "usage:\n  cargo xtask bench roboai [--data FILE] [--http BASE_URL]\n      \
                 generic engine quality on the roboai FAQ data (in-process, or over HTTP against a running `lotse serve`)"
            );
            bail!("unknown command: {}", args.join(" "))
        }
    }
    .context("xtask failed")
}
