//! Speech wiring of the binary: loading the whisper.cpp model for `serve`, and the `lotse models`
//! command (list, check, install model files).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use lotse_app::Config;
use lotse_speech::Recognizer;
use lotse_speech::models::{KNOWN, Verdict, check};

/// The recogniser for `serve`: whisper.cpp with the configured model, or "unavailable" (a build
/// without the `speech` feature, no model file, or a file that does not load). Never fails: Lotse
/// runs without speech, and `/readyz` says so.
pub fn recognizer(cfg: &Config) -> Arc<dyn Recognizer> {
    let path = cfg.speech.model_path(&cfg.server.data_dir);
    if !path.exists() {
        tracing::info!(model = %path.display(), "no speech model: speech input is off (see `lotse models`)");
        return Arc::new(lotse_speech::Unavailable);
    }
    load(cfg, &path)
}

#[cfg(feature = "speech")]
fn load(cfg: &Config, path: &Path) -> Arc<dyn Recognizer> {
    let settings = lotse_speech::whisper::Settings {
        threads: cfg.speech.threads,
        max_tokens: cfg.speech.max_tokens,
        beam_size: cfg.speech.beam_size,
        language: cfg.speech.language.clone(),
    };
    let started = std::time::Instant::now();
    match lotse_speech::whisper::Whisper::load(path, settings) {
        Ok(w) => {
            tracing::info!(model = %path.display(), load_ms = started.elapsed().as_millis() as u64, "speech input is on");
            Arc::new(w)
        }
        Err(e) => {
            tracing::warn!(model = %path.display(), error = %e, "the speech model does not load: speech input is off");
            Arc::new(lotse_speech::Unavailable)
        }
    }
}

#[cfg(not(feature = "speech"))]
fn load(_cfg: &Config, path: &Path) -> Arc<dyn Recognizer> {
    tracing::warn!(model = %path.display(), "this build has no speech support (cargo feature `speech`): speech input is off");
    Arc::new(lotse_speech::Unavailable)
}

/// whisper.cpp's OpenMP threads spin while they wait unless `OMP_WAIT_POLICY=PASSIVE`; on a
/// busy two-core machine spinning makes transcription many times slower. The OpenMP runtime
/// reads the variable when the process starts, so `serve` re-executes itself once with it set
/// (same process id; nothing else changes). An explicit setting by the operator is kept.
#[cfg(all(feature = "speech", unix))]
pub fn ensure_passive_openmp() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_WAIT_POLICY").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_WAIT_POLICY", "PASSIVE")
        .exec();
    // Only reached if exec failed; run on with the default policy.
    eprintln!("note: could not set OMP_WAIT_POLICY=PASSIVE ({err}); speech may be slow under load");
}

#[cfg(not(all(feature = "speech", unix)))]
pub fn ensure_passive_openmp() {}

/// `lotse models list`.
pub fn list(cfg: &Config) {
    let dir = models_dir(cfg);
    let configured = cfg.speech.model_path(&cfg.server.data_dir);
    println!(
        "Sprachmodelle (whisper.cpp) – Verzeichnis {}",
        dir.display()
    );
    println!(
        "konfiguriert: {} ({})",
        configured.display(),
        if configured.exists() {
            "vorhanden"
        } else {
            "fehlt"
        }
    );
    if !cfg!(feature = "speech") {
        println!(
            "Hinweis: dieses Programm wurde ohne Spracherkennung gebaut (cargo feature `speech`)."
        );
    }
    for m in KNOWN {
        let here = dir.join(m.file).exists();
        println!(
            "  {:<10} {:<20} {} {}\n             {}",
            m.name,
            m.file,
            if here { "[installiert]" } else { "" },
            m.url.unwrap_or("(cargo xtask models whisper)"),
            m.note
        );
    }
}

/// `lotse models check [FILE]`: size and checksum against the catalogue.
pub fn check_file(cfg: &Config, file: Option<&Path>) -> Result<()> {
    let path = file.map_or_else(
        || cfg.speech.model_path(&cfg.server.data_dir),
        Path::to_path_buf,
    );
    if !path.exists() {
        bail!("{} gibt es nicht", path.display());
    }
    match check(&path).with_context(|| format!("reading {}", path.display()))? {
        Verdict::Known(m) => {
            println!("{}: in Ordnung – {} ({})", path.display(), m.name, m.note);
            Ok(())
        }
        Verdict::Unverified => {
            println!(
                "{}: eine whisper.cpp-Modelldatei, aber keine bekannte (Größe/Prüfsumme nicht im Katalog) – nutzbar, nicht geprüft",
                path.display()
            );
            Ok(())
        }
        Verdict::NotAModel(why) => bail!("{}: {why}", path.display()),
    }
}

/// `lotse models install NAME [--from FILE]`: copies a local file or downloads the official one
/// (with `curl`), checks it, and puts it into the data directory's `models/`.
pub fn install(cfg: &Config, name: &str, from: Option<&Path>) -> Result<()> {
    let candidates: Vec<_> = KNOWN
        .iter()
        .filter(|m| m.name == name || m.file == name)
        .collect();
    let Some(first) = candidates.first() else {
        bail!(
            "unbekanntes Modell {name} (bekannt: {})",
            KNOWN.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
        );
    };
    let dir = models_dir(cfg);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let target = dir.join(first.file);
    let partial = target.with_extension("partial");
    match from {
        Some(src) => {
            std::fs::copy(src, &partial)
                .with_context(|| format!("copying {} to {}", src.display(), partial.display()))?;
        }
        None => {
            let url = candidates
                .iter()
                .find_map(|m| m.url)
                .with_context(|| format!("{name} has no download address; use --from FILE"))?;
            println!("lade {url} …");
            let ok = Command::new("curl")
                .args(["-fL", "--retry", "3", "-o"])
                .arg(&partial)
                .arg(url)
                .status()
                .context("running curl (is it installed?)")?
                .success();
            if !ok {
                let _ = std::fs::remove_file(&partial);
                bail!("download of {url} failed");
            }
        }
    }
    // A model of the same file name is accepted (the official ggml-base.bin and the one
    // converted from PyPI are both `base`).
    match check(&partial)? {
        Verdict::Known(m) if m.file == first.file => {
            std::fs::rename(&partial, &target)?;
            println!("installiert: {} ({})", target.display(), m.note);
            if target != cfg.speech.model_path(&cfg.server.data_dir) {
                println!(
                    "Zum Verwenden: speech.model = \"{}\" in lotse.toml (oder LOTSE__SPEECH__MODEL)",
                    target.display()
                );
            }
            Ok(())
        }
        other => {
            let _ = std::fs::remove_file(&partial);
            bail!("the file is not {name} (size or checksum differ): {other:?}")
        }
    }
}

fn models_dir(cfg: &Config) -> PathBuf {
    cfg.server.data_dir.join("models")
}
